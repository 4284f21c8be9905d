"""Bronze: every landed line, exactly once per file, with the file it came from and when it arrived.

CP ingestion quarantines a landed file that cannot be read as a whole instead of stopping on it forever
(the stream would fail at it on every run) or skipping it silently (`ignoreCorruptFiles`): unreadable
files (a truncated gzip from a partial upload) and files that are not text (binary under a JSON name)
are recorded in the ops table of quarantined files with path, size, reason and time; every healthy file
of the batch is ingested; a corrected re-delivery under a new name is an ordinary new file.
AP ingestion is the pipeline's `read_files` with `ignoreCorruptFiles` (the AP path stays available; see README).
"""
import re
import uuid
from dataclasses import dataclass

from pyspark.sql import functions as F

from . import conflicts, faults, forget, ops, run_log
from .tables import TableSpec, latest_version

BRONZE_COLUMNS = "_raw STRING, _source_file STRING, _ingested_at TIMESTAMP"
QUARANTINED_FILES_DDL = ("source STRING, bronze_table STRING, path STRING, size BIGINT, reason STRING, "
                         "detected_at TIMESTAMP, run_id STRING")
_FAILED_FILE = re.compile(r"Encountered error while reading file (\S+?)\.?\s+SQLSTATE", re.S)
# a text line never holds NUL; invalid UTF-8 decodes to U+FFFD
_BINARY_LINE = "instr(_raw, char(0)) > 0"
_UNDECODABLE_LINE = "instr(_raw, '\ufffd') > 0"
# the one-pass append stops at the first line either would flag (see ingest_batch)
_NOT_TEXT = "lakebundle: a landed line is not plain text"
_TEXT_OR_RAISE = f"IF({_BINARY_LINE} OR {_UNDECODABLE_LINE}, raise_error('{_NOT_TEXT}'), _raw)"


@dataclass(frozen=True)
class IngestJob:
    bronze: dict
    checkpoint: str
    metrics_table: str
    files_table: str
    conflicts_table: str
    attempt: str
    run_id: str
    location: str | None
    auto_loader: bool = False
    # lines of forgotten accounts/workspaces (the deletion manifest) never enter bronze
    forgotten_expr: str | None = None


def _glob_filter(globs):
    return "{" + ",".join(globs) + "}" if len(globs) > 1 else globs[0]


def landed_files(ctx, path_name, bronze, lenient):
    """The incremental file stream over a source's landing folder (Auto Loader on Databricks)."""
    spark = ctx.spark
    if ctx.auto_loader:
        reader = (spark.readStream.format("cloudFiles")
                  .option("cloudFiles.format", "text")
                  .option("cloudFiles.schemaLocation", ctx.checkpoint(path_name, bronze["name"], "schema")))
    else:
        reader = spark.readStream.format("text")
    return (reader
            .option("recursiveFileLookup", "true")
            .option("pathGlobFilter", _glob_filter(bronze["fileGlobs"]))
            .option("ignoreCorruptFiles", "true" if lenient else "false")
            .load(ctx.landing(bronze["landingPath"]))
            .selectExpr("value AS _raw", "_metadata.file_path AS _source_file", "_metadata.file_size AS _file_size",
                        "current_timestamp() AS _ingested_at"))


def failed_file(err):
    """The file a read failed on (Spark's FAILED_READ_FILE names it), or None."""
    m = _FAILED_FILE.search(str(err))
    return m.group(1) if m else None


def _stats(df):
    return (df.groupBy("_source_file", "_file_size")
            .agg(F.count(F.lit(1)).alias("n"), F.expr(f"count_if({_BINARY_LINE})").alias("nul"),
                 F.expr(f"count_if({_UNDECODABLE_LINE})").alias("undecodable"))
            .collect())


def batch_files(job, spark, batch_id):
    """The files of one micro-batch, from the stream's own file log. A streaming batch does not list its
    files (inputFiles() is empty), and a filter on the file path does not stop Spark opening a file.
    Auto Loader: files discovered but not yet committed (cloud_files_state,
    https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/production#querying-files-discovered-by-auto-loader).
    File stream source: its log `<checkpoint>/sources/0/` (one JSON line per file, with batchId)."""
    if job.auto_loader:
        rows = spark.sql(f"SELECT path FROM cloud_files_state('{job.checkpoint}') WHERE commit_time IS NULL").collect()
        return sorted(r[0] for r in rows)
    log = spark.read.text(f"{job.checkpoint.rstrip('/')}/sources/0/").where(F.col("value").startswith("{"))
    entries = log.select(F.from_json("value", "path STRING, batchId BIGINT").alias("e")).select("e.*")
    return sorted(r[0] for r in entries.where(F.col("batchId") == batch_id).select("path").distinct().collect())


def _readable(job, batch, batch_id):
    """(per-file stats, the batch without unreadable files, {path: reason}). After a read fails on one
    file, the batch's other files are read again by name (rare: only when a poison file is in the batch)."""
    spark = batch.sparkSession
    source, bad, files = batch, {}, None
    while True:
        try:
            return _stats(source), source, bad
        except Exception as err:  # noqa: BLE001 - only an unreadable file is handled here
            path = failed_file(err)
            if not path or path in bad:
                raise
            cause = [line.strip() for line in str(err).splitlines() if re.search(r"(Exception|Error): ", line)]
            bad[path] = "unreadable: " + (cause[0].removeprefix("Caused by: ")[:300] if cause else "FAILED_READ_FILE (Spark could not read the file)")
            files = files if files is not None else batch_files(job, spark, batch_id)
            if path not in files:
                raise RuntimeError(f"cannot list the files of batch {batch_id} (the failed file {path} is not among them): "
                                   "nothing was ingested from it; see the stream's checkpoint") from err
            rest = [f for f in files if f not in bad]
            if job.auto_loader:
                # cloud_files_state also lists files processed but not yet marked committed (no latency is
                # guaranteed for that mark): never read again a file bronze already holds
                rest = sorted(set(rest) - _in_bronze(spark, job.bronze["table"], rest))
            source = (spark.read.text(rest).selectExpr("value AS _raw", "_metadata.file_path AS _source_file",
                                                       "_metadata.file_size AS _file_size", "current_timestamp() AS _ingested_at")
                      if rest else batch.limit(0))


def _in_bronze(spark, table, files):
    if not files:
        return set()
    return {r[0] for r in spark.table(table).where(F.col("_source_file").isin(files)).select("_source_file").distinct().collect()}


def ingest_batch(job, batch, batch_id):
    """CP: quarantine poison files of the batch, append the rest to bronze idempotently. A batch whose
    files are all readable text is appended in one pass: its first line holding NUL or U+FFFD (or a file
    that cannot be read) fails that write before it commits, and only then is the batch read for per-file
    stats first and appended without its poison files. Reading every batch twice cost a third of ingest."""
    spark = batch.sparkSession
    stream_id = ops.stream_app_id(spark, job.checkpoint)
    try:
        _append(job, spark, batch.withColumn("_raw", F.expr(_TEXT_OR_RAISE)), stream_id, batch_id)
        return
    except Exception as err:  # noqa: BLE001 - only a line that is not text, or an unreadable file, is handled here
        if _NOT_TEXT not in str(err) and not failed_file(err):
            raise
    stats, source, bad = _readable(job, batch, batch_id)
    sizes = {r["_source_file"]: r["_file_size"] for r in stats}
    for r in stats:
        if r["nul"] > 0 or r["undecodable"] * 2 > r["n"]:
            bad[r["_source_file"]] = f"not text: {r['nul']} of {r['n']} lines hold NUL bytes, {r['undecodable']} are not UTF-8"
    _append(job, spark, source.where(~F.col("_source_file").isin(list(bad))) if bad else source, stream_id, batch_id)
    if bad:
        _record_files(spark, job, bad, sizes, stream_id, batch_id)


def _append(job, spark, lines, stream_id, batch_id):
    if job.forgotten_expr:
        lines = lines.where(f"NOT coalesce({job.forgotten_expr}, false)")
    if job.location:
        faults.crash_when_files_appear("ingest.write", job.location)
    conflicts.with_retry(spark, job.conflicts_table, job.run_id, job.bronze["table"], "ingest append", lambda: (
        lines.drop("_file_size").write.format("delta").mode("append")
        .option("txnAppId", f"{stream_id}#bronze").option("txnVersion", batch_id)
        .option("userMetadata", commit_tag(job.attempt)).saveAsTable(job.bronze["table"])))


def _record_files(spark, job, bad, sizes, stream_id, batch_id):
    # one spelling for paths: the one `_metadata.file_path` (and so bronze's _source_file) uses
    rows = [(job.bronze["source"], job.bronze["table"], re.sub(r"^file:///", "file:/", path), sizes.get(path) or _size(spark, path),
             reason, job.run_id) for path, reason in sorted(bad.items())]
    df = spark.createDataFrame(rows, "source STRING, bronze_table STRING, path STRING, size BIGINT, reason STRING, run_id STRING")
    (df.withColumn("detected_at", F.current_timestamp()).select("source", "bronze_table", "path", "size", "reason", "detected_at", "run_id")
     .write.format("delta").mode("append")
     .option("txnAppId", f"{stream_id}#files").option("txnVersion", batch_id).saveAsTable(job.files_table))


def _size(spark, path):
    """Size of an unreadable file: listing reads no content (binaryFile prunes the content column)."""
    try:
        return spark.read.format("binaryFile").load(path).select("length").first()[0]
    except Exception:  # noqa: BLE001 - the size is a detail of the record, not a reason to fail
        return None


def ingest(ctx, path_name, bronze):
    """Incremental ingestion into a bronze table. The checkpoint's file log makes each landed file count once."""
    # AP: the Delta sink's commits carry no tag of this run; CP's appends do (commit_tag)
    before = latest_version(ctx.spark, bronze["table"]) if path_name == "AP" else None
    checkpoint = ctx.checkpoint(path_name, bronze["name"], "ingest")
    if path_name == "AP":
        query = start_ap(ctx, bronze, {"availableNow": True})
    else:
        job = IngestJob(bronze=bronze, checkpoint=checkpoint, metrics_table=ctx.plan["ops"]["batchMetricsTable"],
                        files_table=ctx.plan["ops"]["quarantinedFilesTable"], conflicts_table=ctx.plan["ops"]["writeConflictsTable"],
                        attempt=uuid.uuid4().hex, run_id=ctx.run_id,
                        location=ctx.table_location(bronze["table"]) if ctx.warehouse else None, auto_loader=ctx.auto_loader,
                        forgotten_expr=forget.manifest_line_expr(ctx))

        def handle(batch, batch_id):
            ingest_batch(job, batch, batch_id)

        query = (landed_files(ctx, path_name, bronze, lenient=False).writeStream.foreachBatch(handle)
                 .option("checkpointLocation", checkpoint).trigger(availableNow=True).start())
    query.awaitTermination()
    batches = run_log.batch_count(query)
    if batches == 0:
        rows = 0
    elif path_name == "AP":
        rows = _rows_written(ctx, bronze["table"], before)
    else:
        rows = _rows_tagged(ctx, bronze["table"], commit_tag(job.attempt), batches)
    run_log.note_progress(ctx, path_name, "ingest", bronze["table"], query, rows)
    ctx.metrics.setdefault("ingested", {})[bronze["table"]] = rows
    ctx.say(f"ingest {bronze['table']}: {rows} new lines")
    return rows


def start_ap(ctx, bronze, trigger):
    """AP bronze: the landed lines appended as they arrive, as the pipeline's `read_files` streaming table.
    `trigger`: availableNow for one update, processingTime for the continuous pipeline (see continuous.py)."""
    # as the pipeline's read_files: no deletion manifest here (the forget job re-applies requests to AP tables)
    stream = landed_files(ctx, "AP", bronze, lenient=True).drop("_file_size")
    writer = (stream.writeStream.format("delta").queryName(f"ap_bronze_{bronze['name']}")
              .option("checkpointLocation", ctx.checkpoint("AP", bronze["name"], "ingest")).trigger(**trigger))
    # locally the sink is the table's path: toTable() through the session catalog races when flows run in parallel
    return writer.start(ctx.table_location(bronze["table"])) if ctx.warehouse else writer.toTable(bronze["table"])


def bronze_table(bronze):
    """The bronze table, for tables.ensure_tables."""
    return TableSpec(bronze["table"], BRONZE_COLUMNS)


def commit_tag(attempt):
    """The commit metadata of one ingest run's bronze appends (Delta's `userMetadata` writer option,
    https://docs.databricks.com/aws/en/tables/operations/custom-metadata), which DESCRIBE HISTORY shows."""
    return f"lakebundle ingest {attempt}"


def _rows_tagged(ctx, table, tag, batches):
    """Rows this run appended: the tagged commits among the latest ones (`batches`, one per batch the query ran,
    plus room for other writers), so the read does not grow with the table's history; the whole
    history only when they are not all there (a batch Delta skipped as already committed, or progress
    not reported)."""
    if batches:
        tagged = ctx.spark.sql(f"DESCRIBE HISTORY {table} LIMIT {batches + 8}").where(F.col("userMetadata") == tag).collect()
        if len(tagged) >= batches:
            return _output_rows(tagged)
    return _output_rows(ctx.spark.sql(f"DESCRIBE HISTORY {table}").where(F.col("userMetadata") == tag).collect())


def _output_rows(history):
    return sum(int((h["operationMetrics"] or {}).get("numOutputRows", 0)) for h in history)


def _rows_written(ctx, table, since_version):
    return _output_rows(ctx.spark.sql(f"DESCRIBE HISTORY {table}").where(f"version > {since_version}").collect())
