import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { seededRandom } from "./random.ts";
import { badLine, goodEvent, telemetrySources, type TelemetrySource } from "./telemetry-events.ts";

export interface SampleOptions {
  events: number;
  days: number;
  dupRate: number;
  badRate: number;
  lateRate: number;
  seed: number;
  regions: readonly string[];
  /** First day, UTC. */
  start?: string;
  /** Region whose last hours never arrive (a partition), so the last days stay incomplete. */
  lagRegion?: string;
  /** Pad each valid event with an unknown `detail` field (source drift, kept) to about this many bytes:
   * production events are 1–4 KB, the generated ones about 150 bytes (the bench sizes compute from both). */
  padTo?: number;
}

export interface SampleReport {
  files: number;
  lines: number;
  linesBySource: Record<string, number>;
  bad: number;
  duplicates: number;
  late: number;
  /** Bytes of the lines, uncompressed. */
  bytes: number;
}

const weights: [TelemetrySource, number][] = [["billing_usage", 0.4], ["audit_logs", 0.25], ["job_events", 0.2], ["cluster_metrics", 0.15]];

/**
 * Writes deterministic landing files: `<source>/region=<r>/date=<d>/part-<hh>.jsonl[.gz]`, grouped by
 * arrival hour. Late events arrive hours after their event time; duplicates land again in a later
 * file; bad lines are mixed in. Same options, same bytes.
 */
export function generateSample(out: string, o: SampleOptions): SampleReport {
  const r = seededRandom(o.seed);
  const start = Date.parse(`${o.start ?? "2026-11-01"}T00:00:00Z`);
  const span = o.days * 86_400_000;
  const files = new Map<string, string[]>();
  const report: SampleReport = { files: 0, lines: 0, linesBySource: {}, bad: 0, duplicates: 0, late: 0, bytes: 0 };
  const land = (source: TelemetrySource, region: string, arrival: number, line: string) => {
    const d = new Date(arrival);
    const day = d.toISOString().slice(0, 10);
    const hour = String(Math.floor(d.getUTCHours() / 6) * 6).padStart(2, "0"); // one file per 6-hour arrival block
    const gz = (d.getUTCHours() + day.charCodeAt(9)) % 2 === 0;
    const key = join(source, `region=${region}`, `date=${day}`, `part-${hour}.jsonl${gz ? ".gz" : ""}`);
    (files.get(key) ?? files.set(key, []).get(key)!).push(line);
    report.lines += 1;
    report.bytes += Buffer.byteLength(line) + 1;
    report.linesBySource[source] = (report.linesBySource[source] ?? 0) + 1;
  };
  for (let i = 0; i < o.events; i++) {
    const source = weighted(r);
    const region = o.regions[Math.floor(r() * o.regions.length)]!;
    let t = start + Math.floor(r() * span);
    // a partitioned region stops reporting for the last 20 hours of the window
    if (o.lagRegion === region && t > start + span - 20 * 3_600_000) t -= 20 * 3_600_000;
    const late = r() < o.lateRate;
    const arrival = late ? t + (2 + Math.floor(r() * 10)) * 3_600_000 : t + Math.floor(r() * 300_000);
    if (late) report.late += 1;
    const event = goodEvent(r, source, `${source.slice(0, 3)}-${o.seed}-${i}`, new Date(t), region);
    if (r() < o.badRate) {
      land(source, region, arrival, badLine(r, source, event).line);
      report.bad += 1;
      continue;
    }
    const line = o.padTo ? padded(event, o.padTo, i) : JSON.stringify(event);
    land(source, region, arrival, line);
    if (r() < o.dupRate) {
      land(source, region, arrival + Math.floor(r() * 6) * 3_600_000, line);
      report.duplicates += 1;
    }
  }
  for (const [rel, lines] of [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const file = join(out, rel);
    mkdirSync(join(file, ".."), { recursive: true });
    const text = `${lines.join("\n")}\n`;
    writeFileSync(file, rel.endsWith(".gz") ? gzipSync(text, { level: 6 }) : text);
    report.files += 1;
  }
  return report;
}

/** The event with a `detail` string that brings its line to about `size` bytes (varied per event, so
 * compression does not make it free). */
function padded(event: Record<string, unknown>, size: number, i: number): string {
  const plain = JSON.stringify(event);
  const n = Math.max(0, size - plain.length - 12);
  const unit = `${i.toString(36)}-abcdefghijklmnopqrstuvwxyz0123456789`;
  return JSON.stringify({ ...event, detail: unit.repeat(Math.ceil(n / unit.length)).slice(0, n) });
}

function weighted(r: () => number): TelemetrySource {
  let x = r();
  for (const [s, w] of weights) {
    if (x < w) return s;
    x -= w;
  }
  return telemetrySources[0];
}
