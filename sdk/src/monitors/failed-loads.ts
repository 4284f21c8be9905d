import { quarantinedFilesSql, windowStart } from "./check-sql.ts";
import { finding, type Finding } from "./finding.ts";
import { num, shortName, type MonitorContext } from "./monitor-context.ts";

/**
 * Failed loads within the window: landed files quarantined whole (ops.quarantined_files), batches a data
 * gate stopped (ops.batch_metrics.gate_error), failed task runs (ops.task_runs) that no later run of the
 * same task made good, and a quarantine spike — the latest run's
 * invalid rate against the earlier runs' rate.
 */
export async function failedLoads(ctx: MonitorContext): Promise<Finding[]> {
  const out: Finding[] = [];
  const win = windowStart(ctx.thresholds.windowSeconds);
  const { maxQuarantinedFiles, maxInvalidRateRatio } = ctx.thresholds.failedLoads;
  const files = ctx.plan.ops.quarantinedFilesTable;
  if (files && (await ctx.exists(files))) {
    const r = await ctx.query(quarantinedFilesSql(ctx.table(files), ctx.thresholds.windowSeconds));
    const sample = r.rows.slice(0, 3).map(([, p, why]) => `${String(p).split("/").pop()} (${why})`).join(", ");
    out.push(finding("failed-loads", shortName(files), "quarantined_files", r.rows.length, maxQuarantinedFiles, r.rows.length > maxQuarantinedFiles,
      `${r.rows.length} landed file(s) quarantined whole in the last ${ctx.thresholds.windowSeconds} s${sample ? `: ${sample}` : ""} (threshold ${maxQuarantinedFiles})`));
  }
  out.push(...(await failedTasks(ctx, win)));
  const metrics = ctx.plan.ops.batchMetricsTable;
  if (!metrics || !(await ctx.exists(metrics))) return out;
  const gates = await ctx.query(`SELECT table_name, count(*) AS n, max_by(gate_error, recorded_at) AS last_error FROM ${ctx.table(metrics)}
    WHERE gate_error IS NOT NULL AND recorded_at >= ${win} GROUP BY table_name ORDER BY table_name`);
  for (const [table, n, error] of gates.rows) {
    out.push(finding("failed-loads", shortName(String(table)), "failed_batches", num(n), 0, true, `${num(n)} batch(es) stopped by a data gate: ${String(error).split("\n")[0]}`));
  }
  const rates = await ctx.query(`WITH runs AS (SELECT table_name, attempt, min(recorded_at) AS started, sum(landed) AS landed, sum(invalid) AS invalid
      FROM ${ctx.table(metrics)} WHERE gate_error IS NULL GROUP BY table_name, attempt HAVING sum(landed) > 0),
    ranked AS (SELECT *, row_number() OVER (PARTITION BY table_name ORDER BY started DESC) AS k FROM runs)
    SELECT table_name, sum(CASE WHEN k = 1 THEN invalid ELSE 0 END) AS inv_now, sum(CASE WHEN k = 1 THEN landed ELSE 0 END) AS landed_now,
      sum(CASE WHEN k > 1 THEN invalid ELSE 0 END) AS inv_before, sum(CASE WHEN k > 1 THEN landed ELSE 0 END) AS landed_before
    FROM ranked GROUP BY table_name ORDER BY table_name`);
  for (const [table, invNow, landedNow, invBefore, landedBefore] of rates.rows) {
    if (num(landedNow) === 0 || num(landedBefore) === 0) continue;
    const now = num(invNow) / num(landedNow);
    const before = num(invBefore) / num(landedBefore);
    // a clean history has no rate to multiply: then 1% invalid is the spike
    const threshold = Math.max(before * maxInvalidRateRatio, 0.01);
    out.push(finding("failed-loads", shortName(String(table)), "invalid_rate", Math.round(now * 10_000) / 10_000, Math.round(threshold * 10_000) / 10_000, now > threshold,
      `latest run quarantined ${(now * 100).toFixed(1)}% of its ${num(landedNow)} landed row(s) vs ${(before * 100).toFixed(1)}% before (threshold ${(threshold * 100).toFixed(1)}% = ${maxInvalidRateRatio}× the earlier rate, at least 1%)`));
  }
  return out;
}

/** Tasks whose latest run in the window failed (a retried task that then succeeded is not a failed load). */
async function failedTasks(ctx: MonitorContext, win: string): Promise<Finding[]> {
  const runs = ctx.plan.ops.taskRunsTable;
  if (!runs || !(await ctx.exists(runs))) return [];
  const r = await ctx.query(`SELECT path, task, count_if(status = 'failed') AS failed, max_by(status, ended_at) AS last_status,
      max_by(error_class, ended_at) AS error_class, max_by(error, ended_at) AS error
    FROM ${ctx.table(runs)} WHERE started_at >= ${win} GROUP BY path, task ORDER BY path, task`);
  return r.rows.filter(([, , failed]) => num(failed) > 0).map(([path, task, failed, last, cls, error]) => {
    const open = last === "failed";
    return finding("failed-loads", `${String(path)} task ${String(task)}`, "failed_task_runs", open ? 1 : 0, 0, open,
      open ? `latest run failed (${String(cls)}): ${String(error ?? "").slice(0, 200)}; ${num(failed)} failed run(s) in the window`
        : `${num(failed)} failed run(s) in the window, retried successfully since`);
  });
}
