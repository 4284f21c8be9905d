/**
 * The platform-telemetry bundle on the real local engine (Spark + Delta), one Spark session for the
 * whole file. Truth is computed from the landing files by test/engine/truth.ts, never by the engine.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime, setupEngine, type RunSummary } from "../../sdk/src/runtime/index.ts";
import { generateSample } from "../../sdk/src/sample/index.ts";
import { computeTruth, micros, sources, type Truth } from "./truth.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bundleDir = join(root, "bundles", "platform-telemetry");
const regions = ["us-east-1", "us-west-2", "eu-west-1"];
const work = mkdtempSync(join(tmpdir(), "lakebundle-engine-"));
const landing = join(work, "landing");
const warehouse = join(work, "warehouse");

let runtime: LocalRuntime;
let first: RunSummary;
let truth: Truth;

async function q(sql: string) {
  return (await runtime.query(sql, 100_000)).rows;
}

async function versions(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ["silver.billing_usage", "silver.billing_usage_quarantine", "gold.billing_daily", "gold.billing_restatements", "bronze.raw_billing_usage", "gold.billing_daily_watermarks"]) {
    out[t] = Number((await q(`DESCRIBE HISTORY ${t} LIMIT 1`))[0]![0]);
  }
  return out;
}

async function billingDaily(): Promise<Map<string, [bigint, number]>> {
  const rows = await q("SELECT CAST(usage_date AS STRING), account_id, workspace_id, sku, CAST(total_dbus AS STRING), event_count FROM gold.billing_daily");
  return new Map(rows.map((r) => [`${r[0]}|${r[1]}|${r[2]}|${r[3]}`, [micros(String(r[4])), Number(r[5])] as [bigint, number]]));
}

function truthFor(days: readonly string[], t: Truth): Map<string, [bigint, number]> {
  return new Map([...t.billingDaily].filter(([k]) => days.includes(k.split("|")[0]!)));
}

beforeAll(async () => {
  await setupEngine(root);
  generateSample(landing, { events: 900, days: 3, dupRate: 0.1, badRate: 0.04, lateRate: 0.1, seed: 11, regions });
  truth = computeTruth(landing, regions);
  runtime = await LocalRuntime.start({ root, warehouse });
  first = await runtime.run({ bundleDir, landing });
});

afterAll(async () => {
  await runtime?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("platform-telemetry on local Spark + Delta", () => {
  it("every landed line is valid or quarantined, on both paths", () => {
    for (const s of sources) {
      for (const table of [`silver.${s}`, `silver.${s}_live`]) {
        const x = first.silver[table]!;
        expect(x.landed, table).toBe(truth.landed[s]);
        expect(x.valid + x.quarantined, table).toBe(x.landed);
        expect(x.unique + x.duplicatesRemoved, table).toBe(x.valid);
      }
    }
  });

  it("silver holds each valid event_id exactly once", async () => {
    for (const s of sources) {
      expect(first.silver[`silver.${s}`]!.unique, s).toBe(truth.unique[s]);
      const [distinct, rows] = (await q(`SELECT count(DISTINCT event_id), count(*) FROM silver.${s}`))[0]!;
      expect(Number(rows)).toBe(Number(distinct));
      expect(Number(rows)).toBe(truth.unique[s]);
    }
  });

  it("quarantine counts by reason match the contract's rules", async () => {
    for (const s of sources) {
      expect(first.silver[`silver.${s}`]!.quarantinedByReason, s).toEqual(truth.quarantinedByReason[s]);
    }
    const [raw, file, reason] = (await q("SELECT _raw, _source_file, _reason FROM silver.billing_usage_quarantine LIMIT 1"))[0]!;
    expect(String(raw).length).toBeGreaterThan(0);
    expect(String(file)).toContain("billing_usage/region=");
    expect(String(reason)).toMatch(/^[a-z_]+$/);
  });

  it("gold.billing_daily equals truth for complete days and holds nothing else", async () => {
    expect(truth.completeDays.length).toBeGreaterThan(0);
    expect(truth.completeDays.length).toBeLessThan(truth.allDays.length);
    expect(await billingDaily()).toEqual(truthFor(truth.completeDays, truth));
  });

  it("AP publishes every day and flags the incomplete ones", async () => {
    const rows = await q("SELECT CAST(usage_date AS STRING), bool_and(is_complete), min(regions_reported), CAST(sum(total_dbus) AS STRING) FROM gold.billing_daily_live GROUP BY 1 ORDER BY 1");
    expect(rows.map((r) => r[0])).toEqual(truth.allDays);
    for (const r of rows) expect(r[1], String(r[0])).toBe(truth.completeDays.includes(String(r[0])));
    const live = rows.find((r) => !truth.completeDays.includes(String(r[0])))!;
    expect(Number(live[2])).toBeLessThan(3);
  });

  it("re-running with no new files changes nothing", async () => {
    const before = await versions();
    const again = await runtime.run({ bundleDir, landing });
    expect(await versions()).toEqual(before);
    expect(again.tables).toEqual(first.tables);
  });

  it("new files: only they are processed; late events restate a published day, audited", async () => {
    const published = truth.completeDays[0]!;
    // a second batch on an already published day: late events and duplicates of new events
    const extra = join(work, "extra");
    generateSample(extra, { events: 200, days: 1, dupRate: 0.1, badRate: 0.02, lateRate: 0, seed: 99, regions, start: published });
    for (const s of sources) cpSync(join(extra, s), join(landing, s, "batch-2"), { recursive: true });
    const next = computeTruth(landing, regions);
    const newBilling = next.landed.billing_usage! - truth.landed.billing_usage!;
    const second = await runtime.run({ bundleDir, landing });
    expect(second.metrics.ingested?.["bronze.raw_billing_usage"]).toBe(newBilling);
    expect(second.silver["silver.billing_usage"]!.unique).toBe(next.unique.billing_usage);
    expect(await billingDaily()).toEqual(truthFor(next.completeDays, next));
    expect(second.metrics.publish?.["gold.billing_daily"]?.restated).toContain(published);
    const audit = await q(`SELECT count(*) FROM gold.billing_restatements WHERE CAST(usage_date AS STRING) = '${published}'`);
    expect(Number(audit[0]![0])).toBeGreaterThan(0);
  });

  it("tables are plain Delta tables any Delta reader can open by path", async () => {
    const rows = await q(`SELECT count(*) FROM delta.\`${join(warehouse, "gold", "billing_daily")}\``);
    expect(Number(rows[0]![0])).toBeGreaterThan(0);
  });
});
