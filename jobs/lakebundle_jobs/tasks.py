"""The CP task graph and the AP flow order, shared by Databricks tasks and the local engine."""
from . import gold as gold_steps
from . import ingest as ingest_steps
from . import silver as silver_steps

CP_TASKS = ("ingest", "validate", "merge", "completeness", "publish")


def run_cp_task(ctx, task):
    path = ctx.plan["paths"].get("CP")
    if not path:
        return
    if task == "ingest":
        for b in path["bronze"]:
            ingest_steps.ingest(ctx, "CP", b)
    elif task == "validate":
        for s in path["silver"]:
            silver_steps.validate(ctx, "CP", s)
    elif task == "merge":
        for s in path["silver"]:
            silver_steps.merge(ctx, "CP", s)
    elif task == "completeness":
        for g in path["gold"]:
            gold_steps.completeness(ctx, g)
    elif task == "publish":
        for g in path["gold"]:
            gold_steps.publish(ctx, g)
    else:
        raise ValueError(f"unknown CP task {task!r}; expected one of {', '.join(CP_TASKS)}")


def run_ap(ctx):
    """One AP pipeline update: streaming tables in dependency order, then materialized views."""
    path = ctx.plan["paths"].get("AP")
    if not path:
        return
    for b in path["bronze"]:
        ingest_steps.ingest(ctx, "AP", b)
    for s in path["silver"]:
        silver_steps.ap_silver(ctx, "AP", s)
    for g in path["gold"]:
        gold_steps.refresh_live(ctx, g)


def run_path(ctx, path_name):
    if path_name == "AP":
        run_ap(ctx)
    else:
        for task in CP_TASKS:
            run_cp_task(ctx, task)
