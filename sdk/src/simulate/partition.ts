import { cpSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { LocalRuntime, Progress } from "../runtime/index.ts";
import { generateSample, seededRandom } from "../sample/index.ts";
import { goodEvent, telemetrySources } from "../sample/telemetry-events.ts";

export interface PartitionOptions {
  /** Empty folder the simulation lands files in (`landing/`, `held/`). */
  work: string;
  regions: readonly string[];
  /** The region cut off. */
  region: string;
  days: number;
  events: number;
  seed: number;
  start: string;
  /** Day (UTC) from which the region's files are withheld until the backlog is delivered. */
  partitionFrom: string;
}

export interface DayView {
  day: string;
  apDbus: string | null;
  apComplete: boolean | null;
  apRegionsReported: number | null;
  cpDbus: string | null;
}

export interface PartitionReport {
  region: string;
  partitionFrom: string;
  withheldFiles: number;
  /** Late events of the partitioned region for an already published day, delivered with the backlog. */
  stragglers: number;
  before: { days: DayView[]; watermarks: Record<string, string | null> };
  after: { days: DayView[]; watermarks: Record<string, string | null> };
  restated: { day: string; rows: number }[];
  landing: string;
}

const cpGold = "gold.billing_daily";
const apGold = "gold.billing_daily_live";

/**
 * A region partitioned away, then healed, on the local engine: land everything except the region's files
 * from `partitionFrom` on, run both paths (AP publishes every day flagged, CP withholds incomplete ones),
 * deliver the backlog (with stragglers for a day CP already published), run again (CP converges; the
 * published day is restated and audited).
 */
export async function simulatePartition(runtime: LocalRuntime, bundleDir: string, o: PartitionOptions, progress?: Progress): Promise<PartitionReport> {
  const landing = join(o.work, "landing");
  const held = join(o.work, "held");
  generateSample(landing, { events: o.events, days: o.days, dupRate: 0.1, badRate: 0.03, lateRate: 0.1, seed: o.seed, regions: o.regions, start: o.start });
  let withheldFiles = 0;
  for (const file of listFiles(landing)) {
    const rel = relative(landing, file);
    const day = /date=(\d{4}-\d{2}-\d{2})/.exec(rel)?.[1];
    if (rel.includes(`region=${o.region}/`) && day !== undefined && day >= o.partitionFrom) {
      mkdirSync(dirname(join(held, rel)), { recursive: true });
      renameSync(file, join(held, rel));
      withheldFiles += 1;
    }
  }
  // the partitioned region's buffered events of the first day: late for a day CP will have published
  const r = seededRandom(o.seed + 1);
  const stragglers = Array.from({ length: 12 }, (_, i) => JSON.stringify(goodEvent(r, "billing_usage", `straggler-${o.seed}-${i}`,
    new Date(Date.parse(`${o.start}T20:00:00Z`) + i * 60_000), o.region)));
  const straggleFile = join(held, "billing_usage", `region=${o.region}`, "backlog", "stragglers.jsonl");
  mkdirSync(dirname(straggleFile), { recursive: true });
  writeFileSync(straggleFile, `${stragglers.join("\n")}\n`);

  progress?.(`partition: ${o.region} withheld from ${o.partitionFrom} (${withheldFiles} files held back); running AP and CP`);
  const first = await runtime.run({ bundleDir, landing, runId: "partition-before" }, progress);
  const before = { days: await days(runtime), watermarks: first.watermarks };
  const restatedBefore = await restatedRows(runtime);
  progress?.(`partition healed: delivering ${o.region}'s backlog (${withheldFiles + 1} files); running AP and CP`);
  for (const source of telemetrySources) {
    const from = join(held, source);
    if (statSync(from, { throwIfNoEntry: false })) cpSync(from, join(landing, source), { recursive: true });
  }
  const second = await runtime.run({ bundleDir, landing, runId: "partition-after" }, progress);
  const after = { days: await days(runtime), watermarks: second.watermarks };
  const restated = (await restatedRows(runtime)).map(([day, n]) => ({ day, rows: n - (restatedBefore.find(([d]) => d === day)?.[1] ?? 0) })).filter((x) => x.rows > 0);
  return { region: o.region, partitionFrom: o.partitionFrom, withheldFiles, stragglers: stragglers.length, before, after, restated, landing };
}

async function days(runtime: LocalRuntime): Promise<DayView[]> {
  const ap = (await runtime.query(`SELECT CAST(usage_date AS STRING), CAST(sum(total_dbus) AS STRING), bool_and(is_complete), min(regions_reported) FROM ${apGold} GROUP BY 1`, 10_000)).rows;
  const cp = (await runtime.query(`SELECT CAST(usage_date AS STRING), CAST(sum(total_dbus) AS STRING) FROM ${cpGold} GROUP BY 1`, 10_000)).rows;
  const all = [...new Set([...ap.map((x) => String(x[0])), ...cp.map((x) => String(x[0]))])].sort();
  return all.map((day) => {
    const a = ap.find((x) => x[0] === day);
    const c = cp.find((x) => x[0] === day);
    return { day, apDbus: a ? String(a[1]) : null, apComplete: a ? Boolean(a[2]) : null, apRegionsReported: a ? Number(a[3]) : null, cpDbus: c ? String(c[1]) : null };
  });
}

async function restatedRows(runtime: LocalRuntime): Promise<[string, number][]> {
  const rows = (await runtime.query("SELECT CAST(usage_date AS STRING), count(*) FROM gold.billing_restatements GROUP BY 1", 10_000)).rows;
  return rows.map((x) => [String(x[0]), Number(x[1])]);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

/** The before/after a person reads: what AP showed, what CP withheld, what was restated. */
export function renderPartition(r: PartitionReport): string {
  const fmt = (v: string | null) => (v === null ? "—" : Number(v).toFixed(4));
  const lines = [
    `region ${r.region} partitioned away from ${r.partitionFrom}: ${r.withheldFiles} landed files held back, then delivered with ${r.stragglers} late events for an earlier day`,
    "",
    "day         | AP during (DBUs, flag)          | CP during     | AP after healed               | CP after      ",
    "------------+---------------------------------+---------------+-------------------------------+---------------",
  ];
  const days = [...new Set([...r.before.days, ...r.after.days].map((d) => d.day))].sort();
  for (const day of days) {
    const b = r.before.days.find((d) => d.day === day);
    const a = r.after.days.find((d) => d.day === day);
    const ap = (d: DayView | undefined) => (d?.apDbus ? `${fmt(d.apDbus)} ${d.apComplete ? "complete" : `INCOMPLETE (${d.apRegionsReported} regions past it)`}` : "—");
    const cp = (d: DayView | undefined) => (d?.cpDbus ? fmt(d.cpDbus) : "withheld");
    lines.push(`${day}  | ${ap(b).padEnd(31)} | ${cp(b).padEnd(13)} | ${ap(a).padEnd(29)} | ${cp(a)}`);
  }
  lines.push("", "restated after the backlog (gold.billing_restatements):");
  if (r.restated.length === 0) lines.push("  nothing");
  for (const x of r.restated) lines.push(`  ${x.day}: ${x.rows} row(s) audited (old and new values)`);
  lines.push("", "watermarks during / after:");
  for (const region of Object.keys(r.after.watermarks)) lines.push(`  ${region.padEnd(12)} ${r.before.watermarks[region] ?? "none"}  →  ${r.after.watermarks[region] ?? "none"}`);
  return lines.join("\n");
}
