import { finding, type Finding } from "./finding.ts";
import { parseTimestamp, shortName, type MonitorContext } from "./monitor-context.ts";

/** Seconds since each bronze, silver and gold table's last Delta commit, against its layer's SLA. */
export async function freshness(ctx: MonitorContext): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const path of Object.values(ctx.plan.paths)) {
    const layers: [keyof MonitorContext["thresholds"]["freshnessSeconds"], string[]][] = [
      ["bronze", path.bronze.map((b) => b.table)],
      ["silver", path.silver.map((s) => s.table)],
      ["gold", path.gold.map((g) => g.table)],
    ];
    for (const [layer, tables] of layers) {
      const sla = ctx.thresholds.freshnessSeconds[layer];
      for (const t of tables) {
        if (!(await ctx.exists(t))) {
          out.push(finding("freshness", shortName(t), "seconds_since_commit", Infinity, sla, true, `never written (SLA ${sla} s)`));
          continue;
        }
        const history = await ctx.query(`DESCRIBE HISTORY ${ctx.table(t)} LIMIT 1`);
        const col = history.columns.findIndex((c) => c.name === "timestamp");
        const last = parseTimestamp(history.rows[0]?.[col]);
        const age = last ? Math.max(0, Math.round((ctx.now.getTime() - last.getTime()) / 1000)) : Infinity;
        out.push(finding("freshness", shortName(t), "seconds_since_commit", age, sla, age > sla, `last commit ${age} s ago (${layer} SLA ${sla} s)`));
      }
    }
  }
  return out;
}
