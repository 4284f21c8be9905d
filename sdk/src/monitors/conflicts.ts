import { conflictCountsSql, failedConflictRunsSql } from "./check-sql.ts";
import { finding, type Finding } from "./finding.ts";
import { num, shortName, type MonitorContext } from "./monitor-context.ts";

/**
 * Delta write conflicts the task code recorded (ops.write_conflicts) within the window, per table: a
 * write that gave up after every retry is a lost write; many retries mean writers keep colliding. Plus
 * task runs that failed with a conflict error class (ops.task_runs): a conflict outside the retried
 * writes (a streaming sink's commit) fails its task, and Databricks' task retry is then the only retry.
 */
export async function conflicts(ctx: MonitorContext): Promise<Finding[]> {
  return [...(await recorded(ctx)), ...(await failedRuns(ctx))];
}

async function recorded(ctx: MonitorContext): Promise<Finding[]> {
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

async function failedRuns(ctx: MonitorContext): Promise<Finding[]> {
  const runs = ctx.plan.ops.taskRunsTable;
  if (!runs || !(await ctx.exists(runs))) return [];
  const r = await ctx.query(failedConflictRunsSql(ctx.table(runs), ctx.thresholds.windowSeconds));
  const { maxFailed } = ctx.thresholds.conflicts;
  return r.rows.map(([path, task, cls, n]) => finding("conflicts", `${String(path)} task ${String(task)} ${String(cls)}`, "failed_runs", num(n), maxFailed, num(n) > maxFailed,
    `${num(n)} run(s) failed on a write conflict in the last ${ctx.thresholds.windowSeconds} s (threshold ${maxFailed})`));
}
