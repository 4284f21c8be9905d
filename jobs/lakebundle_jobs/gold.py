"""Gold: AP refresh (every period, with completeness flags) and CP completeness gate + publish + restatements."""
from datetime import datetime, timezone

from pyspark.sql import functions as F

from .tables import ensure_schema, ensure_table

WATERMARK_DDL = "region STRING, watermark TIMESTAMP"


def refresh_live(ctx, gold):
    """AP: recompute like a materialized view refresh. Incomplete periods stay, flagged."""
    df = ctx.spark.sql(gold["selectSql"])
    _overwrite(ctx, gold["table"], df)
    ctx.say(f"refresh {gold['table']}: {df.count()} rows")


def _overwrite(ctx, table, df):
    ensure_schema(ctx, table)
    writer = df.write.format("delta").mode("overwrite").option("overwriteSchema", "true")
    if ctx.warehouse:
        writer.option("path", ctx.table_location(table))
    writer.saveAsTable(table)


def watermarks_table(gold):
    return f"{gold['table']}_watermarks"


def completeness(ctx, gold):
    """CP: record each required region's watermark (max valid event time over all sources)."""
    c = gold["completeness"]
    ensure_table(ctx, watermarks_table(gold), WATERMARK_DDL)
    marks = {r["region"]: r["watermark"] for r in ctx.spark.sql(c["watermarkSql"]).collect()}
    stored = {r["region"]: r["watermark"] for r in ctx.spark.table(watermarks_table(gold)).collect()}
    if marks != stored:  # unchanged watermarks: no commit, so a re-run leaves every table version as it was
        rows = sorted(marks.items())
        _overwrite(ctx, watermarks_table(gold), ctx.spark.createDataFrame(rows, WATERMARK_DDL))
    missing = [r for r in c["regions"] if r not in marks]
    ctx.metrics.setdefault("watermarks", {}).update({r: (marks[r].isoformat() if r in marks else None) for r in c["regions"]})
    ctx.say(f"completeness {gold['table']}: " + ", ".join(f"{r}={marks.get(r)}" for r in c["regions"]) + (f" (no data yet: {', '.join(missing)})" if missing else ""))
    return marks


def closed_through(ctx, gold):
    """Periods ending at or before this instant minus lateness are complete; None while any region is missing."""
    c = gold["completeness"]
    marks = {r["region"]: r["watermark"] for r in ctx.spark.table(watermarks_table(gold)).collect()}
    if any(marks.get(r) is None for r in c["regions"]):
        return None
    return min(marks[r] for r in c["regions"])


def publish(ctx, gold):
    """CP: publish complete periods; a changed published period is restated and audited. No diff, no write."""
    spark = ctx.spark
    groups, measures, period = gold["groupColumns"], gold["measureColumns"], gold["periodColumn"]
    late = gold["completeness"]["latenessSeconds"]
    cutoff = closed_through(ctx, gold)
    agg = spark.sql(gold["selectSql"])
    schema_ddl = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in agg.schema.fields)
    ensure_table(ctx, gold["table"], schema_ddl)
    restate = gold.get("restatementsTable")
    if restate:
        audit_cols = ", ".join(
            [f"`{f.name}` {f.dataType.simpleString()}" for f in agg.schema.fields if f.name in groups]
            + [f"`old_{f.name}` {f.dataType.simpleString()}" for f in agg.schema.fields if f.name in measures]
            + [f"`new_{f.name}` {f.dataType.simpleString()}" for f in agg.schema.fields if f.name in measures]
            + ["change STRING", "restated_at TIMESTAMP", "run_id STRING"])
        ensure_table(ctx, restate, audit_cols)
    if cutoff is None:
        ctx.metrics.setdefault("publish", {})[gold["table"]] = {"published": [], "restated": [], "withheld": _periods(agg, period)}
        ctx.say(f"publish {gold['table']}: nothing complete yet (a region has not reported)")
        return
    end = F.expr(gold["periodEndSql"]) + F.expr(f"INTERVAL {late} SECONDS")
    complete = agg.where(end <= F.lit(cutoff))
    withheld = sorted(set(_periods(agg, period)) - set(_periods(complete, period)))
    current = spark.table(gold["table"])
    published_periods = set(_periods(current, period))
    key = groups
    n = complete.alias("n")
    o = current.alias("o")
    joined = n.join(o, [n[k].eqNullSafe(o[k]) for k in key], "full_outer")
    same = F.lit(True)
    for m in measures:
        same = same & n[m].eqNullSafe(o[m])
    changes = joined.where(~same).select(
        *[F.coalesce(n[k], o[k]).alias(k) for k in key],
        *[o[m].alias(f"old_{m}") for m in measures],
        *[n[m].alias(f"new_{m}") for m in measures],
        F.when(o[period].isNull(), "insert").when(n[period].isNull(), "delete").otherwise("update").alias("change"),
    ).where(F.col(period).isNotNull())
    rows = changes.collect()
    if not rows:
        ctx.metrics.setdefault("publish", {})[gold["table"]] = {"published": [], "restated": [], "withheld": withheld}
        ctx.say(f"publish {gold['table']}: up to date; withheld {len(withheld)} incomplete period(s)")
        return
    # frozen as rows: the MERGE below changes the diff's inputs (serverless has no localCheckpoint/cache)
    changes = spark.createDataFrame(rows, changes.schema)
    new_periods = sorted({str(r[period]) for r in rows if str(r[period]) not in published_periods})
    restated = changes.where(F.col(period).isin(list(published_periods))) if published_periods else changes.limit(0)
    restated_periods = sorted({str(r[period]) for r in rows if str(r[period]) in published_periods})
    changes.createOrReplaceTempView("_lb_changes")
    on = " AND ".join(f"t.{k} <=> s.{k}" for k in key)
    sets = ", ".join(f"t.{m} = s.new_{m}" for m in measures)
    cols = ", ".join(key + measures)
    vals = ", ".join([f"s.{k}" for k in key] + [f"s.new_{m}" for m in measures])
    spark.sql(
        f"MERGE INTO {gold['table']} t USING _lb_changes s ON {on} "
        f"WHEN MATCHED AND s.change = 'delete' THEN DELETE "
        f"WHEN MATCHED THEN UPDATE SET {sets} "
        f"WHEN NOT MATCHED AND s.change <> 'delete' THEN INSERT ({cols}) VALUES ({vals})")
    if restate and restated_periods:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        (restated.withColumn("restated_at", F.lit(now)).withColumn("run_id", F.lit(ctx.run_id))
         .write.format("delta").mode("append").saveAsTable(restate))
    ctx.metrics.setdefault("publish", {})[gold["table"]] = {"published": new_periods, "restated": restated_periods, "withheld": withheld}
    ctx.say(f"publish {gold['table']}: published {len(new_periods)} period(s), restated {len(restated_periods)}, withheld {len(withheld)}")


def _periods(df, column):
    return sorted(str(r[0]) for r in df.select(column).distinct().collect() if r[0] is not None)
