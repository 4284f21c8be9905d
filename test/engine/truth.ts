/**
 * The contract's semantics computed independently of the engine, straight from the landing files:
 * plain TypeScript, integer arithmetic for money, no SQL.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

export const sources = ["audit_logs", "job_events", "billing_usage", "cluster_metrics"] as const;
const isoWithOffset = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export interface Truth {
  landed: Record<string, number>;
  quarantinedByReason: Record<string, Record<string, number>>;
  unique: Record<string, number>;
  watermarks: Record<string, number>;
  /** Valid events per region stamped beyond the allowed clock skew (never a watermark). */
  skewed: Record<string, number>;
  /** `${date}|${account}|${workspace}|${sku}` → [micro-DBUs, count] over unique valid billing events. */
  billingDaily: Map<string, [bigint, number]>;
  completeDays: string[];
  allDays: string[];
}

export function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

export function readLines(file: string): string[] {
  const buf = readFileSync(file);
  const text = file.endsWith(".gz") ? gunzipSync(buf).toString("utf8") : buf.toString("utf8");
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** First failing contract rule, in the order the spec declares them; undefined when valid. */
function reason(source: string, line: string, regions: readonly string[]): string | undefined {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(line);
  } catch {
    return "valid_record";
  }
  if (e === null || typeof e !== "object" || Array.isArray(e)) return "valid_record";
  if (typeof e.event_id !== "string" || e.event_id === "") return "event_id_required";
  if (e.event_time != null && (typeof e.event_time !== "string" || !isoWithOffset.test(e.event_time) || Number.isNaN(Date.parse(e.event_time)))) return "event_time_type";
  if (e.event_time == null) return "event_time_required";
  if (e.region == null) return "region_required";
  if (!regions.includes(String(e.region))) return "region_allowed";
  if (e.workspace_id == null) return "workspace_id_required";
  if (source !== "cluster_metrics" && e.account_id == null) return "account_id_required";
  if (source === "billing_usage") {
    if (e.sku == null) return "sku_required";
    if (e.dbus != null && typeof e.dbus !== "number") return "dbus_type";
    if (e.dbus == null) return "dbus_required";
    if ((e.dbus as number) < 0) return "dbus_min";
  }
  return undefined;
}

export interface TruthOptions {
  latenessMs?: number;
  /** Files that are not part of the data (poison files, quarantined whole). */
  skipFile?: (file: string) => boolean;
  /** Lines that are gone (a carried-out deletion request). */
  forgotten?: (line: string) => boolean;
  /** Events stamped this far past now never advance a watermark (they arrived before now). */
  maxClockSkewMs?: number;
}

export function computeTruth(landing: string, regions: readonly string[], opts: TruthOptions = {}): Truth {
  const latenessMs = opts.latenessMs ?? 30 * 60_000;
  const skewLimit = Date.now() + (opts.maxClockSkewMs ?? 5 * 60_000);
  const t: Truth = { landed: {}, quarantinedByReason: {}, unique: {}, watermarks: {}, skewed: {}, billingDaily: new Map(), completeDays: [], allDays: [] };
  const billing = new Map<string, Record<string, any>>();
  for (const source of sources) {
    const seen = new Set<string>();
    t.landed[source] = 0;
    t.quarantinedByReason[source] = {};
    for (const file of listFiles(join(landing, source)).sort()) {
      if (opts.skipFile?.(file)) continue;
      for (const line of readLines(file)) {
        if (opts.forgotten?.(line)) continue;
        t.landed[source] += 1;
        const r = reason(source, line, regions);
        if (r) {
          t.quarantinedByReason[source]![r] = (t.quarantinedByReason[source]![r] ?? 0) + 1;
          continue;
        }
        const e = JSON.parse(line);
        const ms = Date.parse(e.event_time);
        if (ms > skewLimit) {
          if (!seen.has(e.event_id)) t.skewed[e.region] = (t.skewed[e.region] ?? 0) + 1;
        } else t.watermarks[e.region] = Math.max(t.watermarks[e.region] ?? 0, ms);
        seen.add(e.event_id);
        if (source === "billing_usage") billing.set(e.event_id, e);
      }
    }
    t.unique[source] = seen.size;
  }
  const days = new Set<string>();
  for (const e of billing.values()) {
    const day = new Date(Date.parse(e.event_time)).toISOString().slice(0, 10);
    days.add(day);
    const key = `${day}|${e.account_id}|${e.workspace_id}|${e.sku}`;
    const [sum, n] = t.billingDaily.get(key) ?? [0n, 0];
    t.billingDaily.set(key, [sum + BigInt(Math.round(e.dbus * 1_000_000)), n + 1]);
  }
  t.allDays = [...days].sort();
  const all = regions.every((r) => t.watermarks[r] !== undefined);
  const cutoff = all ? Math.min(...regions.map((r) => t.watermarks[r]!)) : -Infinity;
  t.completeDays = t.allDays.filter((d) => Date.parse(`${d}T00:00:00Z`) + 86_400_000 + latenessMs <= cutoff);
  return t;
}

/** decimal(38,6) text → micro-units. */
export function micros(decimal: string): bigint {
  const [whole, frac = ""] = decimal.split(".");
  const sign = whole!.startsWith("-") ? -1n : 1n;
  return sign * (BigInt(whole!.replace("-", "")) * 1_000_000n + BigInt((frac + "000000").slice(0, 6)));
}
