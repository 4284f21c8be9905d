"""The local engine's client process: the CP task code and the AP flows run here as a Spark Connect
client of the engine's server, exactly as task code runs on serverless compute. Driven over JSON lines:
requests on stdin, responses and progress on fd 3 (stdout stays free for anything that prints).
"""
import json
import os
import re
import signal
import sys
import threading
import time
import traceback

import lakebundle_serverless_guard

_out = os.fdopen(3, "w", buffering=1, encoding="utf-8")

# Spark's built-in session catalog (Delta's catalog): task code addresses spark_catalog.<schema>.<table>
LOCAL_CATALOG = "spark_catalog"


def emit(message):
    _out.write(json.dumps(message, default=str) + "\n")
    _out.flush()


def connect(url):
    """A Connect session with the serverless guard on, and the task package pickled by value: batch
    functions reach the server's Python processes the way they reach serverless, not by import."""
    from pyspark import cloudpickle
    from pyspark.sql import SparkSession

    import lakebundle_jobs

    lakebundle_serverless_guard.install()
    cloudpickle.register_pickle_by_value(lakebundle_jobs)
    return SparkSession.builder.remote(url).getOrCreate()


class Worker:
    def __init__(self, url, warehouse):
        self.warehouse = os.path.abspath(warehouse)
        self.spark = connect(url)
        # the AP pipeline's long-lived flows (continuous mode), while they run
        self.continuous = None

    def context(self, params, request_id):
        from lakebundle_jobs.context import RunContext
        from lakebundle_jobs.plan import load_plan

        return RunContext(
            spark=self.spark, plan=load_plan(params["plan"], LOCAL_CATALOG), landing_root=os.path.abspath(params["landing"]),
            checkpoint_root=os.path.join(self.warehouse, "_checkpoints"), catalog=LOCAL_CATALOG, warehouse=self.warehouse,
            run_id=params.get("runId", "local"), replay=params.get("replay"),
            progress=lambda m: emit({"id": request_id, "event": "progress", "message": m}))

    def run(self, params, request_id):
        from lakebundle_jobs.summary import summarize
        from lakebundle_jobs.tasks import CP_TASKS, run_ap, run_cp_task

        ctx = self.context(params, request_id)
        paths = params.get("paths", ["AP", "CP"])
        started = time.time()
        if "AP" in paths:
            _retry_transient(ctx, "AP update", lambda: run_ap(ctx))
        if "CP" in paths:
            for task in params.get("tasks", CP_TASKS):
                _retry_transient(ctx, f"task {task}", lambda task=task: run_cp_task(ctx, task))
        summary = summarize(ctx, paths)
        summary["seconds"] = round(time.time() - started, 3)
        return summary

    def startContinuous(self, params, request_id):
        """Start the AP pipeline in continuous mode (as deployed): its flows run until stopContinuous."""
        from lakebundle_jobs import continuous

        if self.continuous:
            raise RuntimeError("the AP pipeline already runs continuously in this engine client: stop it first")
        ctx = self.context(params, request_id)
        ctx.progress = None  # this request answers at once; the streams outlive it
        self.continuous = continuous.start(ctx, float(params.get("triggerSeconds", 1)))
        return self.continuous.status()

    def continuousStatus(self, params, request_id):
        """Batches per flow and refreshes per view so far; the error that stopped a flow, if one did."""
        if not self.continuous:
            raise RuntimeError("the AP pipeline does not run continuously: start it first")
        try:
            status = self.continuous.status()
        except Exception:
            self.stopContinuous(params, request_id)
            raise
        if params.get("summary"):
            from lakebundle_jobs.summary import summarize

            started = time.time()
            status["summary"] = summarize(self.continuous.ctx, ["AP"])
            status["summary"]["seconds"] = round(time.time() - started, 3)
        return status

    def stopContinuous(self, params, request_id):
        running, self.continuous = self.continuous, None
        if running:
            running.stop()
        return {"stopped": running is not None}

    def replay_plan(self, params, request_id):
        """What a replay of the window would read and change (reads only; recorded as a dry run when asked)."""
        from lakebundle_jobs import replay
        from lakebundle_jobs.tasks import prepare

        ctx = self.context(params, request_id)
        prepare(ctx, "CP")
        results = [replay.plan_silver(ctx, s, params["replay"]) for s in replay.selected(ctx, params["replay"])]
        if params.get("record"):
            replay.record(ctx, params["replay"], results, dry_run=True)
        return {"tables": results, "gold": [g["table"] for g in ctx.plan["paths"]["CP"]["gold"]
                                           if g["silverTable"] in {r["table"] for r in results if r["days"]}]}

    def forget(self, params, request_id):
        """Record a deletion request; with `carryOut`, run the deletion job's task at once."""
        from lakebundle_jobs import forget
        from lakebundle_jobs.gold import refresh_live
        from lakebundle_jobs.tables import table_exists
        from lakebundle_jobs.tasks import prepare

        ctx = self.context(params, request_id)
        prepare(ctx, "CP" if "CP" in ctx.plan["paths"] else "AP")
        rid = forget.request(ctx, params.get("accountId"), params.get("workspaceId"))
        done = forget.carry_out(ctx) if params.get("carryOut", True) else []
        # the local stand-in of the AP pipeline recomputes its materialized views from the trimmed silver,
        # as the continuous pipeline does on Databricks
        for g in ctx.plan["paths"].get("AP", {}).get("gold", []) if done else []:
            if table_exists(ctx, g["table"]):
                refresh_live(ctx, g)
        return {"requestId": rid, "carriedOut": done}

    def analyze(self, params, request_id):
        from .analyze import analyze

        return analyze(self.spark, LOCAL_CATALOG, self.warehouse, params["plan"], params["statements"])

    def query(self, params, request_id):
        df = self.spark.sql(params["sql"])
        limit = int(params.get("limit", 1000))
        rows = df.limit(limit + 1).collect()
        return {
            "columns": [{"name": f.name, "type": f.dataType.simpleString()} for f in df.schema.fields],
            "rows": [[_jsonable(v) for v in r] for r in rows[:limit]],
            "truncated": len(rows) > limit,
        }


# Spark gives a Python worker it starts (a foreachBatch process) a hard-coded 10 s to connect back
# (PythonWorkerFactory); on a loaded 2-core machine its imports can take longer. Databricks retries a
# failed job task (the CP tasks' max_retries) and a failed pipeline flow; here only this start-up
# failure is retried, and re-running a task is a no-op for what it already did (idempotent writes).
_TRANSIENT = ("Python worker failed to connect back", "Timed out while waiting for the Python worker to connect back")


def _retry_transient(ctx, label, fn, retries=2):
    for attempt in range(retries + 1):
        try:
            return fn()
        except Exception as err:  # noqa: BLE001 - only the transient start-up failure is retried
            if attempt == retries or not any(t in str(err) for t in _TRANSIENT):
                raise
            ctx.say(f"{label}: a Python worker did not start within Spark's 10 s; retrying the task ({attempt + 1}/{retries})")


def _jsonable(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return str(v)


def _first_meaningful(text):
    """The cause a person can act on. A failure inside a foreachBatch process arrives wrapped in the
    stream's error ([STREAM_FAILED] ... Traceback ...): its last Python exception line is the cause."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if "foreachBatch" in text:
        causes = [line for line in lines if re.match(r"^[A-Za-z_][\w.]*(Error|Exception)\b.*:", line)]
        if causes:
            return causes[-1][:800]
    return lines[0][:500] if lines else "engine error"


def _error(err):
    from lakebundle_jobs.silver import DataGateError

    text = str(err)
    if isinstance(err, DataGateError) or "DataGateError" in text:
        return {"kind": "dataGate", "message": _first_meaningful(text.split("DataGateError:", 1)[-1])}
    if isinstance(err, lakebundle_serverless_guard.ServerlessGuardError) or "[serverless guard]" in text:
        line = next((x for x in text.splitlines() if "[serverless guard]" in x), text)
        return {"kind": "serverlessGuard", "message": line[line.index("[serverless guard]"):].strip()[:800]}
    return {"kind": "engine", "message": _first_meaningful(text), "detail": traceback.format_exc()}


ENGINE_DIED = 75


def _engine_alive(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def watch_engine(pid):
    """Exit at once when the engine's JVM dies: the Connect client would otherwise retry the lost server
    for minutes before any call failed."""
    def watch():
        while _engine_alive(pid):
            time.sleep(0.5)
        sys.stderr.write(f"the local engine (pid {pid}) died; its client stops\n")
        os._exit(ENGINE_DIED)

    threading.Thread(target=watch, daemon=True).start()


def main():
    url, warehouse = sys.argv[1], sys.argv[2]
    # Ctrl-C reaches the whole process group: the CLI that drives this client decides how to stop
    # (`run --watch` finishes its round and stops the continuous flows), never a half-done call here
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.environ.get("LAKEBUNDLE_ENGINE_PID"):
        watch_engine(int(os.environ["LAKEBUNDLE_ENGINE_PID"]))
    try:
        worker = Worker(url, warehouse)
        version = worker.spark.version
    except Exception as err:  # noqa: BLE001 - reported to the caller, who renders it
        emit({"id": 0, "error": {"kind": "engine", "message": _first_meaningful(str(err)), "detail": traceback.format_exc()}})
        return 1
    emit({"id": 0, "result": {"ready": True, "spark": version}})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        rid, method = request["id"], request["method"]
        if method == "shutdown":
            worker.stopContinuous({}, rid)
            emit({"id": rid, "result": {"stopped": True}})
            break
        try:
            emit({"id": rid, "result": getattr(worker, method)(request.get("params", {}), rid)})
        except Exception as err:  # noqa: BLE001
            emit({"id": rid, "error": _error(err)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
