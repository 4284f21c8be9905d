/**
 * CP operations on the real local engine: poison files, clock skew, schema drift, replay/backfill over
 * 30 days, deletion requests, write conflicts, and a region partition. Truth comes from the landing files
 * (test/engine/truth.ts), never from the engine.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MonitorThresholds } from "../../sdk/src/ir/index.ts";
import { localMonitorContext, runMonitors, type MonitorPlan } from "../../sdk/src/monitors/index.ts";
import { engineDirs, LocalRuntime, setupEngine, type RunSummary } from "../../sdk/src/runtime/index.ts";
import { generateSample } from "../../sdk/src/sample/index.ts";
import { simulatePartition } from "../../sdk/src/simulate/partition.ts";
import { computeTruth, micros, sources, type TruthOptions } from "./truth.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bundleDir = join(root, "bundles", "platform-telemetry");
const regions = ["us-east-1", "us-west-2", "eu-west-1"];
const work = mkdtempSync(join(tmpdir(), "lakebundle-ops-"));
const landing = join(work, "landing");
const warehouse = join(work, "warehouse");
const START = "2026-10-01";
let runtime: LocalRuntime;
const truthOpts: TruthOptions = { skipFile: (f) => f.includes("/poison/") };

async function q(sql: string): Promise<unknown[][]> {
  return (await runtime.query(sql, 100_000)).rows;
}
const n = async (sql: string) => Number((await q(sql))[0]![0]);

async function version(table: string): Promise<number> {
  return Number((await q(`DESCRIBE HISTORY ${table} LIMIT 1`))[0]![0]);
}

async function goldVersions(): Promise<number[]> {
  const out = [];
  for (const t of ["gold.billing_daily", "gold.billing_restatements", "gold.billing_daily_watermarks"]) out.push(await version(t));
  return out;
}

async function expectGoldIsTruth(opts: TruthOptions = truthOpts): Promise<void> {
  const truth = computeTruth(landing, regions, opts);
  const rows = await q("SELECT CAST(usage_date AS STRING), account_id, workspace_id, sku, CAST(total_dbus AS STRING), event_count FROM gold.billing_daily");
  const expected = new Map([...truth.billingDaily].filter(([k]) => truth.completeDays.includes(k.split("|")[0]!)));
  expect(new Map(rows.map((r) => [`${r[0]}|${r[1]}|${r[2]}|${r[3]}`, [micros(String(r[4])), Number(r[5])]]))).toEqual(expected);
  for (const s of sources) expect(await n(`SELECT count(*) FROM silver.${s}`), s).toBe(truth.unique[s]);
}

const billing = (id: string, time: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ event_id: id, event_time: time, region: "us-east-1", workspace_id: "ws-900", account_id: "acct-9", sku: "JOBS_COMPUTE", dbus: 1.5, ...extra });

beforeAll(async () => {
  await setupEngine(root);
  generateSample(landing, { events: 900, days: 30, dupRate: 0.1, badRate: 0.03, lateRate: 0.1, seed: 41, regions, start: START });
  runtime = await LocalRuntime.start({ root, warehouse });
  await runtime.run({ bundleDir, landing, paths: ["CP"] });
}, 600_000);

afterAll(async () => {
  await runtime?.close().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe("bad files, clocks and drift", { timeout: 900_000 }, () => {
  let run: RunSummary;
  const future = new Date(Date.now() + 3 * 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");

  beforeAll(async () => {
    const dir = join(landing, "billing_usage", "region=us-east-1", "incoming");
    mkdirSync(join(landing, "billing_usage", "poison"), { recursive: true });
    mkdirSync(dir, { recursive: true });
    const good = Array.from({ length: 400 }, (_, i) => billing(`redelivered-${i}`, "2026-10-10T10:00:00Z")).join("\n") + "\n";
    const gz = gzipSync(good);
    writeFileSync(join(landing, "billing_usage", "poison", "part-7.jsonl.gz"), gz.subarray(0, Math.floor(gz.length / 2))); // a partial upload
    writeFileSync(join(landing, "billing_usage", "poison", "image.json"), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)));
    // one producer's clock is days ahead; a new optional field appears; a known field changes type
    writeFileSync(join(dir, "skewed.jsonl"), [0, 1, 2].map((i) => billing(`skewed-${i}`, future)).join("\n") + "\n");
    writeFileSync(join(dir, "drift.jsonl"), [
      billing("drift-new-field-0", "2026-10-12T10:00:00Z", { carbon_grams: 12 }),
      billing("drift-new-field-1", "2026-10-12T11:00:00Z", { carbon_grams: 13 }),
      billing("drift-type-0", "2026-10-12T12:00:00Z", { dbus: "1.5" }),
      billing("drift-type-1", "2026-10-12T13:00:00Z", { dbus: { value: 2 } }),
      // enough healthy lines that the batch stays under the CP gate's maxInvalidRate (0.2)
      ...Array.from({ length: 20 }, (_, i) => billing(`drift-ok-${i}`, "2026-10-12T14:00:00Z")),
    ].join("\n") + "\n");
    run = await runtime.run({ bundleDir, landing, paths: ["CP"] });
  }, 600_000);

  it("poison files are quarantined whole with path, size and reason; every healthy file is ingested", async () => {
    const files = await q("SELECT path, size, reason FROM ops.quarantined_files ORDER BY path");
    expect(files.map((f) => String(f[0]).replace(/^.*\/poison\//, ""))).toEqual(["image.json", "part-7.jsonl.gz"]);
    expect(Number(files[0]![1])).toBe(5000);
    expect(String(files[0]![2])).toMatch(/^not text/);
    expect(String(files[1]![2])).toMatch(/^unreadable: .*EOFException/);
    expect(run.quarantinedFiles.map((f) => f.reason.split(":")[0])).toEqual(["not text", "unreadable"]);
    expect(await n("SELECT count(*) FROM bronze.raw_billing_usage WHERE _source_file LIKE '%/poison/%'")).toBe(0);
    const truth = computeTruth(landing, regions, truthOpts);
    for (const s of sources) {
      const x = run.silver[`silver.${s}`]!;
      expect(x.landed, s).toBe(truth.landed[s]);
      expect(x.valid + x.quarantined, s).toBe(x.landed);
    }
    await expectGoldIsTruth();
  });

  it("a corrected re-delivery under a new name is ingested normally", async () => {
    const good = Array.from({ length: 400 }, (_, i) => billing(`redelivered-${i}`, "2026-10-10T10:00:00Z")).join("\n") + "\n";
    writeFileSync(join(landing, "billing_usage", "region=us-east-1", "incoming", "part-7.v2.jsonl.gz"), gzipSync(good));
    await runtime.run({ bundleDir, landing, paths: ["CP"] });
    expect(await n("SELECT count(*) FROM silver.billing_usage WHERE event_id LIKE 'redelivered-%'")).toBe(400);
    expect(await n("SELECT count(*) FROM ops.quarantined_files")).toBe(2);
    await expectGoldIsTruth();
  });

  it("clock-skewed events are valid and counted but never advance a watermark", async () => {
    expect(await n("SELECT count(*) FROM silver.billing_usage WHERE event_id LIKE 'skewed-%'")).toBe(3);
    expect(run.clockSkewed["us-east-1"]).toBe(3);
    const truth = computeTruth(landing, regions, truthOpts);
    expect(truth.skewed["us-east-1"]).toBe(3);
    const mark = Date.parse(`${run.watermarks["us-east-1"]}Z`);
    expect(mark).toBe(truth.watermarks["us-east-1"]);
    expect(mark).toBeLessThan(Date.now());
  });

  it("drift: a new optional field is rescued, a changed type is quarantined with its reason", async () => {
    const rescued = await q("SELECT event_id, _rescued_data FROM silver.billing_usage WHERE event_id LIKE 'drift-new-field-%' ORDER BY 1");
    expect(rescued.map((r) => r[0])).toEqual(["drift-new-field-0", "drift-new-field-1"]);
    for (const r of rescued) expect(String(r[1])).toContain("carbon_grams");
    const bad = await q("SELECT get_json_object(_raw, '$.event_id'), _reason FROM silver.billing_usage_quarantine WHERE _raw LIKE '%drift-type-%' ORDER BY 1");
    expect(bad).toEqual([["drift-type-0", "dbus_type"], ["drift-type-1", "dbus_type"]]);
  });
});

describe("replay / backfill", { timeout: 900_000 }, () => {
  it("restores a lost day from the landing zone; the plan comes first; replaying twice changes nothing", async () => {
    const day = "2026-10-08";
    const held = await n(`SELECT count(*) FROM silver.billing_usage WHERE _event_date = DATE'${day}'`);
    expect(held).toBeGreaterThan(0);
    const versions = await goldVersions();
    await q(`DELETE FROM silver.billing_usage WHERE _event_date = DATE'${day}'`); // an operator's mistake
    const window = { from: `${day}T00:00:00.000Z`, to: "2026-10-09T00:00:00.000Z", sources: ["billing_usage"] };
    const plan = await runtime.replayPlan({ bundleDir, landing, replay: window, record: true });
    expect(plan.tables.map((t) => t.table)).toEqual(["spark_catalog.silver.billing_usage"]);
    expect(plan.tables[0]!.missing).toBe(held);
    expect(plan.tables[0]!.days).toContain(day);
    expect(plan.gold).toEqual(["spark_catalog.gold.billing_daily"]);
    const first = await runtime.run({ bundleDir, landing, paths: ["CP"], replay: window, runId: "replay-1" });
    expect(first.metrics.replay?.[0]?.inserted).toBe(held);
    await expectGoldIsTruth();
    expect(await goldVersions()).toEqual(versions); // silver restored exactly: gold had nothing to change
    const silverVersion = await version("silver.billing_usage");
    const again = await runtime.run({ bundleDir, landing, paths: ["CP"], replay: window, runId: "replay-2" });
    expect(again.metrics.replay?.[0]?.inserted).toBe(0);
    expect(await goldVersions()).toEqual(versions);
    expect(await version("silver.billing_usage")).toBe(silverVersion);
    const audit = await q("SELECT run_id, dry_run, tables[0].inserted FROM ops.replays ORDER BY recorded_at");
    expect(audit.map((r) => [r[0], r[1], Number(r[2])])).toEqual([["local", true, held], ["replay-1", false, held], ["replay-2", false, 0]]);
  });

  it("30 days of history, every source", async () => {
    const started = Date.now();
    const window = { from: `${START}T00:00:00.000Z`, to: "2026-10-31T00:00:00.000Z", sources: [] };
    const result = await runtime.run({ bundleDir, landing, paths: ["CP"], replay: window, runId: "replay-30d" });
    const seconds = (Date.now() - started) / 1000;
    console.log(`replay of 30 days, 4 sources: ${seconds.toFixed(1)} s; lines read ${result.metrics.replay?.reduce((a, r) => a + r.lines, 0)}`);
    expect(result.metrics.replay?.map((r) => r.inserted)).toEqual([0, 0, 0, 0]);
    await expectGoldIsTruth();
  });
});

describe("deletion requests", { timeout: 900_000 }, () => {
  // what a request for acct-2's workspace ws-103 covers: that account's rows in it, and rows of ws-103
  // that carry no account id at all (cluster_metrics names only the workspace)
  const forgotten = (line: string) => {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line);
    } catch {
      return false;
    }
    if (!o || typeof o !== "object") return false;
    const noAccount = o.account_id === undefined || o.account_id === null;
    return (o.account_id === "acct-2" && (o.workspace_id === "ws-103" || o.workspace_id == null)) || (noAccount && o.workspace_id === "ws-103");
  };
  const rawMatch = "(get_json_object(_raw, '$.workspace_id') = 'ws-103' AND coalesce(get_json_object(_raw, '$.account_id') = 'acct-2', get_json_object(_raw, '$.account_id') IS NULL))";
  const rowMatch = (s: string) => (s === "cluster_metrics" ? "workspace_id = 'ws-103'" : "account_id = 'acct-2' AND workspace_id = 'ws-103'");
  const traces = async () => {
    const found: Record<string, number> = {};
    for (const suffix of ["", "_live"]) {
      for (const s of sources) {
        found[`bronze.raw_${s}${suffix}`] = await n(`SELECT count(*) FROM bronze.raw_${s}${suffix} WHERE ${rawMatch}`);
        found[`silver.${s}${suffix}_quarantine`] = await n(`SELECT count(*) FROM silver.${s}${suffix}_quarantine WHERE ${rawMatch}`);
        found[`silver.${s}${suffix}`] = await n(`SELECT count(*) FROM silver.${s}${suffix} WHERE ${rowMatch(s)}`);
      }
      found[`gold.billing_daily${suffix}`] = await n(`SELECT count(*) FROM gold.billing_daily${suffix} WHERE ${rowMatch("billing_usage")}`);
    }
    return found;
  };

  it("forget removes every trace from every table's current version (AP too), audited; replay and ingestion cannot bring it back", async () => {
    // the AP path holds the subject too: its streaming tables are DELETEd from, its materialized views recomputed
    await runtime.run({ bundleDir, landing, paths: ["AP"], runId: "ap-before-forget" });
    const before = await traces();
    for (const t of ["silver.billing_usage", "silver.cluster_metrics", "silver.billing_usage_live", "silver.cluster_metrics_live", "gold.billing_daily_live", "bronze.raw_cluster_metrics_live"]) {
      expect(before[t], t).toBeGreaterThan(0);
    }
    const started = Date.now();
    const result = await runtime.forget({ bundleDir, landing, accountId: "acct-2", workspaceId: "ws-103" });
    const seconds = (Date.now() - started) / 1000;
    expect(result.carriedOut.length).toBe(1);
    const deleted = result.carriedOut[0]!.deletedRows;
    expect(deleted["silver.billing_usage"]).toBe(before["silver.billing_usage"]);
    expect(deleted["silver.cluster_metrics"]).toBe(before["silver.cluster_metrics"]);
    expect(deleted["silver.billing_usage_live"]).toBe(before["silver.billing_usage_live"]);
    // a materialized view is recomputed, never DELETEd from
    expect(deleted["gold.billing_daily_live"]).toBeUndefined();
    expect(Object.entries(await traces()).filter(([, v]) => v > 0)).toEqual([]);
    // rows that deletion vectors only marked are rewritten out of the live files, so VACUUM can purge them
    const history = await runtime.query("DESCRIBE HISTORY silver.billing_usage", 10_000);
    const op = history.columns.findIndex((c) => c.name === "operation");
    expect(history.rows.map((r) => String(r[op]))).toContain("REORG");
    const audit = await q("SELECT event, at, details FROM ops.deletion_requests ORDER BY at");
    expect(audit.map((r) => r[0])).toEqual(["requested", "started", "carried_out"]);
    const details = JSON.parse(String(audit[2]![2]));
    expect(details.tables).toContain("gold.billing_daily");
    expect(details.purgeDue).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(details.retentionDays).toBeLessThanOrEqual(7); // purged from storage within the 7-day policy
    console.log(`forget (${seconds.toFixed(1)} s): ${JSON.stringify(details)}`);
    // a replay of everything and a new file of the same subject: neither brings it back into CP
    mkdirSync(join(landing, "billing_usage", "region=us-east-1", "incoming"), { recursive: true });
    writeFileSync(join(landing, "billing_usage", "region=us-east-1", "incoming", "late-acct-2.jsonl"),
      `${billing("forgotten-late-0", "2026-10-20T10:00:00Z", { account_id: "acct-2", workspace_id: "ws-103" })}\n`);
    await runtime.run({ bundleDir, landing, paths: ["CP"], replay: { from: `${START}T00:00:00.000Z`, to: "2026-10-31T00:00:00.000Z", sources: [] }, runId: "replay-after-forget" });
    expect(Object.entries(await traces()).filter(([k, v]) => v > 0 && !k.includes("_live"))).toEqual([]);
    await expectGoldIsTruth({ ...truthOpts, forgotten });
  });
});

describe("write conflicts", { timeout: 900_000 }, () => {
  it("two writers racing into one Delta table conflict for real, are retried and recorded, and lose no write; other days do not conflict", async () => {
    const dirs = engineDirs(root);
    // asynchronous and bounded: a hung client fails this test instead of blocking the whole run
    const { stdout: out } = await promisify(execFile)(dirs.python, [join(root, "test", "engine", "race_merges.py"), `sc://127.0.0.1:${runtime.engine.port}`, warehouse], {
      env: { ...process.env, PYTHONPATH: [join(root, "jobs"), join(root, "sdk", "engine", "python", "site")].join(":") }, encoding: "utf8",
      timeout: 300_000, killSignal: "SIGKILL",
    });
    const result = JSON.parse(out.trim().split("\n").pop()!);
    console.log(`write conflicts: ${JSON.stringify(result)}`);
    const same = result.same_day;
    expect(same.errors).toEqual([]);
    expect(same.rows).toBe(same.expected);
    const retried = same.conflicts.filter((c: any) => c.outcome === "retried").reduce((a: number, c: any) => a + c.n, 0);
    const succeeded = same.conflicts.filter((c: any) => c.outcome === "succeeded").reduce((a: number, c: any) => a + c.n, 0);
    expect(retried).toBeGreaterThan(0);
    expect(succeeded).toBeGreaterThan(0);
    expect(same.conflicts.every((c: any) => /Concurrent|DELTA_CONCURRENT/.test(c.exception_class))).toBe(true);
    expect(result.other_days.rows).toBe(result.other_days.expected);
    expect(result.other_days.conflicts).toEqual([]);
    // the conflicts monitor reads the records the retry code wrote (here the race's own ops table)
    const plan = JSON.parse(readFileSync(join(bundleDir, "src", "plan.json"), "utf8")) as MonitorPlan;
    const thresholds = (JSON.parse(readFileSync(join(bundleDir, "manifest.json"), "utf8")) as { monitors: MonitorThresholds }).monitors;
    const racePlan = { ...plan, ops: { ...plan.ops, writeConflictsTable: "${lakebundle.catalog}.${lakebundle.schema.race}.write_conflicts" } };
    const quiet = await runMonitors(["conflicts"], localMonitorContext(runtime, racePlan, thresholds));
    expect(quiet.filter((f) => f.breach)).toEqual([]);
    const fired = (await runMonitors(["conflicts"], localMonitorContext(runtime, racePlan, { ...thresholds, conflicts: { maxRetried: retried - 1, maxFailed: 0 } }))).filter((f) => f.breach);
    expect(fired.length).toBeGreaterThan(0);
    expect(fired.every((f) => f.metric === "retried" && f.subject.startsWith("race.events ") && /Concurrent|DELTA_CONCURRENT/.test(f.subject))).toBe(true);
    expect(fired.reduce((a, f) => a + f.value, 0)).toBe(retried);
  });
});

describe("region partition", { timeout: 900_000 }, () => {
  it("CP withholds the partitioned days while AP flags them; the backlog converges CP to truth and restates a published day", async () => {
    await runtime.close();
    const pwork = join(work, "partition");
    mkdirSync(pwork, { recursive: true });
    runtime = await LocalRuntime.start({ root, warehouse: join(pwork, "warehouse") });
    const r = await simulatePartition(runtime, bundleDir, {
      work: pwork, regions, region: "eu-west-1", days: 4, events: 500, seed: 3, start: "2026-10-01", partitionFrom: "2026-10-03",
    });
    const cpBefore = r.before.days.filter((d) => d.cpDbus !== null).map((d) => d.day);
    expect(cpBefore).toEqual(["2026-10-01"]);
    const flagged = r.before.days.filter((d) => d.apComplete === false).map((d) => d.day);
    expect(flagged).toEqual(["2026-10-02", "2026-10-03", "2026-10-04"]);
    const truth = computeTruth(r.landing, regions);
    const after = r.after.days.filter((d) => d.cpDbus !== null).map((d) => d.day);
    expect(after).toEqual(truth.completeDays);
    expect(r.restated.map((x) => x.day)).toEqual(["2026-10-01"]);
    for (const d of r.after.days.filter((x) => x.cpDbus !== null)) {
      const sum = [...truth.billingDaily].filter(([k]) => k.startsWith(d.day)).reduce((a, [, v]) => a + v[0], 0n);
      expect(micros(d.cpDbus!), d.day).toBe(sum);
    }
  });
});
