"""Delta write conflicts: retry with bounded backoff, and record every conflict met for the conflict monitor.

Optimistic concurrency: a commit fails when a concurrent commit changed what this transaction read
(https://docs.delta.io/latest/concurrency-control.html, https://docs.databricks.com/aws/en/optimizations/isolation-level).
Nothing of the failed attempt is visible, so running the same idempotent write again is safe.
"""
import random
import time

from pyspark.sql import functions as F

# Delta's conflict exceptions (class names in the JVM message) and their error conditions (Delta 3+)
CONFLICT_CLASSES = (
    "ConcurrentAppendException", "ConcurrentDeleteReadException", "ConcurrentDeleteDeleteException",
    "ConcurrentTransactionException", "MetadataChangedException", "ProtocolChangedException", "ConcurrentWriteException",
)
_CONDITION_PREFIXES = ("DELTA_CONCURRENT_", "DELTA_METADATA_CHANGED", "DELTA_PROTOCOL_CHANGED")

CONFLICTS_DDL = ("table_name STRING, operation STRING, exception_class STRING, attempt INT, outcome STRING, "
                 "message STRING, run_id STRING, recorded_at TIMESTAMP")

MAX_ATTEMPTS = 6
BASE_DELAY_S = 0.5
MAX_DELAY_S = 8.0


def conflict_class(err):
    """The Delta conflict an exception reports, or None when it is anything else."""
    text = str(err)
    for name in CONFLICT_CLASSES:
        if name in text:
            return name
    condition = getattr(err, "getCondition", lambda: None)()
    if condition and condition.startswith(_CONDITION_PREFIXES):
        return condition
    return None


def record(spark, conflicts_table, table, operation, exception_class, attempt, outcome, run_id, message=""):
    """A blind append (never conflicts itself). Best effort: a failed record must not fail the write."""
    if not conflicts_table:
        return
    row = [(table, operation, exception_class, int(attempt), outcome, message[:1000], run_id)]
    try:
        (spark.createDataFrame(row, "table_name STRING, operation STRING, exception_class STRING, attempt INT, "
                                    "outcome STRING, message STRING, run_id STRING")
         .withColumn("recorded_at", F.current_timestamp())
         .write.format("delta").mode("append").saveAsTable(conflicts_table))
    except Exception:  # noqa: BLE001 - the write it reports on matters more than the report
        pass


def with_retry(spark, conflicts_table, run_id, table, operation, write, max_attempts=MAX_ATTEMPTS):
    """Run `write()` (idempotent) until it commits; each conflict is recorded with what happened next."""
    last = None
    for attempt in range(1, max_attempts + 1):
        try:
            result = write()
        except Exception as err:  # noqa: BLE001 - only conflicts are retried; anything else is re-raised
            cls = conflict_class(err)
            if cls is None:
                raise
            last = cls
            final = attempt == max_attempts
            record(spark, conflicts_table, table, operation, cls, attempt, "gave_up" if final else "retried", run_id, str(err).splitlines()[0])
            if final:
                raise
            # exponential backoff with jitter, so two retrying writers do not collide again in lockstep
            time.sleep(min(MAX_DELAY_S, BASE_DELAY_S * 2 ** (attempt - 1)) * (0.5 + random.random()))
            continue
        if last:
            record(spark, conflicts_table, table, operation, last, attempt, "succeeded", run_id)
        return result
    return None
