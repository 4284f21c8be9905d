"""The local engine process: one long-lived SparkSession, driven over JSON lines.

Requests arrive on stdin; responses and progress events go to fd 3, because the JVM shares this
process's stdout and would corrupt the protocol.
"""
import json
import os
import sys
import time
import traceback

from .context import RunContext
from .plan import load_plan
from .silver import DataGateError
from .summary import summarize
from .tables import register_existing
from .tasks import CP_TASKS, run_ap, run_cp_task

_out = os.fdopen(3, "w", buffering=1, encoding="utf-8")

# Spark's built-in session catalog (Delta's catalog): task code addresses spark_catalog.<schema>.<table>
LOCAL_CATALOG = "spark_catalog"


def emit(message):
    _out.write(json.dumps(message, default=str) + "\n")
    _out.flush()


class Worker:
    def __init__(self, jars_dir, warehouse):
        from .local_session import local_spark

        self.warehouse = os.path.abspath(warehouse)
        os.makedirs(self.warehouse, exist_ok=True)
        self.spark = local_spark(jars_dir, self.warehouse)

    def context(self, params, request_id):
        ctx = RunContext(
            spark=self.spark, plan=load_plan(params["plan"], LOCAL_CATALOG), landing_root=os.path.abspath(params["landing"]),
            checkpoint_root=os.path.join(self.warehouse, "_checkpoints"), catalog=LOCAL_CATALOG, warehouse=self.warehouse,
            run_id=params.get("runId", "local"),
            progress=lambda m: emit({"id": request_id, "event": "progress", "message": m}))
        register_existing(self.spark, self.warehouse, LOCAL_CATALOG)
        return ctx

    def run(self, params, request_id):
        ctx = self.context(params, request_id)
        paths = params.get("paths", ["AP", "CP"])
        started = time.time()
        if "AP" in paths:
            run_ap(ctx)
        if "CP" in paths:
            for task in params.get("tasks", CP_TASKS):
                run_cp_task(ctx, task)
        summary = summarize(ctx, paths)
        summary["seconds"] = round(time.time() - started, 3)
        summary["engine"] = {"jvmPeakRssKb": jvm_peak_rss_kb(self.spark)}
        return summary

    def query(self, params, request_id):
        register_existing(self.spark, self.warehouse, LOCAL_CATALOG)
        df = self.spark.sql(params["sql"])
        limit = int(params.get("limit", 1000))
        rows = df.limit(limit + 1).collect()
        return {
            "columns": [{"name": f.name, "type": f.dataType.simpleString()} for f in df.schema.fields],
            "rows": [[_jsonable(v) for v in r] for r in rows[:limit]],
            "truncated": len(rows) > limit,
        }


def jvm_peak_rss_kb(spark):
    """High-water mark of the Spark JVM's resident memory (Linux /proc), 0 where unavailable."""
    try:
        pid = spark._jvm.java.lang.ProcessHandle.current().pid()
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("VmHWM")), 0)
    except (OSError, AttributeError):
        return 0


def _jsonable(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return str(v)


def main():
    jars_dir, warehouse = sys.argv[1], sys.argv[2]
    try:
        worker = Worker(jars_dir, warehouse)
    except Exception as err:  # noqa: BLE001 - reported to the caller, who renders it
        emit({"id": 0, "error": {"kind": "engine", "message": str(err).splitlines()[0], "detail": traceback.format_exc()}})
        return 1
    emit({"id": 0, "result": {"ready": True, "spark": worker.spark.version}})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        rid, method = request["id"], request["method"]
        if method == "shutdown":
            emit({"id": rid, "result": {"stopped": True}})
            break
        try:
            result = getattr(worker, method)(request.get("params", {}), rid)
            emit({"id": rid, "result": result})
        except DataGateError as err:
            emit({"id": rid, "error": {"kind": "dataGate", "message": str(err)}})
        except Exception as err:  # noqa: BLE001
            text = str(err)
            kind = "dataGate" if "DataGateError" in text else "engine"
            emit({"id": rid, "error": {"kind": kind, "message": _first_meaningful(text), "detail": traceback.format_exc()}})
    worker.spark.stop()
    return 0


def _first_meaningful(text):
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:500]
    return "engine error"


if __name__ == "__main__":
    sys.exit(main())
