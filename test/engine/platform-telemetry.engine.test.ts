/**
 * The platform-telemetry bundle on the real local engine (Spark + Delta), one Spark session for the
 * whole file. Truth is computed from the landing files by test/engine/truth.ts, never by the engine.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime, setupEngine, type RunSummary } from "../../sdk/src/runtime/index.ts";
import { generateSample } from "../../sdk/src/sample/index.ts";
import { goodEvent, type TelemetrySource } from "../../sdk/src/sample/telemetry-events.ts";
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

/**
 * Valid events whose unknown nested object reuses every top-level field name with a wrong value
 * (a quoted number, an empty id, a bad time, an unknown region): drift, never a reason to quarantine.
 */
function landLookAlikes(dir: string): void {
  for (const s of sources) {
    const lines = [0, 1, 2].map((i) => {
      const event = goodEvent(() => 0.5, s as TelemetrySource, `lookalike-${s}-${i}`, new Date(Date.parse("2026-11-01T12:00:00Z") + i * 60_000), "us-east-1");
      const meta = Object.fromEntries(Object.keys(event).map((k) => [k, k === "event_id" ? "" : k === "region" ? "mars" : typeof event[k] === "number" ? String(event[k]) : "not a timestamp"]));
      return JSON.stringify({ ...event, meta });
    });
    mkdirSync(join(dir, s, "region=us-east-1", "lookalikes"), { recursive: true });
    writeFileSync(join(dir, s, "region=us-east-1", "lookalikes", "part-0.jsonl"), `${lines.join("\n")}\n`);
  }
}

beforeAll(async () => {
  await setupEngine(root);
  generateSample(landing, { events: 900, days: 3, dupRate: 0.1, badRate: 0.04, lateRate: 0.1, seed: 11, regions });
  landLookAlikes(landing);
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

  it("silver holds each valid event_id exactly once, on both paths (AP: late copies too, as AUTO CDC)", async () => {
    for (const s of sources) {
      for (const table of [`silver.${s}`, `silver.${s}_live`]) {
        expect(first.silver[table]!.unique, table).toBe(truth.unique[s]);
        const [distinct, rows] = (await q(`SELECT count(DISTINCT event_id), count(*) FROM ${table}`))[0]!;
        expect(Number(rows), table).toBe(Number(distinct));
        expect(Number(rows), table).toBe(truth.unique[s]);
      }
    }
  });

  it("nested look-alikes of declared fields stay valid in every source", async () => {
    for (const s of sources) {
      for (const table of [`silver.${s}`, `silver.${s}_live`]) {
        const rows = await q(`SELECT event_id, _rescued_data FROM ${table} WHERE event_id LIKE 'lookalike-%' ORDER BY event_id`);
        expect(rows.map((r) => r[0]), table).toEqual([0, 1, 2].map((i) => `lookalike-${s}-${i}`));
        for (const r of rows) expect(String(r[1]), table).toContain('"meta"');
      }
    }
  });

  it("batch functions report through the ops table: its counts are the run's counts", async () => {
    const rows = await q(
      "SELECT table_name, step, sum(landed), sum(invalid), sum(valid), sum(inserted), count(DISTINCT stream_id) FROM ops.batch_metrics WHERE gate_error IS NULL GROUP BY ALL");
    const by = new Map(rows.map((r) => [`${String(r[0]).split(".").slice(1).join(".")}#${r[1]}`, r.slice(2).map(Number)]));
    for (const s of sources) {
      const landed = truth.landed[s]!;
      const quarantined = Object.values(truth.quarantinedByReason[s]!).reduce((a, b) => a + b, 0);
      expect(by.get(`silver.${s}#validate`)!.slice(0, 2), s).toEqual([landed, quarantined]);
      expect(by.get(`silver.${s}#merge`)!.slice(2, 4), s).toEqual([landed - quarantined, truth.unique[s]]);
      expect(by.get(`silver.${s}_live#silver`)!.slice(0, 4), s).toEqual([landed, quarantined, landed - quarantined, truth.unique[s]]);
      expect(first.metrics.silver?.[`silver.${s}`]?.landed, s).toBe(landed);
    }
    // each merge batch read the offsets a validate batch read, and took its valid rows' dates from it
    const pairs = await q(`SELECT m.table_name, v.valid_dates, (SELECT collect_set(CAST(_event_date AS STRING)) FROM silver.billing_usage)
      FROM ops.batch_metrics m LEFT JOIN ops.batch_metrics v ON v.step = 'validate' AND v.batch_range = m.batch_range AND v.table_name = m.table_name
      WHERE m.step = 'merge' AND m.gate_error IS NULL`);
    expect(pairs.length).toBeGreaterThanOrEqual(sources.length);
    for (const [table, dates, silverDates] of pairs) {
      expect(dates, String(table)).not.toBeNull();
      if (String(table).endsWith(".billing_usage")) expect([...(dates as string[])].map(String).sort()).toEqual([...(silverDates as string[])].sort());
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
    // no CP silver stream was started: each had read every bronze version (its checkpoint says so)
    const cpSilver = Object.entries(again.silver).filter(([, s]) => s.path === "CP").map(([t]) => t).sort();
    expect(Object.keys(again.metrics.notStarted ?? {}).sort()).toEqual(cpSilver);
    for (const t of cpSilver) expect(again.metrics.notStarted![t]!.sort(), t).toEqual(["merge", "validate"]);
    expect(first.metrics.notStarted).toBeUndefined();
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
    expect(second.metrics.notStarted).toBeUndefined(); // bronze gained versions: every silver stream ran
    expect(second.silver["silver.billing_usage"]!.unique).toBe(next.unique.billing_usage);
    expect(await billingDaily()).toEqual(truthFor(next.completeDays, next));
    expect(second.metrics.publish?.["gold.billing_daily"]?.restated).toContain(published);
    // the first publish recomputed every period; this one only the days silver's change feed names (the
    // late batch's) and those withheld before, and gold equals the truth over all complete days above
    expect(first.metrics.publishScope?.["gold.billing_daily"]).toBe("all");
    const scope = second.metrics.publishScope?.["gold.billing_daily"];
    expect(typeof scope).toBe("number");
    expect(scope).toBeGreaterThan(0);
    expect(scope).toBeLessThanOrEqual(1 + truth.allDays.length - truth.completeDays.length);
    expect(truth.completeDays.length).toBeGreaterThan(1); // so the bound above is fewer than every day
    const audit = await q(`SELECT count(*) FROM gold.billing_restatements WHERE CAST(usage_date AS STRING) = '${published}'`);
    expect(Number(audit[0]![0])).toBeGreaterThan(0);
    // completeness read only the rows inserted since its last run, and its watermarks are the truth over all
    expect(first.metrics.watermarkScope?.["gold.billing_daily"]).toBe("all");
    expect(second.metrics.watermarkScope?.["gold.billing_daily"]).toBe("inserted");
    for (const r of regions) expect(Date.parse(`${second.watermarks[r]}Z`), r).toBe(next.watermarks[r]);
  });

  it("silver without a change feed back to the last publish: publish recomputes every period, the same gold, and turns the feed on", async () => {
    // as a silver table created before incremental publish: its feed off for the commits since then
    await q("ALTER TABLE silver.billing_usage SET TBLPROPERTIES ('delta.enableChangeDataFeed' = 'false')");
    const extra = join(work, "extra-3");
    generateSample(extra, { events: 120, days: 1, dupRate: 0.1, badRate: 0, lateRate: 0, seed: 7, regions, start: truth.completeDays[1]! });
    cpSync(join(extra, "billing_usage"), join(landing, "billing_usage", "batch-3"), { recursive: true });
    const next = computeTruth(landing, regions);
    const run = await runtime.run({ bundleDir, landing, paths: ["CP"] });
    expect(run.metrics.publishScope?.["gold.billing_daily"]).toBe("all");
    expect(run.metrics.watermarkScope?.["gold.billing_daily"]).toBe("all");
    for (const r of regions) expect(Date.parse(`${run.watermarks[r]}Z`), r).toBe(next.watermarks[r]);
    expect(await billingDaily()).toEqual(truthFor(next.completeDays, next));
    const feed = await q("SHOW TBLPROPERTIES silver.billing_usage ('delta.enableChangeDataFeed')");
    expect(String(feed[0]![1])).toBe("true");
  });

  it("a reset checkpoint still writes: idempotent-write ids come from the checkpoint, not the table", async () => {
    const day = truth.completeDays[0]!;
    const quarantined = async () => Number((await q("SELECT count(*) FROM silver.billing_usage_quarantine"))[0]![0]);
    const before = await quarantined();
    const silverRows = Number((await q("SELECT count(*) FROM silver.billing_usage"))[0]![0]);
    // an operator repairs the tables and resets the CP checkpoints of billing_usage: batch ids restart at 0
    await q("DELETE FROM silver.billing_usage_quarantine");
    await q(`DELETE FROM silver.billing_usage WHERE _event_date = DATE'${day}'`);
    for (const step of ["validate", "merge"]) rmSync(join(warehouse, "_checkpoints", "cp", "billing_usage", step), { recursive: true, force: true });
    await runtime.run({ bundleDir, landing, paths: ["CP"] });
    expect(await quarantined()).toBe(before);
    expect(Number((await q("SELECT count(*) FROM silver.billing_usage"))[0]![0])).toBe(silverRows);
  });

  it("a merge batch no validate batch matches (its checkpoint reset alone) counts its own dates: nothing lost or doubled", async () => {
    const rows = async () => Number((await q("SELECT count(*) FROM silver.job_events"))[0]![0]);
    const before = await rows();
    rmSync(join(warehouse, "_checkpoints", "cp", "job_events", "merge"), { recursive: true, force: true });
    await runtime.run({ bundleDir, landing, paths: ["CP"] });
    // the reset stream re-read all of bronze at once: no validate batch read those offsets
    const last = await q(`SELECT m.valid, m.inserted, (SELECT count(*) FROM ops.batch_metrics v WHERE v.step = 'validate' AND v.batch_range = m.batch_range)
      FROM ops.batch_metrics m WHERE m.step = 'merge' AND m.table_name LIKE '%.job_events' ORDER BY m.recorded_at DESC LIMIT 1`);
    const bronze = Number((await q("SELECT count(*) FROM bronze.raw_job_events"))[0]![0]);
    const quarantined = Number((await q("SELECT count(*) FROM silver.job_events_quarantine"))[0]![0]);
    expect(last[0]!.map(Number)).toEqual([bronze - quarantined, 0, 0]);
    expect(await rows()).toBe(before);
  });

  it("tables are plain Delta tables any Delta reader can open by path", async () => {
    const rows = await q(`SELECT count(*) FROM delta.\`${join(warehouse, "gold", "billing_daily")}\``);
    expect(Number(rows[0]![0])).toBeGreaterThan(0);
  });

  it("continuous AP, as deployed: a landed file reaches silver and gold with no new run, reconciled; stop ends every flow", async () => {
    await expect(runtime.continuousStatus()).rejects.toThrow(/does not run continuously/);
    const started = await runtime.startContinuous({ bundleDir, landing, triggerSeconds: 1 });
    expect(started.flows.map((f) => f.kind).sort()).toEqual([...Array(4).fill("bronze"), ...Array(4).fill("silver")]);
    const until = async (check: () => Promise<boolean>) => {
      for (const deadline = Date.now() + 120_000; !(await check());) {
        if (Date.now() > deadline) throw new Error("not reached within 120 s");
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const goldEvents = async () => Number((await q("SELECT coalesce(sum(event_count), 0) FROM gold.billing_daily_live"))[0]![0]);
    const inSilver = async (prefix: string) => Number((await q(`SELECT count(*) FROM silver.billing_usage_live WHERE event_id LIKE '${prefix}-%'`))[0]![0]);
    const land = (name: string, valid: number, bad: number) => {
      const lines = Array.from({ length: valid }, (_, i) => JSON.stringify({ event_id: `${name}-${i}`, event_time: "2026-11-02T09:00:00Z", region: "us-east-1", workspace_id: "ws-c", account_id: "acct-c", sku: "JOBS_COMPUTE", dbus: 1 }));
      mkdirSync(join(landing, "billing_usage", name), { recursive: true });
      writeFileSync(join(landing, "billing_usage", name, "part-0.jsonl"), `${[...lines, ...Array(bad).fill("{not json")].join("\n")}\n`);
    };
    try {
      await until(async () => Object.values((await runtime.continuousStatus()).gold).every((g) => g.refreshes > 0));
      const before = await goldEvents();
      land("continuous", 30, 2);
      await until(async () => (await inSilver("continuous")) === 30 && (await goldEvents()) === before + 30);
      const status = await runtime.continuousStatus({ summary: true });
      const billing = status.summary!.silver["silver.billing_usage_live"]!;
      expect(billing.landed).toBe(billing.valid + billing.quarantined);
      expect(Number((await q("SELECT count(*) FROM silver.billing_usage_live_quarantine WHERE _source_file LIKE '%/continuous/%'"))[0]![0])).toBe(2);
      expect(status.flows.find((f) => f.kind === "silver" && f.table.endsWith("billing_usage_live"))!.batches).toBeGreaterThan(0);

      // a view's completeness flags read every silver table's watermarks: audit events alone (one per
      // region, after the latest billing day's end + lateness) complete that day in gold.billing_daily_live
      const lastDay = async () => (await q("SELECT CAST(usage_date AS STRING), min(is_complete) FROM gold.billing_daily_live GROUP BY usage_date ORDER BY usage_date DESC LIMIT 1"))[0]!;
      const [day, completeBefore] = await lastDay();
      expect(completeBefore).toBe(false);
      const after = new Date(Date.parse(`${String(day)}T00:00:00Z`) + 25 * 3600_000);
      mkdirSync(join(landing, "audit_logs", "watermark-only"), { recursive: true });
      writeFileSync(join(landing, "audit_logs", "watermark-only", "part-0.jsonl"),
        `${regions.map((r, i) => JSON.stringify(goodEvent(() => 0.5, "audit_logs", `watermark-only-${i}`, after, r))).join("\n")}\n`);
      const eventsBefore = await goldEvents();
      await until(async () => (await lastDay())[1] === true);
      expect(await lastDay()).toEqual([day, true]);
      expect(await goldEvents()).toBe(eventsBefore);
    } finally {
      expect(await runtime.stopContinuous()).toEqual({ stopped: true });
    }
    // stopped: a file landed now waits for the next update
    land("after-stop", 5, 0);
    await new Promise((r) => setTimeout(r, 4000));
    expect(await inSilver("after-stop")).toBe(0);
    await runtime.run({ bundleDir, landing, paths: ["AP"] });
    expect(await inSilver("after-stop")).toBe(5);
    // CP takes these files in now, so the gate test below sees only its own batch
    await runtime.run({ bundleDir, landing, paths: ["CP"] });
  });

  // last: the gated batch stays unprocessed (the landing zone is immutable), as it would on Databricks
  it("a data gate raised inside the batch function reaches the driver with its message, through the ops table", async () => {
    const bad = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? "not json at all" : JSON.stringify({ event_id: `gate-${i}`, event_time: "2026-11-02T10:00:00Z", region: "us-east-1", workspace_id: "w", account_id: "a", sku: "S", dbus: -1 })));
    mkdirSync(join(landing, "billing_usage", "gate"), { recursive: true });
    writeFileSync(join(landing, "billing_usage", "gate", "part-0.jsonl"), `${bad.join("\n")}\n`);
    const quarantinedBefore = Number((await q("SELECT count(*) FROM silver.billing_usage_quarantine"))[0]![0]);
    await expect(runtime.run({ bundleDir, landing, paths: ["CP"] })).rejects.toThrow(/invalid rate 40\/40 = 1\.000 exceeds maxInvalidRate 0\.2/);
    const gate = await q("SELECT gate_error FROM ops.batch_metrics WHERE gate_error IS NOT NULL");
    expect(gate.length).toBe(1);
    expect(Number((await q("SELECT count(*) FROM silver.billing_usage_quarantine"))[0]![0])).toBe(quarantinedBefore);
  });
});
