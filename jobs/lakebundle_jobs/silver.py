"""Silver: parse, expectations, quarantine, dedup. One foreachBatch per step, idempotent per batch."""
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from .tables import ensure_table


class DataGateError(Exception):
    """A data gate stopped the run: a `fail` expectation was violated or the invalid rate is too high."""


def bronze_stream(ctx, silver):
    """The bronze rows this step has not processed yet (its own checkpoint tracks them)."""
    return ctx.spark.readStream.format("delta").table(ctx.table(silver["bronzeTable"]))


def parse(batch, silver):
    return batch.selectExpr(*silver["parseInner"]).selectExpr(*silver["parseOuter"])


def expectation_counts(parsed, silver):
    """Rows failing each expectation (all rows evaluated against all rules, as DLT reports them)."""
    aggs = [F.count(F.lit(1)).alias("_landed")]
    aggs += [F.sum(F.when(F.expr(e["predicate"]), 0).otherwise(1)).alias(e["name"]) for e in silver["expectations"]]
    aggs.append(F.sum(F.when(F.expr(silver["validPredicate"]), 0).otherwise(1)).alias("_invalid"))
    row = parsed.agg(*aggs).collect()[0].asDict()
    return {k: int(v or 0) for k, v in row.items()}


def _accumulate(ctx, silver, counts):
    m = ctx.metrics.setdefault("silver", {}).setdefault(silver["table"], {"landed": 0, "invalid": 0, "expectations": {}})
    m["landed"] += counts["_landed"]
    m["invalid"] += counts["_invalid"]
    for e in silver["expectations"]:
        m["expectations"][e["name"]] = m["expectations"].get(e["name"], 0) + counts[e["name"]]


def _gate(silver, counts):
    for e in silver["expectations"]:
        if e["action"] == "fail" and counts[e["name"]] > 0:
            raise DataGateError(f"expectation {e['name']} (action fail) violated by {counts[e['name']]} rows of {silver['table']}")
    rate = silver.get("maxInvalidRate")
    if rate is not None and counts["_landed"] > 0 and counts["_invalid"] / counts["_landed"] > rate:
        raise DataGateError(
            f"{silver['table']}: invalid rate {counts['_invalid']}/{counts['_landed']} = {counts['_invalid'] / counts['_landed']:.3f} "
            f"exceeds maxInvalidRate {rate}; nothing from this batch was published (fix the data or raise the threshold, then re-run)")


def _write_quarantine(ctx, parsed, silver, app_id, batch_id):
    bad = parsed.where(f"NOT ({silver['validPredicate']})").selectExpr(
        "_raw", "_source_file", "_ingested_at", f"{silver['reasonExpr']} AS _reason",
        f"{silver['failedExpectationsExpr']} AS _failed_expectations")
    # txnAppId/txnVersion: a retried batch is skipped by Delta instead of appended twice
    (bad.write.format("delta").mode("append")
     .option("txnAppId", app_id).option("txnVersion", batch_id)
     .saveAsTable(ctx.table(silver["quarantineTable"])))


def _merge_valid(ctx, parsed, silver, app_id, batch_id, window_seconds):
    """MERGE the batch's valid rows by key: insert only unseen keys. Returns (valid, inserted)."""
    # foreachBatch runs in a cloned session: temp views and confs must be set on the batch's own session
    spark = parsed.sparkSession
    dedup = silver["dedup"]
    keys = dedup["keys"] if dedup else [silver["key"]]
    # cached once: counting, the pruning dates and the MERGE all read it without parsing the JSON again
    valid = parsed.where(silver["validPredicate"]).selectExpr(*silver["storedColumns"]).cache()
    valid_count = valid.count()
    if valid_count == 0:
        valid.unpersist()
        return 0, 0
    order = F.col(dedup["sequenceBy"]).desc_nulls_last() if dedup and dedup.get("sequenceBy") else F.lit(1)
    latest = (valid.withColumn("_n", F.row_number().over(Window.partitionBy(*keys).orderBy(order)))
              .where("_n = 1").drop("_n"))
    view = f"_lb_batch_{silver['name']}"
    latest.createOrReplaceTempView(view)
    on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
    et = silver["eventTime"]
    if window_seconds is None:
        # copies of an event are identical, so the event date is part of the identity: it prunes the target
        dates = [r[0] for r in valid.select("_event_date").distinct().collect()]
        date_list = ", ".join(f"DATE'{d}'" for d in dates if d is not None) or "NULL"
        prune = f" AND t._event_date = s._event_date AND t._event_date IN ({date_list})"
    else:
        low = valid.agg(F.min(et)).collect()[0][0]
        prune = f" AND t.{et} >= TIMESTAMP'{low}' - INTERVAL {window_seconds} SECONDS" if low else ""
    seq = dedup.get("sequenceBy") if dedup else None
    update = f"WHEN MATCHED AND s.{seq} > t.{seq} THEN UPDATE SET * " if seq else ""
    spark.conf.set("spark.databricks.delta.write.txnAppId", app_id)
    spark.conf.set("spark.databricks.delta.write.txnVersion", str(batch_id))
    try:
        result = spark.sql(
            f"MERGE INTO {ctx.table(silver['table'])} t USING {view} s ON {on}{prune} "
            f"{update}WHEN NOT MATCHED THEN INSERT *").collect()
    finally:
        spark.conf.unset("spark.databricks.delta.write.txnAppId")
        spark.conf.unset("spark.databricks.delta.write.txnVersion")
        valid.unpersist()
    inserted = int(result[0]["num_inserted_rows"]) if result else 0
    return valid_count, inserted


def _silver_ddl(ctx, silver):
    # the stored columns' types come from parsing an empty row
    empty = ctx.spark.createDataFrame([], "_raw STRING, _source_file STRING, _ingested_at TIMESTAMP")
    schema = parse(empty, silver).selectExpr(*silver["storedColumns"]).schema
    return ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in schema.fields)


QUARANTINE_DDL = "_raw STRING, _source_file STRING, _ingested_at TIMESTAMP, _reason STRING, _failed_expectations ARRAY<STRING>"


def ensure_silver(ctx, silver):
    ensure_table(ctx, silver["table"], _silver_ddl(ctx, silver))
    ensure_table(ctx, silver["quarantineTable"], QUARANTINE_DDL)


def _run_stream(ctx, path_name, silver, step, handler):
    gate = []

    def guarded(batch, batch_id):
        try:
            handler(batch, batch_id)
        except DataGateError as err:
            gate.append(err)  # kept here: the streaming wrapper would bury it in a Java traceback
            raise

    query = (bronze_stream(ctx, silver).writeStream
             .foreachBatch(guarded)
             .option("checkpointLocation", ctx.checkpoint(path_name, silver["name"], step))
             .trigger(availableNow=True)
             .start())
    try:
        query.awaitTermination()
    except Exception:
        if gate:
            raise gate[0] from None
        raise


def validate(ctx, path_name, silver):
    """CP validate task: counts, gates, quarantine. Valid rows are merged by the next task."""
    def handle(batch, batch_id):
        parsed = parse(batch, silver).cache()
        counts = expectation_counts(parsed, silver)
        _gate(silver, counts)
        _write_quarantine(ctx, parsed, silver, f"{silver['table']}#validate", batch_id)
        _accumulate(ctx, silver, counts)
        parsed.unpersist()
    _run_stream(ctx, path_name, silver, "validate", handle)
    m = ctx.metrics.get("silver", {}).get(silver["table"], {"landed": 0, "invalid": 0})
    ctx.say(f"validate {silver['table']}: {m['landed']} lines, {m['invalid']} quarantined")


def merge(ctx, path_name, silver):
    """CP merge task: MERGE valid rows by key; re-running a batch inserts nothing (idempotent)."""
    def handle(batch, batch_id):
        parsed = parse(batch, silver)
        valid, inserted = _merge_valid(ctx, parsed, silver, f"{silver['table']}#merge", batch_id, None)
        _count_merge(ctx, silver, valid, inserted)
    _run_stream(ctx, path_name, silver, "merge", handle)
    m = ctx.metrics.get("merge", {}).get(silver["table"], {"valid": 0, "inserted": 0})
    ctx.say(f"merge {silver['table']}: {m['inserted']} new, {m['valid'] - m['inserted']} duplicates removed")


def ap_silver(ctx, path_name, silver):
    """AP flow: quarantine and dedup within the watermark window in one pass, never blocking on a gate."""
    window = (silver.get("dedup") or {}).get("watermarkSeconds")

    def handle(batch, batch_id):
        parsed = parse(batch, silver).cache()
        counts = expectation_counts(parsed, silver)
        for e in silver["expectations"]:
            if e["action"] == "fail" and counts[e["name"]] > 0:
                raise DataGateError(f"expectation {e['name']} (action fail) violated by {counts[e['name']]} rows of {silver['table']}")
        _write_quarantine(ctx, parsed, silver, f"{silver['table']}#quarantine", batch_id)
        valid, inserted = _merge_valid(ctx, parsed, silver, f"{silver['table']}#dedup", batch_id, window)
        _accumulate(ctx, silver, counts)
        _count_merge(ctx, silver, valid, inserted)
        parsed.unpersist()
    _run_stream(ctx, path_name, silver, "silver", handle)
    m = ctx.metrics.get("merge", {}).get(silver["table"], {"valid": 0, "inserted": 0})
    ctx.say(f"silver {silver['table']}: {m['inserted']} new, {m['valid'] - m['inserted']} duplicates removed")


def _count_merge(ctx, silver, valid, inserted):
    m = ctx.metrics.setdefault("merge", {}).setdefault(silver["table"], {"valid": 0, "inserted": 0})
    m["valid"] += valid
    m["inserted"] += inserted
