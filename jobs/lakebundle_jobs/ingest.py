"""Bronze: every landed line, exactly once per file, with the file it came from and when it arrived."""
from .tables import ensure_table

BRONZE_COLUMNS = "_raw STRING, _source_file STRING, _ingested_at TIMESTAMP"


def _glob_filter(globs):
    return "{" + ",".join(globs) + "}" if len(globs) > 1 else globs[0]


def ingest(ctx, path_name, bronze):
    """Incremental ingestion into a bronze table. The checkpoint's file log makes each landed file count once."""
    spark = ctx.spark
    source = ctx.landing(bronze["landingPath"])
    if ctx.auto_loader:
        reader = (spark.readStream.format("cloudFiles")
                  .option("cloudFiles.format", "text")
                  .option("cloudFiles.schemaLocation", ctx.checkpoint(path_name, bronze["name"], "schema")))
    else:
        reader = spark.readStream.format("text")
    stream = (reader
              .option("recursiveFileLookup", "true")
              .option("pathGlobFilter", _glob_filter(bronze["fileGlobs"]))
              .load(source)
              .selectExpr("value AS _raw", "_metadata.file_path AS _source_file", "current_timestamp() AS _ingested_at"))
    before = _version(ctx, bronze["table"])
    writer = (stream.writeStream.format("delta")
              .option("checkpointLocation", ctx.checkpoint(path_name, bronze["name"], "ingest"))
              .trigger(availableNow=True))
    # locally the sink is the table's path: toTable() through the session catalog races when flows run in parallel
    query = writer.start(ctx.table_location(bronze["table"])) if ctx.warehouse else writer.toTable(bronze["table"])
    query.awaitTermination()
    rows = _rows_written(ctx, bronze["table"], before)
    ctx.metrics.setdefault("ingested", {})[bronze["table"]] = rows
    ctx.say(f"ingest {bronze['table']}: {rows} new lines")
    return rows


def ensure_bronze(ctx, bronze):
    ensure_table(ctx, bronze["table"], BRONZE_COLUMNS)


def _version(ctx, table):
    return ctx.spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").collect()[0]["version"]


def _rows_written(ctx, table, since_version):
    rows = 0
    for h in ctx.spark.sql(f"DESCRIBE HISTORY {table}").where(f"version > {since_version}").collect():
        rows += int((h["operationMetrics"] or {}).get("numOutputRows", 0))
    return rows
