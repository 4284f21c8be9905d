"""Replay / backfill: recompute CP silver (and so gold) for an event-time window from the immutable landing zone.

The window is in event time, [from, to). Late events can land in any file after their time, so a replay
reads every landed file of the selected sources (a listing, then one pass over their lines; files
quarantined whole are left out) and keeps the lines whose event time falls in the window. Valid events
are MERGEd into silver by key, pruned to the window's days: an event already there is left alone, so a
replay only adds what is missing and replaying twice changes nothing. Bad lines of the window that the
quarantine does not hold yet are added to it. Deletion requests are honoured: a forgotten account or
workspace never comes back. The publish task then restates any published day that changed (audited).
Bronze is not touched: it is the record of what ingestion read.
"""
from datetime import datetime, timezone

from pyspark.sql import functions as F

from . import conflicts, forget
from .silver import latest_per_key, merge_sql, parse, valid_rows


def _window_filter(column, window):
    return (F.col(column) >= F.lit(window["from"]).cast("timestamp")) & (F.col(column) < F.lit(window["to"]).cast("timestamp"))


def _bronze_of(plan, silver):
    return next(b for b in plan["paths"]["CP"]["bronze"] if b["table"] == silver["bronzeTable"])


def selected(ctx, window):
    wanted = window.get("sources") or []
    known = sorted(_bronze_of(ctx.plan, s)["source"] for s in ctx.plan["paths"]["CP"]["silver"])
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise ValueError(f"replay_sources names {', '.join(unknown)}, which the CP path does not ingest; "
                         f"use any of {', '.join(known)} (or none for all)")
    return [s for s in ctx.plan["paths"]["CP"]["silver"] if not wanted or _bronze_of(ctx.plan, s)["source"] in wanted]


def _landed_files(ctx, bronze):
    """Every landed file of the source (no content is read: binaryFile prunes it), less those quarantined whole."""
    spark = ctx.spark
    listing = (spark.read.format("binaryFile").option("recursiveFileLookup", "true")
               .option("pathGlobFilter", "{" + ",".join(bronze["fileGlobs"]) + "}")
               .load(ctx.landing(bronze["landingPath"])).select("path"))
    files = sorted(r[0] for r in listing.collect())
    quarantined = {r[0] for r in spark.table(ctx.plan["ops"]["quarantinedFilesTable"]).where(F.col("bronze_table") == bronze["table"]).select("path").collect()}
    return [f for f in files if f not in quarantined and f.replace("file:///", "file:/") not in quarantined]


def _window_lines(ctx, silver, window):
    """(parsed lines of the window, number of files read)."""
    spark = ctx.spark
    files = _landed_files(ctx, _bronze_of(ctx.plan, silver))
    if not files:
        return None, 0
    # arrival = the file's landing time, never the replay's: a clock-skewed event must stay skewed when
    # replayed later (it would otherwise advance a region watermark). It is at most the original ingest time.
    raw = spark.read.text(files).selectExpr("value AS _raw", "_metadata.file_path AS _source_file",
                                            "_metadata.file_modification_time AS _ingested_at")
    parsed = parse(raw, silver).where(_window_filter(silver["eventTime"], window))
    return forget.without_forgotten(ctx, parsed), len(files)


def plan_silver(ctx, silver, window):
    """What a replay of `window` would read and change in one silver table (reads, writes nothing)."""
    parsed, files = _window_lines(ctx, silver, window)
    if parsed is None:
        return {"table": silver["table"], "filesListed": 0, "filesWithLines": 0, "lines": 0, "valid": 0, "invalid": 0, "missing": 0, "days": []}
    stats = parsed.agg(
        F.countDistinct("_source_file").alias("files"), F.count(F.lit(1)).alias("lines"),
        F.expr(f"count_if({silver['validPredicate']})").alias("valid"),
        F.collect_set(F.col("_event_date").cast("string")).alias("days")).first()
    return {"table": silver["table"], "filesListed": files, "filesWithLines": int(stats["files"]), "lines": int(stats["lines"]),
            "valid": int(stats["valid"]), "invalid": int(stats["lines"]) - int(stats["valid"]),
            "missing": _missing(ctx, parsed, silver).count(), "days": sorted(stats["days"] or [])}


def _latest(parsed, silver):
    dedup = silver["dedup"]
    valid = valid_rows(parsed, silver)
    if not dedup:
        return valid
    return latest_per_key(valid, dedup)


def _missing(ctx, parsed, silver):
    """Events of the window silver does not hold (or holds at an earlier sequence)."""
    latest = _latest(parsed, silver)
    if not silver["dedup"]:
        # no key: an event is held when silver has a row equal to it in every stored column but its arrival
        same = [c for c in silver["storedColumns"] if c not in ("_ingested_at", "_source_file")]
        held = ctx.spark.table(silver["table"]).select(*[F.col(c).alias(f"_t_{c}") for c in same])
        on = [F.col(c).eqNullSafe(F.col(f"_t_{c}")) for c in same]
        return latest.join(held, on, "left_anti")
    keys = silver["dedup"]["keys"]
    seq = silver["dedup"].get("sequenceBy")
    target = ctx.spark.table(silver["table"]).select(*keys, *([F.col(seq).alias("_t_seq")] if seq else []), F.lit(1).alias("_held"))
    joined = latest.join(target, keys, "left")
    cond = F.col("_held").isNull()
    if seq:
        cond = cond | (F.col(seq) > F.col("_t_seq"))
    return joined.where(cond).drop("_held", *(["_t_seq"] if seq else []))


def replay_silver(ctx, silver, window):
    """Re-read the window from landing and MERGE what silver lacks; add the window's unseen bad lines to quarantine."""
    spark = ctx.spark
    parsed, files = _window_lines(ctx, silver, window)
    out = {"table": silver["table"], "filesListed": files, "lines": 0, "inserted": 0, "quarantinedAdded": 0, "days": []}
    if parsed is None:
        return out
    missing = _missing(ctx, parsed, silver)
    # frozen as rows: the MERGE changes silver, which the anti-join above reads (no cache on serverless)
    rows = missing.collect()
    out["lines"] = parsed.count()
    retry = lambda op, write: conflicts.with_retry(spark, ctx.plan["ops"]["writeConflictsTable"], ctx.run_id, silver["table"], op, write)  # noqa: E731
    if rows:
        frozen = spark.createDataFrame(rows, missing.schema)
        frozen.createOrReplaceTempView(f"_lb_replay_{silver['name']}")
        days = sorted({str(r["_event_date"]) for r in rows if r["_event_date"] is not None})
        out["days"] = days
        if silver["dedup"]:
            retry("replay merge", lambda: spark.sql(merge_sql(silver, f"_lb_replay_{silver['name']}", days)).collect())
        else:
            retry("replay append", lambda: frozen.write.format("delta").mode("append").saveAsTable(silver["table"]))
        out["inserted"] = len(rows)
    bad = (parsed.where(f"NOT ({silver['validPredicate']})")
           .selectExpr("_raw", "_source_file", "_ingested_at", f"{silver['reasonExpr']} AS _reason",
                       f"{silver['failedExpectationsExpr']} AS _failed_expectations"))
    held = spark.table(silver["quarantineTable"]).select("_raw", F.regexp_replace("_source_file", "^file:///", "file:/").alias("_sf"))
    new_bad = (bad.withColumn("_sf", F.regexp_replace("_source_file", "^file:///", "file:/"))
               .join(held, ["_raw", "_sf"], "left_anti").drop("_sf"))
    bad_rows = new_bad.collect()
    if bad_rows:
        retry("replay quarantine", lambda: spark.createDataFrame(bad_rows, new_bad.schema).write.format("delta").mode("append").saveAsTable(silver["quarantineTable"]))
    out["quarantinedAdded"] = len(bad_rows)
    ctx.say(f"replay {silver['table']}: {out['lines']} lines in the window from {files} files; {out['inserted']} events restored, "
            f"{out['quarantinedAdded']} bad lines added to quarantine")
    return out


REPLAYS_DDL = ("replay_id STRING, window_from TIMESTAMP, window_to TIMESTAMP, sources ARRAY<STRING>, dry_run BOOLEAN, "
               "tables ARRAY<STRUCT<table: STRING, files: BIGINT, lines: BIGINT, inserted: BIGINT, quarantined_added: BIGINT, days: ARRAY<STRING>>>, "
               "run_id STRING, recorded_at TIMESTAMP")


def record(ctx, window, results, dry_run):
    """The audit row of a replay (ops.replays)."""
    spark = ctx.spark
    tables = [(r["table"], r.get("filesListed", 0), r["lines"], r.get("inserted", r.get("missing", 0)), r.get("quarantinedAdded", 0), r["days"]) for r in results]
    row = [(f"{ctx.run_id}:{window['from']}:{window['to']}", _ts(window["from"]), _ts(window["to"]), list(window.get("sources") or []), dry_run, tables, ctx.run_id)]
    df = spark.createDataFrame(row, REPLAYS_DDL.rsplit(",", 1)[0])
    # once per run and window: a retried task (same job run id) does not record the replay twice
    app = f"lakebundle-replay:{'plan' if dry_run else 'run'}:{row[0][0]}:{','.join(sorted(window.get('sources') or []))}"
    (df.withColumn("recorded_at", F.current_timestamp()).write.format("delta").mode("append")
     .option("txnAppId", app).option("txnVersion", 0).saveAsTable(ctx.plan["ops"]["replaysTable"]))


def _ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).replace(tzinfo=None)
