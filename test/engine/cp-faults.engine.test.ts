/**
 * The CP path under kill -9: the engine's JVM (the Spark driver) and the client are killed at a named
 * point (jobs/lakebundle_jobs/faults.py), a fresh engine reruns the job, and everything is compared with
 * truth computed from the landing files. One warehouse for the file; each crash point lands new data first.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime, setupEngine } from "../../sdk/src/runtime/index.ts";
import { generateSample } from "../../sdk/src/sample/index.ts";
import { procStatFields } from "../proc-stat.ts";
import { computeTruth, micros, sources } from "./truth.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bundleDir = join(root, "bundles", "platform-telemetry");
const regions = ["us-east-1", "us-west-2", "eu-west-1"];
const work = mkdtempSync(join(tmpdir(), "lakebundle-faults-"));
const landing = join(work, "landing");
const warehouse = join(work, "warehouse");
let runtime: LocalRuntime | undefined;

async function open(): Promise<LocalRuntime> {
  runtime = await LocalRuntime.start({ root, warehouse });
  return runtime;
}

async function q(sql: string): Promise<unknown[][]> {
  return (await runtime!.query(sql, 100_000)).rows;
}

function land(seed: number, opts: { start?: string; days?: number; events?: number } = {}): void {
  const extra = join(work, `extra-${seed}`);
  generateSample(extra, { events: opts.events ?? 160, days: opts.days ?? 1, dupRate: 0.15, badRate: 0.05, lateRate: 0.1, seed, regions, ...(opts.start ? { start: opts.start } : {}) });
  for (const s of sources) cpSync(join(extra, s), join(landing, s, `batch-${seed}`), { recursive: true });
}

/** Live processes in a process group (Linux /proc): what a kill -9 of the engine leaves behind. */
function groupMembers(pgid: number): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const [state, , pgrp] = procStatFields(`/proc/${pid}/stat`);
      if (Number(pgrp) === pgid && state !== "Z") out.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").slice(0, 120)}`);
    } catch { /* exited meanwhile */ }
  }
  return out;
}

/** Runs the CP job with the engine killed at `point`; the run must die there, and its foreachBatch workers with it. */
async function crashAt(point: string): Promise<void> {
  await runtime?.close(); // the engine that crashes must be started with the crash point in its environment
  process.env.LAKEBUNDLE_CRASH_AT = point;
  const marker = join(work, `crashed-${point.replace(/[^a-z]/gi, "_")}`);
  process.env.LAKEBUNDLE_CRASH_MARKER = marker;
  try {
    await open();
    await expect(runtime!.run({ bundleDir, landing, paths: ["CP"] })).rejects.toThrow(/engine/i);
    const group = runtime!.engine.pid;
    for (let i = 0; i < 50 && groupMembers(group).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(groupMembers(group), "processes the killed engine left behind").toEqual([]);
    await runtime!.close().catch(() => undefined);
  } finally {
    delete process.env.LAKEBUNDLE_CRASH_AT;
    delete process.env.LAKEBUNDLE_CRASH_MARKER;
  }
  expect(existsSync(marker), `the engine was killed at ${point}`).toBe(true);
  await open(); // a fresh engine on the same warehouse, as after a machine loss
  await runtime!.run({ bundleDir, landing, paths: ["CP"] });
}

/** Gold equals truth; silver holds each event once; quarantine and ops rows are not doubled; the audit is whole. */
async function expectExact(): Promise<void> {
  const truth = computeTruth(landing, regions);
  const gold = await q("SELECT CAST(usage_date AS STRING), account_id, workspace_id, sku, CAST(total_dbus AS STRING), event_count FROM gold.billing_daily");
  const expected = new Map([...truth.billingDaily].filter(([k]) => truth.completeDays.includes(k.split("|")[0]!)));
  expect(new Map(gold.map((r) => [`${r[0]}|${r[1]}|${r[2]}|${r[3]}`, [micros(String(r[4])), Number(r[5])]]))).toEqual(expected);
  for (const s of sources) {
    const [rows, distinct] = (await q(`SELECT count(*), count(DISTINCT event_id) FROM silver.${s}`))[0]!.map(Number);
    expect([rows, distinct], s).toEqual([truth.unique[s], truth.unique[s]]);
    const quarantined = Object.values(truth.quarantinedByReason[s]!).reduce((a, b) => a + b, 0);
    expect(Number((await q(`SELECT count(*) FROM silver.${s}_quarantine`))[0]![0]), `${s} quarantine`).toBe(quarantined);
    expect(Number((await q(`SELECT count(*) FROM bronze.raw_${s}`))[0]![0]), `${s} bronze`).toBe(truth.landed[s]);
  }
  // no batch recorded twice (a replayed batch is skipped by its txnAppId/txnVersion)
  expect(await q("SELECT step, table_name, stream_id, batch_id FROM ops.batch_metrics WHERE gate_error IS NULL GROUP BY ALL HAVING count(*) > 1")).toEqual([]);
  // every gold MERGE version has exactly one publish-log row, and its audit rows are not doubled
  const history = await runtime!.query("DESCRIBE HISTORY gold.billing_daily", 100_000);
  const at = (c: string) => history.columns.findIndex((x) => x.name === c);
  const merges = history.rows.filter((r) => r[at("operation")] === "MERGE").map((r) => Number(r[at("version")])).sort((a, b) => a - b);
  const logged = (await q("SELECT gold_version, count(*) FROM ops.publish_log GROUP BY 1 ORDER BY 1")).map((r) => [Number(r[0]), Number(r[1])]);
  expect(logged).toEqual(merges.map((v) => [v, 1]));
  expect(await q("SELECT gold_version, usage_date, account_id, workspace_id, sku FROM gold.billing_restatements GROUP BY ALL HAVING count(*) > 1")).toEqual([]);
  const audit = Number((await q("SELECT count(*) FROM gold.billing_restatements"))[0]![0]);
  console.log(`compared with truth: ${gold.length} gold rows, ${sources.reduce((a, s) => a + truth.unique[s]!, 0)} silver events, `
    + `${sources.reduce((a, s) => a + truth.landed[s]!, 0)} bronze lines; ${merges.length} gold versions each logged once; ${audit} audit rows`);
}

beforeAll(async () => {
  await setupEngine(root);
  generateSample(landing, { events: 500, days: 3, dupRate: 0.1, badRate: 0.04, lateRate: 0.1, seed: 21, regions });
  await open();
  await runtime!.run({ bundleDir, landing, paths: ["CP"] });
  await expectExact();
}, 600_000);

afterAll(async () => {
  await runtime?.close().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe("CP survives kill -9 of the engine", { timeout: 900_000 }, () => {
  it("during ingestion (bronze data files written, commit not made)", async () => {
    land(31);
    await crashAt("ingest.write");
    await expectExact();
  });

  it("during quarantine writes (quarantine committed, batch and stream not)", async () => {
    land(32);
    await crashAt("validate.after_quarantine");
    await expectExact();
  });

  it("inside the silver MERGE commit", async () => {
    land(33);
    await crashAt("merge.commit");
    await expectExact();
  });

  it("between tasks (validate done, merge not started)", async () => {
    land(34);
    await crashAt("after_task:validate");
    await expectExact();
  });

  it("between publish's gold write and its restatement audit: the rerun audits that gold version from its history", async () => {
    const truth = computeTruth(landing, regions);
    land(35, { start: truth.completeDays[0]!, events: 120 }); // late events for a published day: a restatement
    const before = Number((await q("SELECT count(*) FROM gold.billing_restatements"))[0]![0]);
    await crashAt("publish.after_gold");
    await expectExact();
    const recovered = await q("SELECT gold_version, restated FROM ops.publish_log WHERE recovered");
    expect(recovered.length).toBe(1);
    const v = Number(recovered[0]![0]);
    expect((recovered[0]![1] as string[])).toContain(truth.completeDays[0]);
    const audit = Number((await q(`SELECT count(*) FROM gold.billing_restatements WHERE gold_version = ${v}`))[0]![0]);
    expect(audit).toBeGreaterThan(0);
    expect(Number((await q("SELECT count(*) FROM gold.billing_restatements"))[0]![0])).toBe(before + audit);
  });
});
