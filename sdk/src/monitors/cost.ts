import { finding, type Finding } from "./finding.ts";
import { num, type MonitorContext } from "./monitor-context.ts";

const MONTH_SECONDS = 30 * 24 * 3600;

/**
 * Compute cost over the window, projected to 30 days, against the spec's monthly budget.
 * Where the engine has Databricks billing (system tables) it is DBUs × list price of the deployed job and
 * pipeline; otherwise it is estimated from the task run seconds in ops.task_runs × the spec's compute size.
 */
export async function cost(ctx: MonitorContext): Promise<Finding[]> {
  const { monthlyBudgetUsd, dbuPerHour, usdPerDbu } = ctx.thresholds.cost;
  const measured = ctx.billing ? await billedUsd(ctx, ctx.billing) : await estimatedUsd(ctx, dbuPerHour, usdPerDbu);
  if (!measured) return [];
  const projected = Math.round((measured.usd * MONTH_SECONDS) / ctx.thresholds.windowSeconds * 100) / 100;
  const budget = monthlyBudgetUsd ?? Infinity;
  return [finding("cost", "compute", "projected_monthly_usd", projected, budget, projected > budget,
    `$${measured.usd.toFixed(2)} in the last ${ctx.thresholds.windowSeconds} s (${measured.basis}) → $${projected.toFixed(2)} per 30 days` +
    (monthlyBudgetUsd === null ? " (no budget in the spec: set monitors.cost.monthlyBudget)" : ` (budget $${monthlyBudgetUsd})`))];
}

async function estimatedUsd(ctx: MonitorContext, dbuPerHour: number, usdPerDbu: number): Promise<{ usd: number; basis: string } | null> {
  const runs = ctx.plan.ops.taskRunsTable;
  if (!runs || !(await ctx.exists(runs))) return null;
  const r = await ctx.query(`SELECT coalesce(sum(seconds), 0) AS seconds, count(*) AS tasks FROM ${ctx.table(runs)}
    WHERE started_at >= current_timestamp() - INTERVAL ${ctx.thresholds.windowSeconds} SECONDS`);
  const [seconds, tasks] = (r.rows[0] ?? [0, 0]).map(num) as [number, number];
  const dbus = (seconds / 3600) * dbuPerHour;
  return { usd: dbus * usdPerDbu, basis: `estimate: ${tasks} task run(s), ${seconds.toFixed(1)} s × ${dbuPerHour} DBU/h × $${usdPerDbu}/DBU` };
}

/**
 * system.billing.usage priced with system.billing.list_prices, as in the Databricks docs' cost queries
 * (https://docs.databricks.com/aws/en/admin/system-tables/billing, .../system-tables/jobs-cost). Usage
 * records typically arrive within hours, so a window of a day or more is what this can judge.
 */
async function billedUsd(ctx: MonitorContext, billing: NonNullable<MonitorContext["billing"]>): Promise<{ usd: number; basis: string } | null> {
  const ids = (xs: readonly string[]) => xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(", ");
  const owned = [
    ...(billing.jobIds.length ? [`u.usage_metadata.job_id IN (${ids(billing.jobIds)})`] : []),
    ...(billing.pipelineIds.length ? [`u.usage_metadata.dlt_pipeline_id IN (${ids(billing.pipelineIds)})`] : []),
  ];
  if (owned.length === 0) return null;
  const r = await ctx.query(`SELECT coalesce(sum(u.usage_quantity * p.pricing.effective_list.default), 0) AS usd, coalesce(sum(u.usage_quantity), 0) AS dbus
    FROM system.billing.usage u JOIN system.billing.list_prices p
      ON u.cloud = p.cloud AND u.sku_name = p.sku_name AND u.usage_start_time >= p.price_start_time
      AND (p.price_end_time IS NULL OR u.usage_end_time <= p.price_end_time)
    WHERE u.usage_unit = 'DBU' AND u.usage_start_time >= current_timestamp() - INTERVAL ${ctx.thresholds.windowSeconds} SECONDS
      AND (${owned.join(" OR ")})`);
  const [usd, dbus] = (r.rows[0] ?? [0, 0]).map(num) as [number, number];
  return { usd, basis: `system.billing.usage: ${dbus.toFixed(2)} DBU at list price, ${billing.jobIds.length} job(s), ${billing.pipelineIds.length} pipeline(s)` };
}
