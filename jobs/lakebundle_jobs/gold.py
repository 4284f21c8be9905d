"""Gold: AP refresh (every period, with completeness flags) and CP completeness gate + publish + restatements."""
import re
from datetime import datetime, timezone

from pyspark.sql import functions as F

from . import conflicts, faults
from .side_by_side import per_item
from .tables import ensure_schema, ensure_table, latest_version

WATERMARK_DDL = "region STRING, watermark TIMESTAMP"
# what completeness found and the silver version of each table it reflects: the next run reads only what
# silver gained after them (skewed: valid events stamped too far ahead of their arrival, never a watermark)
_LOG_ROW_DDL = ("gold_table STRING, silver_versions MAP<STRING, BIGINT>, watermarks MAP<STRING, TIMESTAMP>, "
                "skewed MAP<STRING, BIGINT>, run_id STRING")
COMPLETENESS_LOG_DDL = _LOG_ROW_DDL + ", logged_at TIMESTAMP"
# silver_version / withheld: where the next publish starts (the silver changes after that version, and the
# periods still withheld then); NULL on a recovered row, so the publish after it recomputes every period
PUBLISH_LOG_DDL = ("gold_table STRING, gold_version BIGINT, published ARRAY<STRING>, restated ARRAY<STRING>, "
                   "recovered BOOLEAN, run_id STRING, logged_at TIMESTAMP, silver_version BIGINT, withheld ARRAY<STRING>")


def _retry(ctx, table, operation, write):
    return conflicts.with_retry(ctx.spark, ctx.plan["ops"]["writeConflictsTable"], ctx.run_id, table, operation, write)


def refresh_live(ctx, gold):
    """AP: recompute like a materialized view refresh. Incomplete periods stay, flagged."""
    df = ctx.spark.sql(gold["selectSql"])
    _retry(ctx, gold["table"], "refresh", lambda: _overwrite(ctx, gold["table"], df))
    # the overwrite's own row count: counting the view again would recompute it
    last = ctx.spark.sql(f"DESCRIBE HISTORY {gold['table']} LIMIT 1").collect()[0]
    ctx.say(f"refresh {gold['table']}: {(last['operationMetrics'] or {}).get('numOutputRows', '?')} rows")


def _overwrite(ctx, table, df):
    ensure_schema(ctx, table)
    writer = df.write.format("delta").mode("overwrite").option("overwriteSchema", "true")
    if ctx.warehouse:
        writer.option("path", ctx.table_location(table))
    writer.saveAsTable(table)


def watermarks_table(gold):
    return f"{gold['table']}_watermarks"


def completeness(ctx, gold):
    """CP: record each required region's watermark (max valid event time over all sources) and count the
    clock-skewed events it leaves out. When silver has only had rows inserted since the versions the last
    run logged, only those rows are read (its change data feed) and combined with what it found, so the
    cost follows the new data, not the history; anything else (a deletion carried out, a row replaced by a
    later copy, a feed not readable back that far) recomputes over every row, since a maximum cannot be
    taken back."""
    spark = ctx.spark
    c = gold["completeness"]
    table = watermarks_table(gold)
    ensure_table(ctx, table, WATERMARK_DDL)
    log = ctx.plan["ops"]["completenessLogTable"]
    stored, since = _last_logged(spark, log, gold["table"])
    # fixed versions: a silver commit racing this task is after them, so the next run reads it, once
    versions = per_item(lambda t: latest_version(spark, t), c["watermarkTables"])
    added = _inserted_since(spark, c["watermarkTables"], since, versions)
    regions = None
    if added is not None:
        try:
            regions = _combined(stored, _region_watermarks(spark, c, added) if any(df is not None for df in added) else {})
        except Exception as err:  # noqa: BLE001 - the feed not readable over that range: recompute over every row
            ctx.say(f"completeness {gold['table']}: every silver row read ({str(err).splitlines()[0][:160]})")
            added = None
    if regions is None:
        regions = _region_watermarks(spark, c, [spark.sql(f"SELECT * FROM {t} VERSION AS OF {versions[t]}") for t in c["watermarkTables"]])
    marks = {r: wm for r, (wm, _) in regions.items() if wm is not None}
    skewed = {r: n for r, (_, n) in regions.items() if n}
    published = {r["region"]: r["watermark"] for r in spark.table(table).collect()}
    if marks != published:  # unchanged watermarks: no commit, so a re-run leaves every gold-side version as it was
        rows = sorted(marks.items())
        _retry(ctx, table, "watermarks", lambda: _overwrite(ctx, table, spark.createDataFrame(rows, WATERMARK_DDL)))
    if (regions, versions) != (stored, since):  # after the watermarks: a crash between leaves the older, still true, log row
        row = [(gold["table"], versions, marks, skewed, ctx.run_id)]
        (spark.createDataFrame(row, _LOG_ROW_DDL).withColumn("logged_at", F.current_timestamp())
         .write.format("delta").mode("append").saveAsTable(log))
    missing = [r for r in c["regions"] if r not in marks]
    ctx.metrics.setdefault("watermarks", {}).update({r: (marks[r].isoformat() if r in marks else None) for r in c["regions"]})
    ctx.metrics.setdefault("clockSkewed", {}).update(skewed)
    ctx.metrics.setdefault("watermarkScope", {})[gold["table"]] = "all" if added is None else "inserted"
    ctx.say(f"completeness {gold['table']}: " + ", ".join(f"{r}={marks.get(r)}" for r in c["regions"]) + (f" (no data yet: {', '.join(missing)})" if missing else ""))
    return marks


def _last_logged(spark, log, gold_table):
    """({region: (watermark, skewed)}, {silver table: version}) of this gold table's latest completeness log
    row; ({}, None) before its first."""
    row = (spark.table(log).where(F.col("gold_table") == gold_table).orderBy(F.desc("logged_at"))
           .select("silver_versions", "watermarks", "skewed").first())
    if row is None:
        return {}, None
    marks, skewed = dict(row["watermarks"] or {}), dict(row["skewed"] or {})
    return {r: (marks.get(r), int(skewed.get(r) or 0)) for r in set(marks) | set(skewed)}, dict(row["silver_versions"] or {})


def _region_watermarks(spark, c, sources):
    """{region: (watermark, skewed)} over the given silver rows (one DataFrame per watermark table, or None
    for a table with nothing to read)."""
    views = []
    for i, (table, df) in enumerate(zip(c["watermarkTables"], sources)):
        views.append(f"_lb_watermark_source_{i}")
        # a table with nothing to read: its columns, no rows, so its SELECT in the union stays valid
        (spark.table(table).limit(0) if df is None else df).createOrReplaceTempView(views[-1])
    return {r["region"]: (r["watermark"], int(r["skewed"] or 0)) for r in spark.sql(watermark_sql(c, views)).collect()}


def watermark_sql(completeness, relations):
    """The watermark query over `relations`, one per watermark table in the plan's order (a table or a view)."""
    return re.sub(r":source_(\d+)", lambda m: relations[int(m[1])], completeness["watermarkSql"])


def _combined(stored, added):
    """The stored watermarks advanced by those of newly inserted rows: a max of maxes, a sum of counts."""
    out = dict(stored)
    for region, (wm, n) in added.items():
        old_wm, old_n = out.get(region, (None, 0))
        out[region] = (max((w for w in (old_wm, wm) if w is not None), default=None), old_n + n)
    return out


# commits that change no row (Delta's operation names, as DESCRIBE HISTORY shows them)
_NO_ROW_CHANGE = {"CREATE TABLE", "OPTIMIZE", "REORG", "SET TBLPROPERTIES", "UNSET TBLPROPERTIES", "ADD COLUMNS",
                  "CHANGE COLUMN", "UPGRADE PROTOCOL", "VACUUM START", "VACUUM END", "ADD CONSTRAINT", "DROP CONSTRAINT"}


def _inserts_only(commit):
    op, params, metrics = commit["operation"], commit["operationParameters"] or {}, commit["operationMetrics"] or {}
    if op == "WRITE":
        return params.get("mode") == "Append"
    if op == "MERGE":
        return all(int(metrics.get(k) or 0) == 0 for k in ("numTargetRowsUpdated", "numTargetRowsDeleted"))
    return op in _NO_ROW_CHANGE


def _inserted_since(spark, tables, since, versions):
    """Per table, the rows inserted after its stored version (None for a table with no new commit), or None
    when that is not all that happened: no stored versions, a commit that updated or deleted rows, history
    or change feed not readable that far back."""
    if since is None or any(t not in since or since[t] > versions[t] for t in tables):
        return None
    out = []
    for t in tables:
        start, end = since[t] + 1, versions[t]
        if start > end:
            out.append(None)
            continue
        # the latest commits only (room for writers after `end`): the read does not grow with the history
        commits = spark.sql(f"DESCRIBE HISTORY {t} LIMIT {versions[t] - since[t] + 8}").where(
            (F.col("version") >= start) & (F.col("version") <= end)).collect()
        if len(commits) != end - start + 1 or not all(_inserts_only(h) for h in commits):
            return None
        out.append(spark.read.format("delta").option("readChangeFeed", "true").option("startingVersion", start)
                   .option("endingVersion", end).table(t).where("_change_type = 'insert'"))
    return out


def closed_through(ctx, gold):
    """Periods ending at or before this instant minus lateness are complete; None while any region is missing."""
    c = gold["completeness"]
    marks = {r["region"]: r["watermark"] for r in ctx.spark.table(watermarks_table(gold)).collect()}
    if any(marks.get(r) is None for r in c["regions"]):
        return None
    return min(marks[r] for r in c["regions"])


def publish(ctx, gold):
    """CP: publish complete periods; a changed published period is restated and audited. No diff, no write.

    Only the periods that silver changes touched since the last publish (its change data feed), and those
    it withheld then, are recomputed and compared: the cost follows the new data, not the history. Without
    a usable starting point (first publish, a recovered audit, a feed not readable back that far) every
    period is, which gives the same gold."""
    spark = ctx.spark
    groups, measures, period, grain = gold["groupColumns"], gold["measureColumns"], gold["periodColumn"], gold["periodGrain"]
    late = gold["completeness"]["latenessSeconds"]
    cutoff = closed_through(ctx, gold)
    agg = spark.sql(gold["selectSql"])
    schema_ddl = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in agg.schema.fields)
    # partitioned by period: publishes (and replays) of different periods never conflict
    ensure_table(ctx, gold["table"], schema_ddl, partition_by=period)
    restate = gold.get("restatementsTable")
    if restate:
        audit_cols = ", ".join(
            [f"`{f.name}` {f.dataType.simpleString()}" for f in agg.schema.fields if f.name in groups]
            + [f"`old_{f.name}` {f.dataType.simpleString()}" for f in agg.schema.fields if f.name in measures]
            + [f"`new_{f.name}` {f.dataType.simpleString()}" for f in agg.schema.fields if f.name in measures]
            + ["change STRING", "restated_at TIMESTAMP", "run_id STRING", "gold_version BIGINT"])
        ensure_table(ctx, restate, audit_cols)
    ensure_table(ctx, ctx.plan["ops"]["publishLogTable"], PUBLISH_LOG_DDL)
    recover_audit(ctx, gold)
    scope, silver_version = _scope(ctx, gold)
    if scope is not None:
        if not scope:
            ctx.metrics.setdefault("publish", {})[gold["table"]] = {"published": [], "restated": [], "withheld": []}
            ctx.say(f"publish {gold['table']}: up to date; no silver change since the last publish")
            return
        agg = _periods_aggregate(spark, gold, scope)
    ctx.metrics.setdefault("publishScope", {})[gold["table"]] = "all" if scope is None else len(scope)
    if cutoff is None:
        ctx.metrics.setdefault("publish", {})[gold["table"]] = {"published": [], "restated": [], "withheld": _periods(agg, period)}
        ctx.say(f"publish {gold['table']}: nothing complete yet (a region has not reported)")
        return
    end = F.expr(gold["periodEndSql"]) + F.expr(f"INTERVAL {late} SECONDS")
    complete = agg.where(end <= F.lit(cutoff))
    incomplete = agg.where(~(end <= F.lit(cutoff)))
    withheld = _period_keys(incomplete, period, grain)
    current = spark.table(gold["table"])
    if scope is not None:  # partitioned by period: reads only the scope's partitions
        current = current.where(f"{period} IN ({_literals(scope, grain)})")
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
    # the pruning predicate names the changed periods: the MERGE reads (and conflicts on) only their partitions
    touched = _literals(_period_keys(changes, period, grain), grain)
    on = " AND ".join(f"t.{k} <=> s.{k}" for k in key) + f" AND t.{period} IN ({touched})"
    sets = ", ".join(f"t.{m} = s.new_{m}" for m in measures)
    cols = ", ".join(key + measures)
    vals = ", ".join([f"s.{k}" for k in key] + [f"s.new_{m}" for m in measures])
    merge = (f"MERGE INTO {gold['table']} t USING _lb_changes s ON {on} "
             f"WHEN MATCHED AND s.change = 'delete' THEN DELETE "
             f"WHEN MATCHED THEN UPDATE SET {sets} "
             f"WHEN NOT MATCHED AND s.change <> 'delete' THEN INSERT ({cols}) VALUES ({vals})")
    before = latest_version(spark, gold["table"])
    _retry(ctx, gold["table"], "publish merge", lambda: spark.sql(merge).collect())
    counts = {c: sum(1 for r in rows if r["change"] == c) for c in ("insert", "update", "delete")}
    version = _merge_version(spark, gold["table"], before, {"numTargetRowsInserted": str(counts["insert"]),
                                                            "numTargetRowsUpdated": str(counts["update"]),
                                                            "numTargetRowsDeleted": str(counts["delete"])})
    # gold is committed, its audit and log are not: the next publish recovers them from gold's history
    faults.crash_point("publish.after_gold")
    _audit(ctx, gold, version, restated if restated_periods else None, new_periods, restated_periods, recovered=False,
           silver_version=silver_version, withheld=withheld)
    ctx.metrics.setdefault("publish", {})[gold["table"]] = {"published": new_periods, "restated": restated_periods, "withheld": withheld}
    ctx.say(f"publish {gold['table']}: published {len(new_periods)} period(s), restated {len(restated_periods)}, withheld {len(withheld)}")


def _scope(ctx, gold):
    """(periods to recompute as keys, or None for all; the silver version they reflect). The version is read
    before the aggregate: a silver commit racing this publish is after it, so the next publish covers it."""
    spark = ctx.spark
    silver = gold["silverTable"]
    start = _last_publish(ctx, gold) if gold.get("periodsSelectSql") else None
    if start is not None:
        since, withheld = start
        now = latest_version(spark, silver)
        try:
            return sorted(set(_touched_periods(spark, gold, since, now)) | set(withheld)), now
        except Exception as err:  # noqa: BLE001 - the feed not readable over that range: recompute all
            ctx.say(f"publish {gold['table']}: every period recomputed ({str(err).splitlines()[0][:160]})")
    _enable_change_feed(ctx, silver)
    return None, latest_version(spark, silver)


def _last_publish(ctx, gold):
    """(silver version, withheld period keys) the latest logged publish of this gold table left, or None."""
    log = ctx.spark.table(ctx.plan["ops"]["publishLogTable"])
    if "silver_version" not in log.columns:  # a log written before incremental publish
        return None
    row = (log.where(F.col("gold_table") == gold["table"]).orderBy(F.desc("gold_version"), F.desc("logged_at"))
           .select("silver_version", "withheld").first())
    if row is None or row["silver_version"] is None:
        return None
    return int(row["silver_version"]), list(row["withheld"] or [])


def _touched_periods(spark, gold, since, until):
    """Keys of the periods holding a silver row inserted, updated or deleted after version `since`."""
    if until <= since:
        return []
    changes = (spark.read.format("delta").option("readChangeFeed", "true")
               .option("startingVersion", since + 1).option("endingVersion", until).table(gold["silverTable"]))
    return _period_keys(changes.select(F.expr(gold["periodExpr"]).alias("_p")), "_p", gold["periodGrain"])


def _enable_change_feed(ctx, table):
    """Silver created before incremental publish: turn its change data feed on (once; a metadata commit)."""
    rows = ctx.spark.sql(f"SHOW TBLPROPERTIES {table} ('delta.enableChangeDataFeed')").collect()
    if rows and rows[0]["value"] == "true":
        return
    _retry(ctx, table, "enable change data feed",
           lambda: ctx.spark.sql(f"ALTER TABLE {table} SET TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')").collect())


def _periods_aggregate(spark, gold, keys):
    """The gold aggregate over these periods only; silver pruned to their event dates where they imply them."""
    sql = gold["periodsSelectSql"].replace(":periods", _literals(keys, gold["periodGrain"]))
    if gold["prunesByEventDate"]:
        sql = sql.replace(":event_dates", ", ".join(f"DATE'{d}'" for d in sorted({k[:10] for k in keys})))
    return spark.sql(sql)


def _period_keys(df, column, grain):
    """Periods as strings Spark formats in the session time zone, the zone a TIMESTAMP literal is read in
    (a collected Python datetime is in the client's local zone). Periods start on whole days or hours."""
    fmt = "yyyy-MM-dd" if grain == "day" else "yyyy-MM-dd HH:mm:ss"
    rows = df.select(F.date_format(F.col(column), fmt).alias("_k")).distinct().collect()
    return sorted(r["_k"] for r in rows if r["_k"] is not None)


def _literals(keys, grain):
    kind = "DATE" if grain == "day" else "TIMESTAMP"
    return ", ".join(f"{kind}'{k}'" for k in keys)


def _periods(df, column):
    return sorted(str(r[0]) for r in df.select(column).distinct().collect() if r[0] is not None)


def _merge_version(spark, table, before, expected):
    """The version our MERGE committed: another writer (a replay racing a scheduled run) may have committed
    after it, so "the latest version" is not enough. Ours is the MERGE after `before` whose row counts are
    the diff's; with none or several such, the first MERGE after `before`. (A commit tag would be exact, but
    its conf, spark.databricks.delta.commitInfo.userMetadata, is not one serverless lets a job set.)"""
    merges = (spark.sql(f"DESCRIBE HISTORY {table}").where((F.col("version") > before) & (F.col("operation") == "MERGE"))
              .select("version", "operationMetrics").orderBy("version").collect())
    matching = [r["version"] for r in merges if all((r["operationMetrics"] or {}).get(k) == v for k, v in expected.items())]
    return int(matching[0] if len(matching) == 1 else merges[0]["version"] if merges else latest_version(spark, table))


def _audit(ctx, gold, version, restated, published, restated_periods, recovered, silver_version=None, withheld=None):
    """Audit rows and the publish-log row of gold version `version`, each written idempotently for that
    version (txnAppId per table, txnVersion = gold version): repeating it after a crash writes nothing twice."""
    spark = ctx.spark
    app = "lakebundle-publish-" + gold["table"]
    restate = gold.get("restatementsTable")
    if restate and restated is not None:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        (restated.withColumn("restated_at", F.lit(now)).withColumn("run_id", F.lit(ctx.run_id))
         .withColumn("gold_version", F.lit(version).cast("bigint"))
         .write.format("delta").mode("append")
         .option("txnAppId", app + "#audit").option("txnVersion", version).saveAsTable(restate))
    log = spark.createDataFrame([(gold["table"], version, list(published), list(restated_periods), recovered, ctx.run_id,
                                  silver_version, None if withheld is None else list(withheld))],
                                "gold_table STRING, gold_version BIGINT, published ARRAY<STRING>, restated ARRAY<STRING>, "
                                "recovered BOOLEAN, run_id STRING, silver_version BIGINT, withheld ARRAY<STRING>")
    # mergeSchema: a log created before silver_version/withheld gains them (a write option, not a session conf)
    (log.withColumn("logged_at", F.current_timestamp()).write.format("delta").mode("append").option("mergeSchema", "true")
     .option("txnAppId", app + "#log").option("txnVersion", version).saveAsTable(ctx.plan["ops"]["publishLogTable"]))


def recover_audit(ctx, gold):
    """Gold writes whose audit was never written (the run died between the two) are audited now, from
    gold's own Delta history: the restatement is the diff between the version before and the version."""
    spark = ctx.spark
    log = ctx.plan["ops"]["publishLogTable"]
    last = spark.table(log).where(F.col("gold_table") == gold["table"]).agg(F.max("gold_version")).first()[0]
    history = spark.sql(f"DESCRIBE HISTORY {gold['table']}").where(F.col("operation") == "MERGE")
    if last is not None:
        history = history.where(F.col("version") > last)
    versions = sorted(int(r["version"]) for r in history.select("version").collect())
    # with no log row yet, only the last MERGE can be unaudited: every publish first recovers what came before
    # (older MERGEs of a table published before the log existed were audited then)
    for v in versions if last is not None else versions[-1:]:
        groups, measures, period = gold["groupColumns"], gold["measureColumns"], gold["periodColumn"]
        o = spark.sql(f"SELECT * FROM {gold['table']} VERSION AS OF {v - 1}").alias("o")
        n = spark.sql(f"SELECT * FROM {gold['table']} VERSION AS OF {v}").alias("n")
        before = set(_periods(o, period))
        same = F.lit(True)
        for m in measures:
            same = same & F.col(f"n.{m}").eqNullSafe(F.col(f"o.{m}"))
        diff = (n.join(o, [F.col(f"n.{k}").eqNullSafe(F.col(f"o.{k}")) for k in groups], "full_outer").where(~same)
                .select(*[F.coalesce(F.col(f"n.{k}"), F.col(f"o.{k}")).alias(k) for k in groups],
                        *[F.col(f"o.{m}").alias(f"old_{m}") for m in measures],
                        *[F.col(f"n.{m}").alias(f"new_{m}") for m in measures],
                        F.when(F.col(f"o.{period}").isNull(), "insert").when(F.col(f"n.{period}").isNull(), "delete")
                        .otherwise("update").alias("change")))
        rows = diff.collect()
        changed = sorted({str(r[period]) for r in rows})
        restated_periods = [p for p in changed if p in before]
        restated = spark.createDataFrame([r for r in rows if str(r[period]) in before], diff.schema) if restated_periods else None
        _audit(ctx, gold, v, restated, [p for p in changed if p not in before], restated_periods, recovered=True)
        ctx.say(f"publish {gold['table']}: audited gold version {v} after an interrupted run ({len(restated_periods)} restated period(s))")
