import { expectationRatesSql } from "./check-sql.ts";
import { finding, type Finding } from "./finding.ts";
import { num, shortName, type MonitorContext } from "./monitor-context.ts";

/**
 * Quality drift: the expectation failure rate of each silver table's latest run (ops.batch_metrics),
 * and each stored column's null rate among rows ingested within the window against the rows before it
 * (the trailing baseline). Columns that are null by design stay quiet: only the increase counts.
 */
export async function quality(ctx: MonitorContext): Promise<Finding[]> {
  const out: Finding[] = [];
  const { maxFailureRate, maxNullRateIncrease } = ctx.thresholds.quality;
  for (const path of Object.values(ctx.plan.paths)) {
    for (const s of path.silver) {
      if (!(await ctx.exists(s.table))) continue;
      const cols = s.storedColumns.filter((c) => !c.startsWith("_"));
      const recent = `_ingested_at >= (SELECT max(_ingested_at) FROM ${ctx.table(s.table)}) - INTERVAL ${ctx.thresholds.windowSeconds} SECONDS`;
      const sel = cols.map((c) => `avg(CASE WHEN ${c} IS NULL THEN 1.0 ELSE 0.0 END) AS \`${c}\``).join(", ");
      const now = await ctx.query(`SELECT count(*) AS n, ${sel} FROM ${ctx.table(s.table)} WHERE ${recent}`);
      const before = await ctx.query(`SELECT count(*) AS n, ${sel} FROM ${ctx.table(s.table)} WHERE NOT (${recent})`);
      const [nNow, ...ratesNow] = now.rows[0] ?? [];
      const [nBefore, ...ratesBefore] = before.rows[0] ?? [];
      if (num(nNow) === 0 || num(nBefore) === 0) continue;
      cols.forEach((c, i) => {
        const increase = num(ratesNow[i]) - num(ratesBefore[i]);
        out.push(finding("quality", `${shortName(s.table)}.${c}`, "null_rate_increase", round(increase), maxNullRateIncrease, increase > maxNullRateIncrease,
          `null rate ${pct(num(ratesNow[i]))} in the ${num(nNow)} row(s) of the last ${ctx.thresholds.windowSeconds} s of ingestion vs ${pct(num(ratesBefore[i]))} in the ${num(nBefore)} before (max increase ${pct(maxNullRateIncrease)})`));
      });
    }
  }
  out.push(...(await expectationRates(ctx, maxFailureRate)));
  return out;
}

/** Rows failing any expectation / rows landed, over each silver table's latest stream run (its `attempt`) that read rows (the merge step's records land nothing). */
async function expectationRates(ctx: MonitorContext, max: number): Promise<Finding[]> {
  const t = ctx.plan.ops.batchMetricsTable;
  if (!t || !(await ctx.exists(t))) return [];
  const r = await ctx.query(expectationRatesSql(ctx.table(t)));
  return r.rows.map(([table, landed, invalid]) => {
    const rate = num(landed) === 0 ? 0 : num(invalid) / num(landed);
    return finding("quality", shortName(String(table)), "expectation_failure_rate", round(rate), max, rate > max,
      `${num(invalid)} of ${num(landed)} landed row(s) failed an expectation in its latest run: ${pct(rate)} (max ${pct(max)})`);
  });
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
