"""Task runs and streaming progress, recorded for the monitors (cost, failed loads, lag rates) and the report.

Each task writes its own row when it ends, failed or not, so the record is the same locally and on
Databricks (where the Jobs API also has run durations, but the ops table is what SQL alerts and the
dashboard can read). A task killed mid-way leaves no row: its retry writes one.

Stream progress is what Structured Streaming reports per micro-batch (StreamingQuery.recentProgress,
https://spark.apache.org/docs/latest/streaming/apis-on-dataframes-and-datasets.html#reading-metrics-interactively):
input rate vs processed rate. It is read on the driver after an availableNow query ends — a listener
would run in another process on serverless — and written once per task with the task's row.
"""
import json
import threading
import time
import uuid
from datetime import datetime, timezone

from .side_by_side import each
from .tables import table_exists

TASK_RUNS_DDL = ("run_id STRING, attempt STRING, path STRING, task STRING, started_at TIMESTAMP, ended_at TIMESTAMP, "
                 "seconds DOUBLE, status STRING, error_class STRING, error STRING")
STREAM_PROGRESS_DDL = ("run_id STRING, path STRING, step STRING, table_name STRING, batch_id BIGINT, recorded_at TIMESTAMP, "
                       "num_input_rows BIGINT, input_rows_per_second DOUBLE, processed_rows_per_second DOUBLE, duration_ms BIGINT")

_lock = threading.Lock()


def note_progress(ctx, path_name, step, table, query, rows):
    """Keep a finished query's per-batch progress until the task's row is written (flows run in threads).

    `rows` is what the step itself counted. On the local Spark Connect engine (4.2) every one of these
    streams reported numInputRows 0 (foreachBatch sinks and the `_metadata`-projecting file stream alike),
    so when Spark counted nothing the step's count goes on the query's last batch."""
    try:
        progress = query.recentProgress
    except Exception:  # noqa: BLE001 - progress is a measurement, never a reason to fail the task
        return
    out = []
    for p in progress:
        d = progress_dict(p)
        out.append((ctx.run_id, path_name, step, table, int(d.get("batchId", -1)), _instant(d.get("timestamp")),
                     int(d.get("numInputRows") or 0), _rate(d.get("inputRowsPerSecond")),
                     _rate(d.get("processedRowsPerSecond")), int((d.get("durationMs") or {}).get("triggerExecution") or 0)))
    if rows and out and not any(r[6] for r in out):
        out[-1] = out[-1][:6] + (int(rows),) + out[-1][7:]
    with _lock:
        ctx.stream_progress.extend(out)


def batches_ran(recent):
    """{batchId: milliseconds} of the batches in a query's recent progress. Only a trigger that ran a batch
    reports an addBatch duration: a processingTime query also reports while nothing lands, and an
    availableNow query with nothing new may report an empty trigger."""
    out = {}
    for p in recent or []:
        d = progress_dict(p)
        durations = d.get("durationMs") or {}
        if "addBatch" in durations:
            out[int(d["batchId"])] = int(durations.get("triggerExecution") or 0)
    return out


def batch_count(query):
    """How many batches a finished query ran, from its progress; None when progress is not available."""
    try:
        return len(batches_ran(query.recentProgress))
    except Exception:  # noqa: BLE001 - progress is a measurement, not a record
        return None


def ran_nothing(query):
    """True when a finished query ran no batch, so its step wrote nothing there is to read back (an idle
    run then skips those reads). False when unsure: progress is a measurement, not a record."""
    return batch_count(query) == 0


def progress_dict(p):
    """A query progress report as a plain dict: PySpark 4 returns StreamingQueryProgress (a dict with a
    .json string), Databricks Connect 15 plain dicts."""
    return json.loads(p.json) if isinstance(getattr(p, "json", None), str) else dict(p)


def timed_task(ctx, path_name, task, fn):
    """Run one task and record how it went; the task's own error is what the caller sees."""
    started = datetime.now(timezone.utc)
    t0 = time.monotonic()
    ctx.task_memo.clear()
    try:
        result = fn()
    except BaseException as err:
        _record(ctx, path_name, task, started, time.monotonic() - t0, err)
        raise
    _record(ctx, path_name, task, started, time.monotonic() - t0, None)
    return result


def error_class(err):
    """A name to group failures by: the Spark error condition when there is one, else the exception type."""
    condition = getattr(err, "getCondition", lambda: None)() or getattr(err, "getErrorClass", lambda: None)()
    return condition or type(err).__name__


def _record(ctx, path_name, task, started, seconds, err):
    ended = datetime.now(timezone.utc)
    row = [(ctx.run_id, uuid.uuid4().hex, path_name, task, started, ended, round(seconds, 3),
            "failed" if err else "succeeded", error_class(err) if err else None,
            str(err).splitlines()[0][:1000] if err and str(err) else None)]
    with _lock:
        progress, ctx.stream_progress[:] = list(ctx.stream_progress), []
    try:
        ops = ctx.plan["ops"]
        if not table_exists(ctx, ops["taskRunsTable"]):
            # prepare() did not get as far as creating it; appending would create it somewhere else locally
            raise RuntimeError(f"{ops['taskRunsTable']} does not exist")
        # two tables: the appends go side by side (each is a commit's worth of fixed latency)
        writes = [(row, TASK_RUNS_DDL, ops["taskRunsTable"])] + ([(progress, STREAM_PROGRESS_DDL, ops["streamProgressTable"])] if progress else [])
        each(lambda w: ctx.spark.createDataFrame(w[0], w[1]).write.format("delta").mode("append").saveAsTable(w[2]), writes)
    except Exception as record_err:  # noqa: BLE001 - a lost record must not hide the task's own outcome
        ctx.say(f"warning: task run of {task} not recorded: {str(record_err).splitlines()[0][:200]}")


def _instant(text):
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _rate(v):
    # Spark reports NaN for an empty trigger; NaN would poison averages in SQL
    if v is None:
        return None
    v = float(v)
    return None if v != v else v
