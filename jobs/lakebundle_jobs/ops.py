"""Ops records the task code writes durably: per-batch counts and data-gate failures.

On serverless compute (Spark Connect) a `foreachBatch` function runs in a separate Python process, so
nothing it mutates reaches the driver (https://docs.databricks.com/aws/en/structured-streaming/foreach
"foreachBatch ... runs in a separate process"). Counts and gate failures therefore travel through this
Delta table: one row per (stream, batch), written idempotently, read back by the driver after the stream.
"""
import json

from pyspark.sql import functions as F

_ROW_DDL = (
    "attempt STRING, run_id STRING, step STRING, table_name STRING, stream_id STRING, batch_id BIGINT, "
    "landed BIGINT, invalid BIGINT, valid BIGINT, inserted BIGINT, expectations MAP<STRING, BIGINT>, gate_error STRING")
# validate's batches: which bronze offsets they read (batch_range.py) and the event dates of their valid
# rows, which the merge batch that read the same offsets uses instead of counting them again
RANGE_COLUMNS = ("batch_range STRING", "valid_dates ARRAY<DATE>")
RANGE_DDL = ", ".join(RANGE_COLUMNS)
BATCH_METRICS_DDL = _ROW_DDL + ", recorded_at TIMESTAMP, " + RANGE_DDL


def stream_app_id(spark, checkpoint):
    """The Delta txnAppId of a stream's idempotent writes: the query id kept in its checkpoint.

    Stable across restarts of the same checkpoint; new when the checkpoint is new or reset, so batch ids
    restarting at 0 are never mistaken for already-committed ones. (Delta's own streaming sink uses the
    query id the same way.) Read inside the batch: by then Spark has written `<checkpoint>/metadata`.
    """
    return app_id(spark.read.text(f"{checkpoint.rstrip('/')}/metadata").first()[0])


def app_id(metadata):
    """stream_app_id from the text of the checkpoint's `metadata` file."""
    return "lakebundle-" + json.loads(metadata.strip().splitlines()[0])["id"]


def record_batch(spark, job, batch_id, counts, stream_id=None, valid=0, inserted=0, gate_error=None, batch_range=None,
                 valid_dates=None):
    """One row for this batch. With a stream id the write is idempotent (txnAppId/txnVersion): a retried
    batch is recorded once. A gate failure is recorded per attempt, since each attempt failed."""
    expectations = {e["name"]: int(counts.get(e["name"], 0)) for e in job.silver["expectations"]}
    row = [(job.attempt, job.run_id, job.step, job.silver["table"], stream_id, int(batch_id),
            int(counts.get("_landed", 0)), int(counts.get("_invalid", 0)), int(valid), int(inserted),
            expectations, gate_error, batch_range, valid_dates)]
    df = spark.createDataFrame(row, f"{_ROW_DDL}, {RANGE_DDL}").withColumn("recorded_at", F.current_timestamp())
    writer = df.write.format("delta").mode("append")
    if stream_id and not gate_error:
        writer = writer.option("txnAppId", f"{stream_id}#metrics").option("txnVersion", int(batch_id))
    writer.saveAsTable(job.metrics_table)


def no_batches():
    """What a stream run that ran no batch did."""
    return {"landed": 0, "invalid": 0, "valid": 0, "inserted": 0, "expectations": {}, "batches": 0}


def attempts_totals(spark, metrics_table, attempts):
    """What stream runs did, summed over their batches (driver side, after the streams), in one read:
    {table: totals} for `attempts` {table: attempt id}."""
    rows = (spark.table(metrics_table)
            .where(F.col("attempt").isin(sorted(set(attempts.values()))) & F.col("gate_error").isNull())
            .collect())
    out = {}
    for r in rows:
        if attempts.get(r["table_name"]) != r["attempt"]:
            continue
        t = out.setdefault(r["table_name"], no_batches())
        t["batches"] += 1
        for k in ("landed", "invalid", "valid", "inserted"):
            t[k] += int(r[k] or 0)
        for name, n in (r["expectations"] or {}).items():
            t["expectations"][name] = t["expectations"].get(name, 0) + int(n or 0)
    return out


def validated_range(spark, metrics_table, table, batch_range):
    """(valid rows, their event dates) of the validate batch of `table` that read `batch_range`, or None."""
    rows = (spark.table(metrics_table)
            .where((F.col("step") == "validate") & (F.col("table_name") == table) & (F.col("batch_range") == batch_range)
                   & F.col("gate_error").isNull() & F.col("valid_dates").isNotNull())
            .select("landed", "invalid", "valid_dates").limit(1).collect())
    return (int(rows[0]["landed"]) - int(rows[0]["invalid"]), list(rows[0]["valid_dates"])) if rows else None


def gate_failure(spark, metrics_table, attempt, table):
    """The data-gate message recorded by this attempt's batch function, if it stopped the stream."""
    rows = (spark.table(metrics_table)
            .where((F.col("attempt") == attempt) & (F.col("table_name") == table) & F.col("gate_error").isNotNull())
            .select("gate_error").limit(1).collect())
    return rows[0][0] if rows else None
