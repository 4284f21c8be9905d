"""Entrypoint of the CP Workflows tasks on Databricks (spark_python_task). The local engine runs the same code."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lakebundle_jobs.context import RunContext  # noqa: E402
from lakebundle_jobs.plan import load_plan, parse_schema_args  # noqa: E402
from lakebundle_jobs.tasks import CP_TASKS, OTHER_TASKS, run_cp_task  # noqa: E402


def replay_window(start, end, sources):
    """Both bounds or neither: a half-given window is a mistake worth stopping for."""
    if not start and not end:
        return None
    if not (start and end):
        raise SystemExit("replay needs both replay_from and replay_to (ISO-8601 instants, e.g. 2026-11-01T00:00:00Z)")
    return {"from": start, "to": end, "sources": [s for s in sources.split(",") if s]}


def main(argv=None):
    p = argparse.ArgumentParser(description="run one lakebundle CP task")
    p.add_argument("--plan", required=True)
    p.add_argument("--path", choices=["CP"], default="CP")
    p.add_argument("--task", required=True, choices=CP_TASKS + OTHER_TASKS)
    p.add_argument("--catalog", required=True)
    p.add_argument("--schema", action="append", default=[], metavar="LOGICAL=NAME",
                   help="real name of a logical schema (the bundle's schema resources; prefixed per user in development mode)")
    p.add_argument("--landing-root", required=True)
    p.add_argument("--checkpoint-root", required=True)
    p.add_argument("--replay-from", default="")
    p.add_argument("--replay-to", default="")
    p.add_argument("--replay-sources", default="", help="comma-separated sources to replay (default: all)")
    p.add_argument("--run-id", default="")
    args = p.parse_args(argv)
    from pyspark import cloudpickle
    from pyspark.sql import SparkSession

    import lakebundle_jobs

    # foreachBatch functions run in another Python process on serverless: ship the task package with
    # them by value instead of relying on it being importable there
    cloudpickle.register_pickle_by_value(lakebundle_jobs)
    spark = SparkSession.builder.getOrCreate()
    # one of the confs serverless lets a job set (https://docs.databricks.com/aws/en/spark/conf#serverless)
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    plan = load_plan(args.plan, args.catalog, parse_schema_args(args.schema))
    ctx = RunContext(spark=spark, plan=plan, landing_root=args.landing_root, checkpoint_root=args.checkpoint_root,
                     catalog=args.catalog, run_id=args.run_id, auto_loader=True, progress=print,
                     replay=replay_window(args.replay_from, args.replay_to, args.replay_sources))
    run_cp_task(ctx, args.task)


if __name__ == "__main__":
    main()
