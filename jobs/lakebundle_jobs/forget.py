"""Deletion requests ("forget account X / workspace W"): recorded, carried out in every table, audited.

The request table (ops.deletion_requests) is also the deletion manifest of the immutable landing zone:
CP ingestion and replay drop lines of a forgotten account or workspace, so no re-ingestion or replay
can bring them back. Carrying a request out DELETEs the rows from bronze and quarantine (matched in the
raw line), silver and gold, then VACUUMs each table under its retention, after which the deleted files are
gone from storage; the audit row says when it was done and when the purge is due.
"""
import json
import re
import uuid
from datetime import datetime, timedelta, timezone

from pyspark.sql import functions as F

from . import conflicts
from .tables import table_exists

DELETION_DDL = ("request_id STRING, account_id STRING, workspace_id STRING, event STRING, at TIMESTAMP, "
                "details STRING, run_id STRING")
# the policy: a request is carried out at once and its files purged within this many days
PURGE_DAYS = 7


def requests(ctx):
    table = ctx.plan["ops"]["deletionRequestsTable"]
    if not table_exists(ctx, table):
        return []
    rows = ctx.spark.table(table).where(F.col("event") == "requested").select("account_id", "workspace_id").collect()
    return [(r["account_id"], r["workspace_id"]) for r in rows]


def _subject_expr(reqs, account_sql, workspace_sql):
    """SQL true for a line/row of a forgotten subject; None when nothing is forgotten."""
    parts = []
    for account, workspace in reqs:
        cond = []
        if account and account_sql:
            cond.append(f"{account_sql} = '{_q(account)}'")
        if workspace and workspace_sql:
            cond.append(f"{workspace_sql} = '{_q(workspace)}'")
        if cond and (not account or account_sql) and (not workspace or workspace_sql):
            parts.append("(" + " AND ".join(cond) + ")")
    return " OR ".join(parts) if parts else None


def _q(text):
    return str(text).replace("\\", "\\\\").replace("'", "\\'")


def raw_line_expr(reqs):
    """Forgotten, judged from the raw landed line (bronze, quarantine, landing files)."""
    return _subject_expr(reqs, "get_json_object(_raw, '$.account_id')", "get_json_object(_raw, '$.workspace_id')")


def without_forgotten(ctx, parsed, reqs=None):
    reqs = requests(ctx) if reqs is None else reqs
    expr = raw_line_expr(reqs)
    return parsed.where(f"NOT coalesce({expr}, false)") if expr else parsed


def request(ctx, account_id=None, workspace_id=None):
    if not account_id and not workspace_id:
        raise ValueError("a deletion request needs --account-id or --workspace-id")
    rid = uuid.uuid4().hex
    _log(ctx, rid, account_id, workspace_id, "requested", {})
    return rid


def _log(ctx, rid, account_id, workspace_id, event, details):
    df = ctx.spark.createDataFrame([(rid, account_id, workspace_id, event, json.dumps(details, sort_keys=True), ctx.run_id)],
                                   "request_id STRING, account_id STRING, workspace_id STRING, event STRING, details STRING, run_id STRING")
    (df.withColumn("at", F.current_timestamp()).select("request_id", "account_id", "workspace_id", "event", "at", "details", "run_id")
     .write.format("delta").mode("append").saveAsTable(ctx.plan["ops"]["deletionRequestsTable"]))


def _tables(plan):
    """(table, kind) of every table that can hold a subject: raw-line tables and column tables."""
    out = []
    for path in plan["paths"].values():
        out += [(b["table"], "raw") for b in path["bronze"]]
        for s in path["silver"]:
            out += [(s["table"], "columns"), (s["quarantineTable"], "raw")]
        out += [(g["table"], "columns") for g in path["gold"]]
        out += [(g["restatementsTable"], "columns") for g in path["gold"] if g.get("restatementsTable")]
    return out


def carry_out(ctx):
    """Delete every pending request's rows everywhere, VACUUM, and audit. Repeating it deletes nothing more."""
    spark = ctx.spark
    table = ctx.plan["ops"]["deletionRequestsTable"]
    if not table_exists(ctx, table):
        return []
    log = spark.table(table)
    done = {r[0] for r in log.where(F.col("event") == "carried_out").select("request_id").collect()}
    pending = [r for r in log.where(F.col("event") == "requested").collect() if r["request_id"] not in done]
    results = []
    for req in pending:
        reqs = [(req["account_id"], req["workspace_id"])]
        deleted, retention = {}, 0
        for name, kind in _tables(ctx.plan):
            if not table_exists(ctx, name):
                continue
            columns = set(spark.table(name).columns)
            expr = raw_line_expr(reqs) if kind == "raw" else _subject_expr(
                reqs, "account_id" if "account_id" in columns else None, "workspace_id" if "workspace_id" in columns else None)
            if not expr:
                continue
            n = spark.table(name).where(expr).count()
            if n:
                conflicts.with_retry(spark, ctx.plan["ops"]["writeConflictsTable"], ctx.run_id, name, "forget delete",
                                     lambda name=name, expr=expr: spark.sql(f"DELETE FROM {name} WHERE {expr}").collect())
                # removes files no version within the retention needs; the deleted ones go once it has passed
                spark.sql(f"VACUUM {name}").collect()
                deleted[name.split(".", 1)[1]] = n
                retention = max(retention, _retention_days(spark, name))
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        details = {"deletedRows": deleted, "purgeDue": (now + timedelta(days=retention)).isoformat(timespec="seconds") + "Z",
                   "retentionDays": retention}
        _log(ctx, req["request_id"], req["account_id"], req["workspace_id"], "carried_out", details)
        ctx.say(f"forget {req['account_id'] or ''}{'/' if req['account_id'] and req['workspace_id'] else ''}{req['workspace_id'] or ''}: "
                f"deleted {sum(deleted.values())} rows in {len(deleted)} tables")
        results.append({"requestId": req["request_id"], "accountId": req["account_id"], "workspaceId": req["workspace_id"], **details})
    return results


def _retention_days(spark, table):
    """Days after which VACUUM may remove a deleted file: the table's deletedFileRetentionDuration (Delta's
    default is 7 days; generated tables never keep deleted files longer than PURGE_DAYS)."""
    rows = spark.sql(f"SHOW TBLPROPERTIES {table}").collect()
    value = next((r["value"] for r in rows if r["key"] == "delta.deletedFileRetentionDuration"), None)
    m = re.match(r"interval\s+(\d+)\s+day", value or "", re.I)
    return int(m.group(1)) if m else PURGE_DAYS
