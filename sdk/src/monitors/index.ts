import { conflicts } from "./conflicts.ts";
import { cost } from "./cost.ts";
import { failedLoads } from "./failed-loads.ts";
import type { Finding, MonitorKind } from "./finding.ts";
import { freshness } from "./freshness.ts";
import { lag } from "./lag.ts";
import type { MonitorContext } from "./monitor-context.ts";
import { quality } from "./quality.ts";

export type { Finding, MonitorKind } from "./finding.ts";
export { monitorKinds } from "./finding.ts";
export type { MonitorContext, MonitorPlan } from "./monitor-context.ts";
export { postWebhook } from "./webhook.ts";
export { localMonitorContext } from "./local-context.ts";
export { warehouseMonitorContext } from "./warehouse-context.ts";

const monitors: Record<MonitorKind, (ctx: MonitorContext) => Promise<Finding[]>> = {
  lag,
  freshness,
  conflicts,
  quality,
  "failed-loads": failedLoads,
  cost,
};

/** Runs the chosen monitors in a fixed order; every finding is kept, breached or not. */
export async function runMonitors(kinds: readonly MonitorKind[], ctx: MonitorContext): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const k of kinds) out.push(...(await monitors[k](ctx)));
  return out;
}
