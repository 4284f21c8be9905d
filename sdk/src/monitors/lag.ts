import { streamRatesSql } from "./check-sql.ts";
import { finding, type Finding } from "./finding.ts";
import { num, parseTimestamp, shortName, type MonitorContext } from "./monitor-context.ts";

/**
 * Lag: landed files bronze has not read yet (files and bytes outstanding, where the landing zone can be
 * listed), input vs processed rate of each stream (ops.stream_progress), and region watermark skew — a
 * region whose newest valid event is far behind the most advanced region's is partitioned away or its
 * producers stopped.
 */
export async function lag(ctx: MonitorContext): Promise<Finding[]> {
  const out: Finding[] = [];
  const cp = ctx.plan.paths.CP ?? ctx.plan.paths.AP;
  if (!cp) return out;
  if (ctx.landedFiles) {
    for (const b of cp.bronze) {
      const landed = ctx.landedFiles(b.landingPath);
      const seen = new Set<string>();
      if (await ctx.exists(b.table)) {
        const r = await ctx.query(`SELECT DISTINCT _source_file FROM ${ctx.table(b.table)}`);
        for (const [f] of r.rows) seen.add(normalizePath(String(f)));
      }
      const quarantined = ctx.plan.ops.quarantinedFilesTable;
      if (quarantined && (await ctx.exists(quarantined))) {
        const r = await ctx.query(`SELECT path FROM ${ctx.table(quarantined)}`);
        for (const [f] of r.rows) seen.add(normalizePath(String(f)));
      }
      const outstanding = landed.filter((f) => !seen.has(normalizePath(f.path)));
      out.push(finding("lag", shortName(b.table), "files_outstanding", outstanding.length, ctx.thresholds.backlogFiles, outstanding.length > ctx.thresholds.backlogFiles,
        `${outstanding.length} of ${landed.length} landed file(s) not ingested yet (${outstanding.reduce((n, f) => n + f.size, 0)} bytes; threshold ${ctx.thresholds.backlogFiles} files)`));
    }
  }
  out.push(...(await rates(ctx)));
  // region watermarks over the valid events of every silver table of the path
  const marks = new Map<string, Date>();
  for (const s of cp.silver) {
    if (!(await ctx.exists(s.table))) continue;
    const r = await ctx.query(`SELECT ${s.region} AS region, max(${s.eventTime}) AS watermark FROM ${ctx.table(s.table)} GROUP BY ${s.region}`);
    for (const [region, w] of r.rows) {
      const d = parseTimestamp(w);
      if (region === null || !d) continue;
      const prior = marks.get(String(region));
      if (!prior || d > prior) marks.set(String(region), d);
    }
  }
  if (marks.size === 0) return out;
  const lead = Math.max(...[...marks.values()].map((d) => d.getTime()));
  const skew = ctx.thresholds.regionSkewSeconds;
  for (const region of ctx.plan.regions) {
    const mark = marks.get(region);
    const behind = mark ? Math.round((lead - mark.getTime()) / 1000) : Infinity;
    out.push(finding("lag", `region ${region}`, "watermark_skew_seconds", behind, skew, behind > skew,
      mark ? `watermark ${mark.toISOString()} is ${behind} s behind the most advanced region (threshold ${skew} s)` : `no valid event at all (threshold ${skew} s behind)`));
  }
  return out;
}

/**
 * Per table and step: rows arriving per second (rows / seconds between consecutive triggers, Spark's
 * inputRowsPerSecond definition carried across runs) vs rows processed per second (rows / trigger
 * duration), over the window's triggers that had input. Their ratio is the share of the time between
 * runs a run takes: above 1 the stream falls further behind with every run.
 */
async function rates(ctx: MonitorContext): Promise<Finding[]> {
  const progress = ctx.plan.ops.streamProgressTable;
  if (!progress || !(await ctx.exists(progress))) return [];
  const r = await ctx.query(streamRatesSql(ctx.table(progress), ctx.thresholds.windowSeconds));
  const limit = ctx.thresholds.maxInputRateRatio;
  return r.rows.map(([table, step, batches, input, processed]) => {
    const ratio = Math.round((num(input) / num(processed)) * 1000) / 1000;
    return finding("lag", `${shortName(String(table))} (${String(step)})`, "input_to_processed_rate", ratio, limit, ratio > limit,
      `rows arrive at ${num(input).toFixed(2)}/s and are processed at ${num(processed).toFixed(2)}/s over ${num(batches)} trigger(s): ratio ${ratio} (threshold ${limit})`);
  });
}

function normalizePath(p: string): string {
  return decodeURI(p.replace(/^file:(\/\/)?/, "")).replace(/^\/+/, "/");
}
