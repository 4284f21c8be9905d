import { conflictCountsSql } from "./check-sql.ts";
import { finding, type Finding } from "./finding.ts";
import { num, shortName, type MonitorContext } from "./monitor-context.ts";

/**
 * Delta write conflicts the task code recorded (ops.write_conflicts) within the window, per table: a
 * write that gave up after every retry is a lost write; many retries mean writers keep colliding.
 */
export async function conflicts(ctx: MonitorContext): Promise<Finding[]> {
  const t = ctx.plan.ops.writeConflictsTable;
  if (!t || !(await ctx.exists(t))) return [finding("conflicts", "ops.write_conflicts", "conflicts", 0, ctx.thresholds.conflicts.maxRetried, false, "no conflict recorded yet")];
  const r = await ctx.query(conflictCountsSql(ctx.table(t), ctx.thresholds.windowSeconds));
  const { maxRetried, maxFailed } = ctx.thresholds.conflicts;
  if (r.rows.length === 0) return [finding("conflicts", shortName(t), "conflicts", 0, maxRetried, false, `no conflict in the last ${ctx.thresholds.windowSeconds} s`)];
  const out: Finding[] = [];
  for (const [table, cls, retried, gaveUp] of r.rows) {
    const subject = `${shortName(String(table))} ${cls}`;
    out.push(finding("conflicts", subject, "retried", num(retried), maxRetried, num(retried) > maxRetried, `${num(retried)} retried conflict(s) in the last ${ctx.thresholds.windowSeconds} s (threshold ${maxRetried})`));
    out.push(finding("conflicts", subject, "gave_up", num(gaveUp), maxFailed, num(gaveUp) > maxFailed, `${num(gaveUp)} write(s) gave up after every retry (threshold ${maxFailed})`));
  }
  return out;
}
