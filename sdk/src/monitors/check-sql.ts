/**
 * SQL of the monitor checks that are one statement each, shared by `lakebundle monitor` (which reads every
 * row through a MonitorContext) and the bundle's SQL alerts on Databricks (which compare one value: the
 * `worst…` forms wrap the same statement and keep its worst row). Pure: resolved table names and
 * thresholds in, SQL text out; the caller decides how names resolve (local engine or deployed bundle).
 */

/** Where the monitors' window starts (`monitors.window`). */
export function windowStart(windowSeconds: number): string {
  return `current_timestamp() - INTERVAL ${windowSeconds} SECONDS`;
}

/** Retried and given-up Delta write conflicts per table and exception class within the window (ops.write_conflicts). */
export function conflictCountsSql(writeConflicts: string, windowSeconds: number): string {
  return `SELECT table_name, exception_class, sum(CASE WHEN outcome = 'retried' THEN 1 ELSE 0 END) AS retried,
    sum(CASE WHEN outcome = 'gave_up' THEN 1 ELSE 0 END) AS gave_up FROM ${writeConflicts}
    WHERE recorded_at >= ${windowStart(windowSeconds)} GROUP BY table_name, exception_class ORDER BY table_name, exception_class`;
}

/**
 * Task runs that failed on a Delta write conflict within the window, per task and error class: the
 * exception class names Delta throws and their error conditions (DELTA_CONCURRENT_*, DELTA_METADATA_CHANGED,
 * DELTA_PROTOCOL_CHANGED), as jobs/lakebundle_jobs/conflicts.py recognises them.
 */
export function failedConflictRunsSql(taskRuns: string, windowSeconds: number): string {
  return `SELECT path, task, error_class, count(*) AS failed FROM ${taskRuns}
    WHERE status = 'failed' AND started_at >= ${windowStart(windowSeconds)}
      AND (error_class RLIKE '^(Concurrent[A-Za-z]*Exception|MetadataChangedException|ProtocolChangedException|DELTA_CONCURRENT_.*|DELTA_METADATA_CHANGED|DELTA_PROTOCOL_CHANGED)$'
        OR error LIKE '%Concurrent%Exception%')
    GROUP BY path, task, error_class ORDER BY path, task, error_class`;
}

/** The table and exception class with the most conflicts of one outcome (the monitor's subject: `schema.table class`). */
export function worstConflictSql(writeConflicts: string, windowSeconds: number, outcome: "retried" | "gave_up"): string {
  return worstRow(`concat_ws(' ', ${subjectOf("table_name")}, exception_class) AS subject, ${outcome}`, conflictCountsSql(writeConflicts, windowSeconds), outcome);
}

/**
 * Landed and invalid rows of each silver table's latest stream run (its `attempt`) that read rows (the merge
 * step's records land nothing), from ops.batch_metrics.
 */
export function expectationRatesSql(batchMetrics: string): string {
  return `WITH latest AS (SELECT table_name, max_by(attempt, recorded_at) AS attempt FROM ${batchMetrics} WHERE gate_error IS NULL AND landed > 0 GROUP BY table_name)
    SELECT m.table_name, sum(m.landed) AS landed, sum(m.invalid) AS invalid FROM ${batchMetrics} m JOIN latest l ON m.table_name = l.table_name AND m.attempt = l.attempt
    WHERE m.gate_error IS NULL GROUP BY m.table_name ORDER BY m.table_name`;
}

/** The silver table whose latest run failed expectations most: rows failing any expectation / rows landed. */
export function worstExpectationRateSql(batchMetrics: string): string {
  // the rate as the monitor computes it: a run that landed nothing failed nothing
  const rate = "CASE WHEN landed = 0 THEN 0.0 ELSE invalid / landed END AS failure_rate";
  return worstRow(`${subjectOf("table_name")} AS subject, landed, invalid, ${rate}`, expectationRatesSql(batchMetrics), "failure_rate");
}

/** Landed files quarantined whole within the window (ops.quarantined_files), by path. */
export function quarantinedFilesSql(quarantinedFiles: string, windowSeconds: number): string {
  return `SELECT source, path, reason FROM ${quarantinedFiles} WHERE detected_at >= ${windowStart(windowSeconds)} ORDER BY path`;
}

/** How many files were quarantined whole in the window, with the first three (file name and reason) as the monitor shows them. */
export function quarantinedFilesCountSql(quarantinedFiles: string, windowSeconds: number): string {
  const sample = "concat_ws(', ', slice(array_sort(collect_list(element_at(split(path, '/'), -1) || ' (' || reason || ')')), 1, 3))";
  return `SELECT 'ops.quarantined_files' AS subject, count(*) AS quarantined_files, ${sample} AS sample\nFROM (${quarantinedFilesSql(quarantinedFiles, windowSeconds)})`;
}

/**
 * Every stream trigger since `since` (a SQL timestamp expression) from ops.stream_progress: rows read, seconds it
 * took (`busy`) and seconds since the same stream's previous trigger (`gap`, Spark's inputRowsPerSecond
 * denominator carried across runs). rows / gap is the input rate, rows / busy the processed rate.
 */
export function streamTriggersSql(streamProgress: string, since: string): string {
  return `SELECT recorded_at, path, table_name, step, num_input_rows AS n, duration_ms / 1000.0 AS busy,
      (unix_millis(recorded_at) - unix_millis(lag(recorded_at) OVER (PARTITION BY table_name, step ORDER BY recorded_at))) / 1000.0 AS gap
    FROM ${streamProgress} WHERE recorded_at >= ${since}`;
}

/** Per stream (table and step) over the window's triggers that read rows: input and processed rate. */
export function streamRatesSql(streamProgress: string, windowSeconds: number): string {
  return `WITH p AS (${streamTriggersSql(streamProgress, windowStart(windowSeconds))})
    SELECT table_name, step, count(*) AS batches, sum(n) / sum(gap) AS input_rate, sum(n) / sum(busy) AS processed_rate
    FROM p WHERE n > 0 AND gap > 0 AND busy > 0 GROUP BY table_name, step ORDER BY table_name, step`;
}

/** A table and the SQL of the scalar time of its last write (the newest `_ingested_at`, a publish-log row). */
export interface LastWrite {
  /** `schema.table`, as the monitors name a table. */
  readonly subject: string;
  /** A query returning one timestamp (NULL: nothing written yet). */
  readonly sql: string;
}

/** A table that never received a row has no age: it counts as this old (68 years), so it always breaches. */
export const NEVER_WRITTEN_SECONDS = 2_147_483_647;

/** Seconds since each table's last write. */
export function writeAgesSql(tables: readonly LastWrite[]): string {
  const rows = tables.map((t) => `  SELECT ${sqlString(t.subject)} AS subject, (${t.sql}) AS last_write`).join("\n  UNION ALL\n");
  const age = `coalesce(timestampdiff(SECOND, last_write, current_timestamp()), ${NEVER_WRITTEN_SECONDS}) AS seconds_since_write`;
  return `SELECT subject, last_write, ${age}\nFROM (\n${rows}\n)`;
}

/** The stalest of the given tables. */
export function worstWriteAgeSql(tables: readonly LastWrite[]): string {
  return worstRow("subject, last_write, seconds_since_write", writeAgesSql(tables), "seconds_since_write");
}

/** `schema.table` of a three-part name column, as `shortName` shows a table. */
function subjectOf(column: string): string {
  return `substring_index(${column}, '.', -2)`;
}

/** The one row an alert evaluates: the largest `metric` (ties by subject, so the row is stable). */
function worstRow(select: string, from: string, metric: string): string {
  return `SELECT ${select}\nFROM (${from})\nORDER BY ${metric} DESC, subject\nLIMIT 1`;
}

function sqlString(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
