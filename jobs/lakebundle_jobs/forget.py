"""Deletion requests ("forget account X / workspace W"): recorded, carried out in every table, audited.

The request table (ops.deletion_requests) is also the deletion manifest of the immutable landing zone:
CP ingestion, validation, merge and replay drop lines of a forgotten account or workspace, so no
re-ingestion or replay can bring them back. Carrying a request out DELETEs its rows from bronze and
quarantine (matched in the raw line), silver and gold of the CP job, and from the AP pipeline's
streaming tables; then `REORG TABLE … APPLY (PURGE)` rewrites the files whose rows were only marked
deleted by deletion vectors. Each later run VACUUMs those tables once the retention has passed and
records the purge. AP materialized views are never DELETEd (Databricks refuses DML on them): they are
recomputed from AP silver by the pipeline. AP ingestion has no manifest filter (the pipeline would need
the ops table before its first update), so every run re-applies all requests to the AP tables.
"""
import json
import re
import threading
import uuid
from datetime import datetime, timedelta, timezone

from pyspark.sql import functions as F

from . import conflicts
from .tables import table_exists

DELETION_DDL = ("request_id STRING, account_id STRING, workspace_id STRING, event STRING, at TIMESTAMP, "
                "details STRING, run_id STRING")
# the policy: a request is carried out at once and its files purged within this many days
PURGE_DAYS = 7
_RAW_ACCOUNT = "get_json_object(_raw, '$.account_id')"
_RAW_WORKSPACE = "get_json_object(_raw, '$.workspace_id')"
_manifest_lock = threading.Lock()


def requests(ctx):
    """(account, workspace, workspaces of the account) of every request; the workspaces are those found
    when the request was carried out (events of a workspace-only source carry no account id)."""
    table = ctx.plan["ops"]["deletionRequestsTable"]
    if not table_exists(ctx, table):
        return []
    rows = ctx.spark.table(table).where(F.col("event").isin("requested", "carried_out")).collect()
    found = {}
    for r in rows:
        if r["event"] == "carried_out":
            found.setdefault(r["request_id"], set()).update(json.loads(r["details"] or "{}").get("workspaces", []))
    return sorted({(r["account_id"], r["workspace_id"], tuple(sorted(found.get(r["request_id"], ()))))
                   for r in rows if r["event"] == "requested"}, key=str)


def manifest_line_expr(ctx):
    """`raw_line_expr` of the deletion manifest, read once per task: the streams of a task start together,
    and each read of the manifest table costs a Delta log replay (they start from parallel threads: the
    first reads, the others wait for it)."""
    with _manifest_lock:
        if "manifest_line_expr" not in ctx.task_memo:
            ctx.task_memo["manifest_line_expr"] = raw_line_expr(requests(ctx))
        return ctx.task_memo["manifest_line_expr"]


def _q(text):
    return str(text).replace("\\", "\\\\").replace("'", "\\'")


def _subject_expr(reqs, account_sql, workspace_sql):
    """SQL true for a line/row of a forgotten subject; None when nothing is forgotten. An id a row does
    not carry (NULL, or a table without the column: pass "NULL") does not contradict the request; a row
    without an account id is matched by its workspace (the request's, or the account's known ones)."""
    parts = []
    for account, workspace, workspaces in reqs:
        if account:
            by_account = f"{account_sql} = '{_q(account)}'"
            if workspace:
                by_account += f" AND coalesce({workspace_sql} = '{_q(workspace)}', true)"
            ids = [workspace] if workspace else list(workspaces)
            by_workspace = (f" OR ({account_sql} IS NULL AND {workspace_sql} IN ({', '.join(repr_sql(w) for w in ids)}))"
                            if ids else "")
            parts.append(f"(({by_account}){by_workspace})")
        elif workspace:
            parts.append(f"({workspace_sql} = '{_q(workspace)}')")
    return " OR ".join(parts) if parts else None


def repr_sql(text):
    return f"'{_q(text)}'"


def raw_line_expr(reqs):
    """Forgotten, judged from the raw landed line (bronze, quarantine, landing files)."""
    return _subject_expr(reqs, _RAW_ACCOUNT, _RAW_WORKSPACE)


def columns_expr(reqs, columns):
    return _subject_expr(reqs, "account_id" if "account_id" in columns else "NULL",
                         "workspace_id" if "workspace_id" in columns else "NULL")


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


def _tables(plan, path_name):
    """(table, kind) of every table of a path that can hold a subject and takes a DELETE. AP gold tables are
    materialized views: recomputed from silver by the pipeline, never DELETEd."""
    path = plan["paths"].get(path_name)
    if not path:
        return []
    out = [(b["table"], "raw") for b in path["bronze"]]
    for s in path["silver"]:
        out += [(s["table"], "columns"), (s["quarantineTable"], "raw")]
    if path_name == "CP":
        out += [(g["table"], "columns") for g in path["gold"]]
        out += [(g["restatementsTable"], "columns") for g in path["gold"] if g.get("restatementsTable")]
    return out


def _workspaces(ctx, account):
    """The workspaces an account's rows name, in every silver table that has both ids."""
    found = set()
    for path in ctx.plan["paths"].values():
        for s in path["silver"]:
            if table_exists(ctx, s["table"]) and {"account_id", "workspace_id"} <= set(ctx.spark.table(s["table"]).columns):
                found.update(r[0] for r in ctx.spark.table(s["table"]).where(F.col("account_id") == account)
                             .select("workspace_id").distinct().collect() if r[0] is not None)
    return sorted(found)


def _delete(ctx, name, kind, reqs, purge_always=False):
    """DELETE the subjects' rows of one table; returns how many went (from the DELETE's own metrics), or
    None when the table does not exist or cannot hold them."""
    spark = ctx.spark
    if not table_exists(ctx, name):
        return None
    expr = raw_line_expr(reqs) if kind == "raw" else columns_expr(reqs, set(spark.table(name).columns))
    if not expr:
        return None
    retry = lambda op, sql: conflicts.with_retry(spark, ctx.plan["ops"]["writeConflictsTable"], ctx.run_id, name, op,  # noqa: E731
                                                 lambda: spark.sql(sql).collect())
    result = retry("forget delete", f"DELETE FROM {name} WHERE {expr}")
    n = int(result[0][0]) if result and len(result[0]) else 0
    if n or purge_always:
        # with deletion vectors a DELETE only marks rows: rewrite the files that still hold them, so that
        # VACUUM can remove every file with the subject's data (https://docs.delta.io/latest/delta-deletion-vectors.html).
        # Idempotent; on a retried run it is repeated, because the first attempt's DELETE may have committed alone.
        retry("forget purge", f"REORG TABLE {name} APPLY (PURGE)")
    return n


def _delete_all(ctx, tables, reqs, purge_always=False):
    """{table: rows deleted} over every table that exists and can hold the subjects (0 rows included)."""
    out = {}
    for name, kind in tables:
        n = _delete(ctx, name, kind, reqs, purge_always)
        if n is not None:
            out[name] = n
    return out


def _purge_details(ctx, touched):
    """When the files of these tables' deleted rows may be VACUUMed, and which tables to VACUUM then."""
    retention = max([_retention_days(ctx.spark, name) for name in touched] or [0])
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return {"deletedRows": {name.split(".", 1)[1]: n for name, n in sorted(touched.items()) if n},
            "tables": sorted(name.split(".", 1)[1] for name in touched),
            "purgeDue": (now + timedelta(days=retention)).isoformat(timespec="seconds") + "Z", "retentionDays": retention}


def carry_out(ctx):
    """Carry out every pending request in the CP tables and the AP streaming tables, re-apply earlier
    requests to the AP tables, VACUUM the tables whose purge is due, and audit each step. Repeating it
    deletes nothing more; a retried run (the job retries its task) repeats the purge of a started request."""
    spark = ctx.spark
    table = ctx.plan["ops"]["deletionRequestsTable"]
    if not table_exists(ctx, table):
        return []
    log = spark.table(table).collect()
    done = {r["request_id"] for r in log if r["event"] == "carried_out"}
    started = {r["request_id"]: json.loads(r["details"] or "{}") for r in log if r["event"] == "started"}
    results = []
    for req in (r for r in log if r["event"] == "requested" and r["request_id"] not in done):
        rid = req["request_id"]
        if rid in started:
            # the subject's rows may already be gone from silver: use the workspaces found the first time
            workspaces = started[rid].get("workspaces", [])
        else:
            workspaces = _workspaces(ctx, req["account_id"]) if req["account_id"] and not req["workspace_id"] else []
            _log(ctx, rid, req["account_id"], req["workspace_id"], "started", {"workspaces": workspaces})
        reqs = [(req["account_id"], req["workspace_id"], tuple(workspaces))]
        touched = _delete_all(ctx, _tables(ctx.plan, "CP") + _tables(ctx.plan, "AP"), reqs, purge_always=rid in started)
        details = {**_purge_details(ctx, touched), "workspaces": workspaces}
        _log(ctx, rid, req["account_id"], req["workspace_id"], "carried_out", details)
        ctx.say(f"forget {_subject(req)}: deleted {sum(touched.values())} rows in {len(details['deletedRows'])} tables")
        results.append({"requestId": rid, "accountId": req["account_id"], "workspaceId": req["workspace_id"], **details})
    # AP ingestion does not read the manifest: lines of earlier requests' subjects that landed since go here,
    # audited (and later purged) like a request of their own
    earlier = [r for r in requests(ctx) if any(x["request_id"] in done and (x["account_id"], x["workspace_id"]) == r[:2] for x in log)]
    again = _delete_all(ctx, _tables(ctx.plan, "AP"), earlier) if earlier else {}
    if any(again.values()):
        _log(ctx, uuid.uuid4().hex, None, None, "reapplied", _purge_details(ctx, {k: v for k, v in again.items() if v}))
        ctx.say(f"forget: {sum(again.values())} newly landed rows of forgotten subjects removed from the AP tables")
    ctx.metrics["forgetPurged"] = _purge_due(ctx, log)
    return results


def _purge_due(ctx, log):
    """VACUUM the tables of every carried-out request (or re-application) whose purge date has passed,
    once; audited as `purged`. Before that date VACUUM could not remove the deleted files (they are
    within the table's retention)."""
    purged = {r["request_id"] for r in log if r["event"] == "purged"}
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    out = []
    for r in log:
        if r["event"] not in ("carried_out", "reapplied") or r["request_id"] in purged:
            continue
        details = json.loads(r["details"] or "{}")
        if datetime.fromisoformat(details["purgeDue"].rstrip("Z")) > now:
            continue
        catalog = ctx.plan["ops"]["deletionRequestsTable"].split(".")[0]
        tables = [f"{catalog}.{name}" for name in details.get("tables", details.get("deletedRows", {}))]
        for name in tables:
            if table_exists(ctx, name):
                ctx.spark.sql(f"VACUUM {name}").collect()
        _log(ctx, r["request_id"], r["account_id"], r["workspace_id"], "purged", {"vacuumed": sorted(tables)})
        out.append(r["request_id"])
    return out


def _subject(req):
    return "/".join(x for x in (req["account_id"], req["workspace_id"]) if x)


def _retention_days(spark, table):
    """Days after which VACUUM may remove a deleted file: the table's deletedFileRetentionDuration (Delta's
    default is 7 days; generated tables never keep deleted files longer than PURGE_DAYS)."""
    rows = spark.sql(f"SHOW TBLPROPERTIES {table}").collect()
    value = next((r["value"] for r in rows if r["key"] == "delta.deletedFileRetentionDuration"), None)
    m = re.match(r"interval\s+(\d+)\s+day", value or "", re.I)
    return int(m.group(1)) if m else PURGE_DAYS
