"""`lakebundle validate` on the real engine: every SQL statement the bundle will run is parsed and
analyzed by Spark against empty tables of the declared schemas, in scratch schemas `lbv_<logical>`.
Nothing is run over data; statements are analyzed (DataFrame.schema) or EXPLAINed (MERGE)."""
import json
import os
import shutil

from lakebundle_jobs.context import RunContext
from lakebundle_jobs.gold import watermark_sql
from lakebundle_jobs.plan import bind, load_plan, plan_parameters
from lakebundle_jobs.silver import merge_sql, parse
from lakebundle_jobs.tables import ensure_table
from lakebundle_jobs.tasks import prepare

_PLANNING_ERROR = "Error occurred during query planning"


def first_line(err):
    for line in str(err).splitlines():
        line = line.strip()
        if line and not line.startswith(_PLANNING_ERROR):
            return line[:600]
    return type(err).__name__


def analyze(spark, catalog, warehouse, plan_path, statements):
    with open(plan_path, encoding="utf-8") as f:
        logical = json.load(f)["schemas"]
    names = {s: f"lbv_{s}" for s in logical}
    # scratch schemas in their own folder, <warehouse>/_analysis: emptied first, since the tables are
    # external (DROP SCHEMA keeps their files) and a changed column must not meet an old table
    scratch = os.path.join(warehouse, "_analysis")
    _drop_scratch(spark, catalog, names, scratch)
    plan = load_plan(plan_path, catalog, names)
    ctx = RunContext(spark=spark, plan=plan, landing_root=scratch, checkpoint_root=scratch, catalog=catalog, warehouse=scratch)
    errors = []
    for path_name in plan["paths"]:
        prepare(ctx, path_name)
    _empty_gold(spark, ctx, plan)
    spark.sql("SELECT CAST(NULL AS STRING) AS value, named_struct('file_path', CAST(NULL AS STRING)) AS _metadata WHERE false").createOrReplaceTempView("lbv_read_files")
    params = plan_parameters(catalog, names)
    for i, st in enumerate(statements):
        try:
            df = spark.sql(bind(st["sql"], params))
            if st["kind"] == "query":
                df.schema  # noqa: B018 - analysis happens here
        except Exception as err:  # noqa: BLE001 - each becomes a diagnostic
            errors.append({"index": i, "message": first_line(err)})
    errors += _plan_statements(spark, ctx, plan)
    _drop_scratch(spark, catalog, names, scratch)
    return {"errors": errors, "statements": len(statements)}


def _empty_gold(spark, ctx, plan):
    """Gold tables as the tasks create them (the schema of their query), empty: the dashboard reads them.
    A gold query that does not analyze is reported by the gold statements; its table is left out."""
    for path in plan["paths"].values():
        for g in path["gold"]:
            try:
                fields = spark.sql(g["selectSql"]).schema.fields
            except Exception:  # noqa: BLE001
                continue
            ensure_table(ctx, g["table"], ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in fields))


def _drop_scratch(spark, catalog, names, scratch):
    for name in names.values():
        spark.sql(f"DROP SCHEMA IF EXISTS {catalog}.{name} CASCADE")
    shutil.rmtree(scratch, ignore_errors=True)


def _plan_statements(spark, ctx, plan):
    """The statements the task code builds from the plan: gold selects, watermarks, dedup MERGEs."""
    errors = []
    for path_name, path in plan["paths"].items():
        for s in path["silver"]:
            if not s.get("dedup"):
                continue
            valid = f"lbv_valid_{s['name']}"
            try:
                (parse(spark.table(s["bronzeTable"]), s).where(s["validPredicate"]).selectExpr(*s["storedColumns"])
                 .createOrReplaceTempView(valid))
                explained = spark.sql("EXPLAIN " + merge_sql(s, valid, [] if path_name == "CP" else None)).collect()[0][0]
                if explained.startswith(_PLANNING_ERROR):
                    raise RuntimeError(explained)
            except Exception as err:  # noqa: BLE001
                errors.append({"path": f"datasets.{s['name']}.dedup", "what": "the dedup MERGE", "message": first_line(err)})
        # AP gold is the materialized views' SQL, analyzed with the Lakeflow files
        for g in path["gold"] if path_name == "CP" else []:
            c = g.get("completeness")
            for what, sql in (("the gold query", g["selectSql"]), ("the region watermark query", c and watermark_sql(c, c["watermarkTables"]))):
                if not sql:
                    continue
                try:
                    spark.sql(sql).schema  # noqa: B018
                except Exception as err:  # noqa: BLE001
                    errors.append({"path": f"datasets.{g['name']}", "what": what, "message": first_line(err)})
    return errors
