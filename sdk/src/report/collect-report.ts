import { streamTriggersSql, windowStart } from "../monitors/check-sql.ts";
import { num, parseTimestamp, shortName, type MonitorContext } from "../monitors/monitor-context.ts";
import type { Finding } from "../monitors/index.ts";
import type { ReportChart, ReportData } from "./report-data.ts";

type Point = { x: number; series: string; value: number | null };

/**
 * The figures of the report, over time, from the same engine-neutral SQL the monitors use: stream
 * progress (rates), Delta commit history (freshness), batch metrics (quality), write conflicts and task
 * runs (durations, cost). A chart whose table does not exist yet is kept, empty ("no data yet").
 */
export async function collectReport(ctx: MonitorContext, bundle: string, source: string, findings: Finding[]): Promise<ReportData> {
  const win = windowStart(ctx.thresholds.windowSeconds);
  const ops = ctx.plan.ops;
  const t = ctx.thresholds;
  const charts: ReportChart[] = [
    chart("lag", "Input vs processed rate", "rows/s", await rows(ctx, ops.streamProgressTable, (tbl) => `
      WITH p AS (${streamTriggersSql(tbl, win)})
      SELECT date_trunc('MINUTE', recorded_at) AS at, 'processed' AS series, sum(n) / sum(busy) AS value FROM p WHERE n > 0 AND busy > 0 GROUP BY 1
      UNION ALL
      SELECT date_trunc('MINUTE', recorded_at), 'arriving', sum(n) / sum(gap) FROM p WHERE n > 0 AND gap > 0 GROUP BY 1`),
    "Rows per second all streams processed (rows / trigger time) and received (rows / time between triggers), per minute; from ops.stream_progress."),
    ...(await freshnessCharts(ctx)),
    chart("quality", "Expectation failure rate per run", "%", await rows(ctx, ops.batchMetricsTable, (tbl) => `
      SELECT min(recorded_at) AS at, table_name AS series, 100.0 * sum(invalid) / sum(landed) AS value
      FROM ${tbl} WHERE gate_error IS NULL AND recorded_at >= ${win} GROUP BY table_name, attempt HAVING sum(landed) > 0`),
    "Rows failing any expectation per silver run, by table; from ops.batch_metrics.", t.quality.maxFailureRate * 100),
    chart("conflicts", "Delta write conflicts", "conflicts", await rows(ctx, ops.writeConflictsTable, (tbl) => `
      SELECT date_trunc('HOUR', recorded_at) AS at, outcome AS series, count(*) AS value
      FROM ${tbl} WHERE outcome <> 'succeeded' AND recorded_at >= ${win} GROUP BY 1, 2`),
    "Conflicts per hour by outcome (retried, gave up); from ops.write_conflicts.", t.conflicts.maxRetried),
    chart("tasks", "Task run durations", "s", await rows(ctx, ops.taskRunsTable, (tbl) => `
      SELECT started_at AS at, concat(path, ' ', task, CASE WHEN status = 'failed' THEN ' (failed)' ELSE '' END) AS series, seconds AS value
      FROM ${tbl} WHERE started_at >= ${win}`),
    `Seconds per task run; the cost estimate multiplies them by ${t.cost.dbuPerHour} DBU/h × $${t.cost.usdPerDbu}/DBU; from ops.task_runs.`),
  ];
  return { bundle, source, at: ctx.now.toISOString(), charts, findings };
}

/** One chart per layer: at each commit, how long the table had gone without one (the freshness the SLA bounds). */
async function freshnessCharts(ctx: MonitorContext): Promise<ReportChart[]> {
  const layers: Record<"bronze" | "silver" | "gold", Point[]> = { bronze: [], silver: [], gold: [] };
  const since = ctx.now.getTime() - ctx.thresholds.windowSeconds * 1000;
  for (const path of Object.values(ctx.plan.paths)) {
    const tables: ["bronze" | "silver" | "gold", string][] = [
      ...path.bronze.map((b) => ["bronze", b.table] as ["bronze", string]),
      ...path.silver.map((s) => ["silver", s.table] as ["silver", string]),
      ...path.gold.map((g) => ["gold", g.table] as ["gold", string]),
    ];
    for (const [layer, table] of tables) {
      if (!(await ctx.exists(table))) continue;
      const h = await ctx.query(`DESCRIBE HISTORY ${ctx.table(table)} LIMIT 200`);
      const col = h.columns.findIndex((c) => c.name === "timestamp");
      const times = h.rows.map((r) => parseTimestamp(r[col])?.getTime()).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
      times.forEach((at, i) => {
        if (i === 0 || at < since) return;
        layers[layer].push({ x: Math.floor(at / 1000), series: shortName(table), value: Math.round((at - times[i - 1]!) / 1000) });
      });
    }
  }
  return (["bronze", "silver", "gold"] as const).map((layer) => chart(`freshness-${layer}`, `Freshness: ${layer}`, "s", layers[layer],
    `Seconds between consecutive Delta commits of each ${layer} table (its age just before each write), against the ${layer} SLA; from DESCRIBE HISTORY.`,
    ctx.thresholds.freshnessSeconds[layer]));
}

async function rows(ctx: MonitorContext, planTable: string | undefined, sql: (table: string) => string): Promise<Point[]> {
  if (!planTable || !(await ctx.exists(planTable))) return [];
  const r = await ctx.query(sql(ctx.table(planTable)));
  return r.rows.flatMap(([at, series, value]) => {
    const d = parseTimestamp(at);
    return d ? [{ x: Math.floor(d.getTime() / 1000), series: shortName(String(series)), value: value === null ? null : Math.round(num(value) * 1000) / 1000 }] : [];
  });
}

/** Points → one x axis (ascending) and one aligned series per name (null where a series has no point). */
function chart(id: string, title: string, unit: string, points: Point[], note: string, threshold?: number): ReportChart {
  const x = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const index = new Map(x.map((v, i) => [v, i]));
  const names = [...new Set(points.map((p) => p.series))].sort();
  const series = names.map((label) => {
    const values: (number | null)[] = x.map(() => null);
    for (const p of points) if (p.series === label) values[index.get(p.x)!] = p.value;
    return { label, values };
  });
  return { id, title, unit, x, series, note, ...(threshold !== undefined && Number.isFinite(threshold) ? { threshold } : {}) };
}
