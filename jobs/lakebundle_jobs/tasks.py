"""The CP task graph and the AP flow order, shared by Databricks tasks and the local engine."""
from . import gold as gold_steps
from . import ingest as ingest_steps
from . import conflicts, faults, forget, ops, run_log
from . import replay as replay_steps
from . import silver as silver_steps
from .side_by_side import each
from .tables import TableSpec, ensure_tables

CP_TASKS = ("ingest", "validate", "merge", "completeness", "publish")
# tasks of the deletion job (not part of the CP graph)
OTHER_TASKS = ("forget",)

def prepare(ctx, path_name):
    """Create the path's missing tables (side by side: see tables.ensure_tables)."""
    path = ctx.plan["paths"][path_name]
    o = ctx.plan["ops"]
    specs = [
        TableSpec(o["taskRunsTable"], run_log.TASK_RUNS_DDL),
        TableSpec(o["streamProgressTable"], run_log.STREAM_PROGRESS_DDL),
        TableSpec(o["batchMetricsTable"], ops.BATCH_METRICS_DDL, added_columns=ops.RANGE_COLUMNS),
        TableSpec(o["quarantinedFilesTable"], ingest_steps.QUARANTINED_FILES_DDL),
        TableSpec(o["writeConflictsTable"], conflicts.CONFLICTS_DDL),
        TableSpec(o["publishLogTable"], gold_steps.PUBLISH_LOG_DDL),
        TableSpec(o["completenessLogTable"], gold_steps.COMPLETENESS_LOG_DDL),
        TableSpec(o["replaysTable"], replay_steps.REPLAYS_DDL),
        TableSpec(o["deletionRequestsTable"], forget.DELETION_DDL),
        *(ingest_steps.bronze_table(b) for b in path["bronze"]),
        *(spec for s in path["silver"] for spec in silver_steps.silver_tables(ctx, path_name, s)),
    ]
    ensure_tables(ctx, specs)


def run_cp_task(ctx, task):
    path = ctx.plan["paths"].get("CP")
    if not path:
        return
    run_log.timed_task(ctx, "CP", task, lambda: _prepared_cp_task(ctx, task, path))
    # the task is done, the next one has not started (a crash test kills the engine here)
    faults.crash_point(f"after_task:{task}")


def _prepared_cp_task(ctx, task, path):
    prepare(ctx, "CP")
    _run_cp_task(ctx, task, path)


def _run_cp_task(ctx, task, path):
    if task == "ingest":
        each(lambda b: ingest_steps.ingest(ctx, "CP", b), path["bronze"])
    elif task == "validate":
        silver_steps.run_steps(ctx, "CP", "validate", path["silver"])
    elif task == "merge":
        silver_steps.run_steps(ctx, "CP", "merge", path["silver"])
        if ctx.replay:
            # the replay window: restore what silver lacks from the landing zone, then audit the replay
            results = [replay_steps.replay_silver(ctx, s, ctx.replay) for s in replay_steps.selected(ctx, ctx.replay)]
            replay_steps.record(ctx, ctx.replay, results, dry_run=False)
            ctx.metrics["replay"] = results
    elif task == "completeness":
        for g in path["gold"]:
            gold_steps.completeness(ctx, g)
    elif task == "publish":
        for g in path["gold"]:
            gold_steps.publish(ctx, g)
    elif task == "forget":
        ctx.metrics["forget"] = forget.carry_out(ctx)
    else:
        raise ValueError(f"unknown CP task {task!r}; expected one of {', '.join(CP_TASKS + OTHER_TASKS)}")


def run_ap(ctx):
    """One AP pipeline update: streaming tables in dependency order, then materialized views."""
    path = ctx.plan["paths"].get("AP")
    if not path:
        return
    run_log.timed_task(ctx, "AP", "update", lambda: _ap_update(ctx, path))


def _ap_update(ctx, path):
    prepare(ctx, "AP")
    each(lambda b: ingest_steps.ingest(ctx, "AP", b), path["bronze"])
    silver_steps.run_steps(ctx, "AP", "silver", path["silver"])
    each(lambda g: gold_steps.refresh_live(ctx, g), path["gold"])


def run_path(ctx, path_name):
    if path_name == "AP":
        run_ap(ctx)
    else:
        for task in CP_TASKS:
            run_cp_task(ctx, task)
