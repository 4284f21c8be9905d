import type { EnginePlan } from "../../compile/engine-plan.ts";
import type { BundleIR } from "../../ir/index.ts";
import { quarantinedFilesCountSql, worstConflictSql, worstExpectationRateSql, worstWriteAgeSql } from "../../monitors/check-sql.ts";
import { lastWrites } from "./last-writes.ts";

/**
 * Every 15 minutes, UTC. An alert runs its query on the SQL warehouse; polled more often than the
 * warehouse's auto-stop, a warehouse never stops. Development targets pause every alert through this
 * variable: development mode pauses job schedules but not alert schedules (it only prefixes their names).
 */
export const ALERT_PAUSE_VARIABLE = "alert_pause_status";
const schedule = { quartz_cron_schedule: "0 0/15 * * * ?", timezone_id: "UTC", pause_status: `\${var.${ALERT_PAUSE_VARIABLE}}` };

/** One monitor check as an alert: its query returns one row, the worst, and `column` is compared with `threshold`. */
interface Check {
  readonly key: string;
  readonly title: string;
  readonly sql: string;
  readonly column: string;
  readonly threshold: number;
  readonly description: string;
}

/**
 * SQL alerts (alerts v2, https://docs.databricks.com/aws/en/dev-tools/bundles/resources#alert) running the
 * checks of `lakebundle monitor` on the deployed tables, with the thresholds compiled from the spec's
 * `monitors` block: the same SQL (monitors/check-sql.ts), wrapped to keep the worst row, compared the way
 * the monitor does (`value > threshold` breaches). Freshness reads the tables' own write times instead of
 * `DESCRIBE HISTORY` (see last-writes.ts). The ops tables are written by the CP task code, so their checks
 * exist only with a CP path. `name` resolves a plan table name to the deployed one.
 */
export function alertResources(ir: BundleIR, plan: EnginePlan, name: (planTable: string) => string): Record<string, unknown> {
  const m = ir.monitors;
  const window = `in the last ${m.windowSeconds} s (monitors.window)`;
  const checks: Check[] = [];
  for (const layer of ["bronze", "silver", "gold"] as const) {
    const tables = lastWrites(plan, layer, name);
    if (tables.length === 0) continue;
    checks.push({
      key: `freshness_${layer}`, title: `${layer} freshness`, sql: worstWriteAgeSql(tables), column: "seconds_since_write", threshold: m.freshnessSeconds[layer],
      description: `lakebundle monitor freshness: seconds since the stalest ${layer} table was last written, against monitors.freshness.${layer}.`,
    });
  }
  if (plan.paths.CP) {
    const conflicts = name(plan.ops.writeConflictsTable);
    checks.push(
      {
        key: "conflicts_retried", title: "write conflicts retried", sql: worstConflictSql(conflicts, m.windowSeconds, "retried"), column: "retried",
        threshold: m.conflicts.maxRetried, description: `lakebundle monitor conflicts: Delta write conflicts retried per table and exception class ${window}, against monitors.conflicts.maxRetried.`,
      },
      {
        key: "conflicts_gave_up", title: "writes lost to conflicts", sql: worstConflictSql(conflicts, m.windowSeconds, "gave_up"), column: "gave_up",
        threshold: m.conflicts.maxFailed, description: `lakebundle monitor conflicts: writes that gave up after every retry ${window}, against monitors.conflicts.maxFailed.`,
      },
      {
        key: "expectation_failures", title: "expectation failure rate", sql: worstExpectationRateSql(name(plan.ops.batchMetricsTable)), column: "failure_rate",
        threshold: m.quality.maxFailureRate, description: "lakebundle monitor quality: rows failing any expectation / rows landed in each silver table's latest run, against monitors.quality.maxFailureRate.",
      },
      {
        key: "quarantined_files", title: "files quarantined whole", sql: quarantinedFilesCountSql(name(plan.ops.quarantinedFilesTable), m.windowSeconds), column: "quarantined_files",
        threshold: m.failedLoads.maxQuarantinedFiles, description: `lakebundle monitor failed-loads: landed files quarantined whole ${window}, against monitors.failedLoads.maxQuarantinedFiles.`,
      },
    );
  }
  const notify = [...new Set([...(ir.paths.AP?.execution.notifyOnFailure ?? []), ...(ir.paths.CP?.execution.notifyOnFailure ?? [])])].sort();
  return Object.fromEntries(checks.map((c) => [`${ir.resourceKey}_${c.key}`, alert(ir, c, notify)]));
}

function alert(ir: BundleIR, c: Check, notify: readonly string[]): Record<string, unknown> {
  return {
    display_name: `${ir.name}: ${c.title}`,
    query_text: c.sql,
    warehouse_id: "${var.warehouse_id}",
    evaluation: {
      source: { name: c.column, display: c.column },
      comparison_operator: "GREATER_THAN",
      threshold: { value: { double_value: c.threshold } },
      // no row: nothing recorded in the window, as the monitor reports it (no breach)
      empty_result_state: "OK",
      ...(notify.length > 0 ? { notification: { notify_on_ok: true, subscriptions: notify.map((user_email) => ({ user_email })) } } : {}),
    },
    schedule,
    // the row's subject names what breached (the custom template iterates the query's rows:
    // https://docs.databricks.com/aws/en/sql/user/alerts/)
    custom_summary: `${ir.name} ${c.title}: {{#QUERY_RESULT_ROWS}}{{subject}} {{${c.column}}}{{/QUERY_RESULT_ROWS}} (threshold ${c.threshold})`,
    custom_description: c.description,
  };
}
