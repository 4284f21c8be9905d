"""Silver: parse, expectations, quarantine, dedup. One foreachBatch stream per step, idempotent per batch.

Batch functions capture only `BatchJob` (plain data): on serverless they are pickled into another Python
process, where the driver's session, context and dictionaries do not exist. They use the batch's own
session, and report counts and gate failures through the ops table (ops.py).
"""
import uuid
from dataclasses import dataclass

from pyspark.sql import Window
from pyspark.sql import functions as F

from . import conflicts, faults, forget, ops, run_log
from . import ingest as ingest_steps
from .batch_range import batch_range, checkpoint_files
from .caught_up import caught_up
from .side_by_side import per_item
from .tables import TableSpec


class DataGateError(Exception):
    """A data gate stopped the run: a `fail` expectation was violated or the invalid rate is too high."""


@dataclass(frozen=True)
class BatchJob:
    step: str
    silver: dict
    checkpoint: str
    metrics_table: str
    attempt: str
    run_id: str
    conflicts_table: str = ""
    # local engine only: where the silver table's files live (crash tests watch it)
    location: str | None = None
    # CP: lines of forgotten accounts/workspaces (the deletion manifest) that reached bronze before their
    # request was carried out go no further
    forgotten_expr: str | None = None


def _remembered(job, batch):
    return batch.where(f"NOT coalesce({job.forgotten_expr}, false)") if job.forgotten_expr else batch


def parse(batch, silver):
    return batch.selectExpr(*silver["parseInner"]).selectExpr(*silver["parseOuter"])


def valid_rows(parsed, silver):
    """The valid rows of a parsed batch, as stored in silver. A generator, not a filter then a projection:
    Spark pushes a filter below the projection that parses each line (the predicate reads the parsed
    fields), so a valid line was parsed for the filter and again for its columns. `inline` of a one-row
    (valid) or empty array decides and projects in one operator over the once-parsed fields (a
    billing_usage batch of 420K lines: 7.1 -> 5.4 s)."""
    fields = ", ".join(f"'{c}', {c}" for c in silver["storedColumns"])
    return parsed.selectExpr(f"inline(IF(coalesce(({silver['validPredicate']}), false), array(named_struct({fields})), array()))")


def _failing(silver):
    return [F.count(F.lit(1)).alias("_landed")] + [
        F.sum(F.when(F.expr(e["predicate"]), 0).otherwise(1)).alias(e["name"]) for e in silver["expectations"]]


def expectation_counts(parsed, silver):
    """Rows failing each expectation (all rows evaluated against all rules, as DLT reports them)."""
    aggs = _failing(silver) + [F.sum(F.when(F.expr(silver["validPredicate"]), 0).otherwise(1)).alias("_invalid")]
    row = parsed.agg(*aggs).collect()[0].asDict()
    return {k: int(v or 0) for k, v in row.items()}


def dated_expectation_counts(parsed, silver):
    """expectation_counts and, from the same pass, the event dates of the valid rows: (counts, dates)."""
    valid = F.expr(f"coalesce(({silver['validPredicate']}), false)").alias("_lb_valid")
    rows = parsed.groupBy(valid, F.col("_event_date")).agg(*_failing(silver)).collect()
    names = ["_landed"] + [e["name"] for e in silver["expectations"]]
    counts = {k: sum(int(r[k] or 0) for r in rows) for k in names}
    counts["_invalid"] = sum(int(r["_landed"]) for r in rows if not r["_lb_valid"])
    return counts, sorted_dates({r["_event_date"] for r in rows if r["_lb_valid"]})


def sorted_dates(dates):
    """Distinct event dates in order, a NULL date (no event time) last."""
    return sorted(set(dates), key=lambda d: (d is None, d))


def fail_expectations(silver):
    return [e for e in silver["expectations"] if e["action"] == "fail"]


def fail_expectation_message(silver, counts):
    for e in fail_expectations(silver):
        if counts[e["name"]] > 0:
            return f"expectation {e['name']} (action fail) violated by {counts[e['name']]} rows of {silver['table']}"
    return None


def gate_message(silver, counts):
    """Why this batch must not be published (CP): a fail expectation, or the invalid rate above its bound."""
    failed = fail_expectation_message(silver, counts)
    if failed:
        return failed
    rate = silver.get("maxInvalidRate")
    if rate is not None and counts["_landed"] > 0 and counts["_invalid"] / counts["_landed"] > rate:
        return (f"{silver['table']}: invalid rate {counts['_invalid']}/{counts['_landed']} = {counts['_invalid'] / counts['_landed']:.3f} "
                f"exceeds maxInvalidRate {rate}; nothing from this batch was published (fix the data or raise the threshold, then re-run)")
    return None


def write_quarantine(parsed, silver, app_id, batch_id):
    bad = parsed.where(f"NOT ({silver['validPredicate']})").selectExpr(
        "_raw", "_source_file", "_ingested_at", f"{silver['reasonExpr']} AS _reason",
        f"{silver['failedExpectationsExpr']} AS _failed_expectations")
    # txnAppId/txnVersion: a retried batch is skipped by Delta instead of appended twice
    # (https://docs.databricks.com/aws/en/structured-streaming/delta-lake#idempotent-table-writes-in-foreachbatch)
    (bad.write.format("delta").mode("append")
     .option("txnAppId", app_id).option("txnVersion", batch_id)
     .saveAsTable(silver["quarantineTable"]))


def merge_valid(parsed, silver, prune_by_event_date, stream_id, batch_id, job=None, known=None):
    """Write the batch's valid rows to silver; returns (valid, inserted). `known`: (their number, their
    event dates or None) when the caller has them (then nothing is read before the write, unless pruning
    needs dates it lacks). A MERGE caller that has not counted them passes (None, None): valid is then None.

    With dedup: MERGE by key. Insert unseen keys; with `sequenceBy`, a copy with a strictly later
    sequence replaces the stored row (SCD type 1, as AUTO CDC does). Both are idempotent, so a retried
    batch changes nothing and needs no txnAppId (whose session conf serverless does not let a job set).
    Without dedup: append, as the pipeline's plain streaming table does, idempotently per batch.
    """
    spark = parsed.sparkSession  # the batch's session: temp views must live there
    valid = valid_rows(parsed, silver)
    if known is not None and (known[1] is not None or not prune_by_event_date):
        stats = {"n": known[0], "dates": known[1]}
    else:
        # a count per date, not collect_set: an aggregate holding a set falls back from generated code
        # (a pass over 420K lines took about 1.5× as long)
        per_date = valid.groupBy("_event_date").count().collect()
        stats = {"n": sum(r["count"] for r in per_date), "dates": [r["_event_date"] for r in per_date]}
    if stats["n"] == 0:
        return 0, 0
    dedup = silver["dedup"]
    retry = (lambda op, write: conflicts.with_retry(spark, job.conflicts_table, job.run_id, silver["table"], op, write)) if job else (lambda op, write: write())
    if not dedup:
        retry("append", lambda: (valid.write.format("delta").mode("append")
                                 .option("txnAppId", f"{stream_id}#silver").option("txnVersion", batch_id).saveAsTable(silver["table"])))
        return stats["n"], stats["n"]
    latest = latest_per_key(valid, dedup)
    view = f"_lb_batch_{silver['name']}"
    latest.createOrReplaceTempView(view)
    dates = sorted_dates(stats["dates"]) if prune_by_event_date else None
    if job and job.location:
        faults.crash_when_files_appear("merge.commit", job.location)
    result = retry("dedup merge", lambda: spark.sql(merge_sql(silver, view, dates)).collect())
    return stats["n"], (int(result[0]["num_inserted_rows"]) if result else 0)


def latest_per_key(valid, dedup):
    """One row per key in the batch: the latest by sequence (copies are identical without one, so any).
    A window, not `max_by(struct(...))`: an aggregate over a struct cannot be hashed, so Spark sorts the
    rows twice (before and after the shuffle); the window sorts once. Rows whose sequence is NULL come last."""
    keys, seq = dedup["keys"], dedup.get("sequenceBy")
    order = F.col(seq).desc_nulls_last() if seq else F.col(keys[0])
    ranked = valid.withColumn("_lb_rank", F.row_number().over(Window.partitionBy(*keys).orderBy(order)))
    return ranked.where("_lb_rank = 1").drop("_lb_rank")


def merge_sql(silver, source_view, prune_dates):
    """The dedup MERGE of a batch (one row per key in `source_view`) into silver. With `prune_dates`
    (CP): copies of an event are identical, so its event date is part of its identity and prunes the target."""
    dedup = silver["dedup"]
    seq = dedup.get("sequenceBy")
    on = " AND ".join(f"t.{k} = s.{k}" for k in dedup["keys"])
    if prune_dates is not None:
        dates = ", ".join(f"DATE'{d}'" for d in prune_dates if d is not None) or "NULL"
        on += f" AND t._event_date = s._event_date AND t._event_date IN ({dates})"
    update = f"WHEN MATCHED AND s.{seq} > t.{seq} THEN UPDATE SET * " if seq else ""
    return f"MERGE INTO {silver['table']} t USING {source_view} s ON {on} {update}WHEN NOT MATCHED THEN INSERT *"


def _quarantine_batch(spark, job, parsed, batch_id, gate, dated=False, stream_id=None):
    """Count every rule, stop on the gate (recorded first: the driver reads it back), write the quarantine.
    Returns (counts, stream id, the valid rows' event dates when `dated`, else None)."""
    counts, dates = dated_expectation_counts(parsed, job.silver) if dated else (expectation_counts(parsed, job.silver), None)
    stopped = gate(job.silver, counts)
    if stopped:
        ops.record_batch(spark, job, batch_id, counts, gate_error=stopped)
        raise DataGateError(stopped)
    stream_id = stream_id or _stream_id(spark, job)
    if counts["_invalid"]:  # a batch with nothing to quarantine makes no commit
        conflicts.with_retry(spark, job.conflicts_table, job.run_id, job.silver["quarantineTable"], "quarantine append",
                             lambda: write_quarantine(parsed, job.silver, stream_id, batch_id))
    # the quarantine rows are committed, the batch's counts and the stream's commit are not
    faults.crash_point(f"{job.step}.after_quarantine")
    return counts, stream_id, dates


# stream ids read by this process, per stream start (BatchJob.attempt): a long-lived flow (the continuous
# AP pipeline) runs every batch in one Python process, and its id cannot change while it runs
_stream_ids = {}


def _stream_id(spark, job):
    if job.attempt not in _stream_ids:
        _stream_ids[job.attempt] = ops.stream_app_id(spark, job.checkpoint)
    return _stream_ids[job.attempt]


def _rules(job):
    """What decides a batch's valid rows besides the bronze rows it read (see batch_range.py)."""
    s = job.silver
    return [s["parseInner"], s["parseOuter"], s["validPredicate"], job.forgotten_expr]


def validate_batch(job, batch, batch_id):
    """CP validate: counts, gates (fail expectations, invalid rate), quarantine. The merge task merges."""
    spark = batch.sparkSession
    files = checkpoint_files(spark, job.checkpoint, batch_id)
    counts, stream_id, dates = _quarantine_batch(spark, job, parse(_remembered(job, batch), job.silver), batch_id, gate_message,
                                                 dated=True, stream_id=ops.app_id(files["metadata"]))
    ops.record_batch(spark, job, batch_id, counts, stream_id=stream_id,
                     batch_range=batch_range(files, batch_id, _rules(job)), valid_dates=dates)


def merge_batch(job, batch, batch_id):
    """CP merge: MERGE valid rows by key, pruned by event date. The dates (and the valid rows' number) come
    from the validate batch that read the same bronze offsets, when there is one (see batch_range.py)."""
    spark = batch.sparkSession
    files = checkpoint_files(spark, job.checkpoint, batch_id)
    stream_id = ops.app_id(files["metadata"])
    key = batch_range(files, batch_id, _rules(job))
    validated = ops.validated_range(spark, job.metrics_table, job.silver["table"], key) if key else None
    valid, inserted = merge_valid(parse(_remembered(job, batch), job.silver), job.silver, True, stream_id, batch_id, job,
                                  known=validated)
    ops.record_batch(spark, job, batch_id, {}, stream_id=stream_id, valid=valid, inserted=inserted, batch_range=key)


def ap_batch(job, batch, batch_id):
    """AP silver: quarantine (only fail expectations stop it), then key dedup as the AUTO CDC flow does.
    When nothing can stop the batch (no fail expectation) and it is MERGEd, its valid rows go first: a
    landed file is queryable in silver, and its views refresh, one counting pass sooner. A retried batch
    changes nothing in either order: the MERGE is idempotent, the quarantine and ops writes are per batch.
    A batch without valid rows makes no commit either way: Delta records no MERGE that changes nothing
    (where an empty append is a commit, hence the dedup condition)."""
    spark = batch.sparkSession
    parsed = parse(batch, job.silver)
    if job.silver["dedup"] and not fail_expectations(job.silver):
        stream_id = _stream_id(spark, job)
        _, inserted = merge_valid(parsed, job.silver, False, stream_id, batch_id, job, known=(None, None))
        counts, _, _ = _quarantine_batch(spark, job, parsed, batch_id, fail_expectation_message, stream_id=stream_id)
    else:
        counts, stream_id, _ = _quarantine_batch(spark, job, parsed, batch_id, fail_expectation_message)
        _, inserted = merge_valid(parsed, job.silver, False, stream_id, batch_id, job, known=(counts["_landed"] - counts["_invalid"], None))
    ops.record_batch(spark, job, batch_id, counts, stream_id=stream_id, valid=counts["_landed"] - counts["_invalid"], inserted=inserted)


_BATCH_FUNCTIONS = {"validate": validate_batch, "merge": merge_batch, "silver": ap_batch}


def _silver_ddl(ctx, silver):
    # the stored columns' types come from parsing an empty row
    empty = ctx.spark.createDataFrame([], "_raw STRING, _source_file STRING, _ingested_at TIMESTAMP")
    schema = parse(empty, silver).selectExpr(*silver["storedColumns"]).schema
    return ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in schema.fields)


QUARANTINE_DDL = "_raw STRING, _source_file STRING, _ingested_at TIMESTAMP, _reason STRING, _failed_expectations ARRAY<STRING>"


# Row-level concurrency and cheap deletes: deletion vectors and row tracking (Delta 3+, Databricks
# Runtime 14+). https://docs.databricks.com/aws/en/optimizations/isolation-level#row-level-concurrency
SILVER_PROPERTIES = {"delta.enableDeletionVectors": "true", "delta.enableRowTracking": "true"}
# CP publish reads silver's change data feed for the periods new rows touch, and recomputes only those
# (https://docs.databricks.com/aws/en/delta/delta-change-data-feed)
CP_SILVER_PROPERTIES = {**SILVER_PROPERTIES, "delta.enableChangeDataFeed": "true"}


def silver_tables(ctx, path_name, silver):
    """The silver table and its quarantine, for tables.ensure_tables."""
    # CP silver is partitioned by event date: MERGEs pruned to different days never conflict (Delta checks
    # a concurrent commit's files against the partition predicates this transaction read)
    partition = "_event_date" if path_name == "CP" else None
    properties = CP_SILVER_PROPERTIES if path_name == "CP" else SILVER_PROPERTIES
    return [TableSpec(silver["table"], lambda: _silver_ddl(ctx, silver), partition, properties),
            TableSpec(silver["quarantineTable"], QUARANTINE_DDL)]


def _source(ctx, path_name, silver):
    """CP steps stream bronze. AP silver streams the landing zone itself, as its pipeline flow does: AP
    bronze is then a leaf a deletion request can DELETE from, where a SQL flow reading STREAM(bronze) would
    fail on the change commit (Lakeflow SQL has no skipChangeCommits)."""
    if path_name == "AP":
        bronze = next(b for b in ctx.plan["paths"][path_name]["bronze"] if b["table"] == silver["bronzeTable"])
        return ingest_steps.landed_files(ctx, path_name, bronze, lenient=True).drop("_file_size")
    # skipChangeCommits: carrying out a deletion request DELETEs from bronze; those commits hold nothing to process
    return ctx.spark.readStream.format("delta").option("skipChangeCommits", "true").table(silver["bronzeTable"])


def _checkpoint(ctx, path_name, silver, step):
    # AP silver's checkpoint moved when its source became the landing zone: a checkpoint keeps its source
    return ctx.checkpoint(path_name, silver["name"], "landed" if path_name == "AP" else step)


def start_step(ctx, path_name, silver, step, trigger):
    """Start one silver step's stream; returns (its BatchJob, the query). `trigger`: availableNow for one
    run, processingTime for the continuous AP pipeline (see continuous.py)."""
    metrics_table = ctx.plan["ops"]["batchMetricsTable"]
    job = BatchJob(step=step, silver=silver, checkpoint=_checkpoint(ctx, path_name, silver, step),
                   metrics_table=metrics_table, attempt=uuid.uuid4().hex, run_id=ctx.run_id,
                   conflicts_table=ctx.plan["ops"]["writeConflictsTable"],
                   location=ctx.table_location(silver["table"]) if ctx.warehouse else None,
                   forgotten_expr=forget.manifest_line_expr(ctx) if path_name == "CP" else None)
    fn = _BATCH_FUNCTIONS[step]

    def handle(batch, batch_id):
        fn(job, batch, batch_id)

    query = (_source(ctx, path_name, silver).writeStream
             .queryName(f"{path_name.lower()}_{step}_{silver['name']}")
             .foreachBatch(handle)
             .option("checkpointLocation", job.checkpoint)
             .trigger(**trigger)
             .start())
    return job, query


def stopped_by_gate(ctx, job, silver):
    """The data-gate error a step's batch function recorded before its stream failed, or None."""
    gate = ops.gate_failure(ctx.spark, job.metrics_table, job.attempt, silver["table"])
    return DataGateError(gate) if gate else None


def run_steps(ctx, path_name, step, silvers):
    """Run one step over the path's silver tables: an availableNow stream each, side by side. What they did
    is read back from the ops table once, after all have ended: each read of that table replays the log
    the streams' appends just extended. A CP stream that has read every bronze version is not started
    (see caught_up.py)."""
    by_table = {s["table"]: s for s in silvers}
    ended = {t: r for t, r in per_item(lambda t: _run_stream(ctx, path_name, step, by_table[t]), list(by_table)).items() if r}
    read = {t: job.attempt for t, (job, query) in ended.items() if not run_log.ran_nothing(query)}
    found = ops.attempts_totals(ctx.spark, ctx.plan["ops"]["batchMetricsTable"], read) if read else {}
    for silver in silvers:
        totals = found.get(silver["table"]) or ops.no_batches()
        if silver["table"] in ended:
            run_log.note_progress(ctx, path_name, step, silver["table"], ended[silver["table"]][1], totals["landed"] or totals["valid"])
        _accumulate(ctx, silver, step, totals)
        ctx.say(_done(step, silver["table"], totals))


def _run_stream(ctx, path_name, step, silver):
    """(job, query) of the step's stream once it ended; None when it was not started."""
    if path_name == "CP" and caught_up(ctx.spark, _checkpoint(ctx, path_name, silver, step), silver["bronzeTable"]):
        ctx.metrics.setdefault("notStarted", {}).setdefault(silver["table"], []).append(step)
        return None
    job, query = start_step(ctx, path_name, silver, step, {"availableNow": True})
    try:
        query.awaitTermination()
    except Exception:
        # the batch function ran elsewhere: its gate message comes back through the ops table
        gate = stopped_by_gate(ctx, job, silver)
        if gate:
            raise gate from None
        raise
    return job, query


def _done(step, table, t):
    """The progress line of one table's step."""
    if step == "validate":
        return f"validate {table}: {t['landed']} lines, {t['invalid']} quarantined"
    return f"{step} {table}: {t['inserted']} new, {t['valid'] - t['inserted']} duplicates removed"


def _accumulate(ctx, silver, step, totals):
    if step in ("validate", "silver"):
        m = ctx.metrics.setdefault("silver", {}).setdefault(silver["table"], {"landed": 0, "invalid": 0, "expectations": {}})
        m["landed"] += totals["landed"]
        m["invalid"] += totals["invalid"]
        for name in (e["name"] for e in silver["expectations"]):
            m["expectations"][name] = m["expectations"].get(name, 0) + totals["expectations"].get(name, 0)
    if step in ("merge", "silver"):
        m = ctx.metrics.setdefault("merge", {}).setdefault(silver["table"], {"valid": 0, "inserted": 0})
        m["valid"] += totals["valid"]
        m["inserted"] += totals["inserted"]
