/**
 * Monitors on the real local engine: quiet on a healthy run of platform-telemetry, and each one firing
 * with the right figures when trouble is injected — files landed faster than processed, a region
 * withheld, a column's null rate shifted, a poison file, a task stopped by a data gate, stale tables —
 * plus stream rates and the cost estimate from the task code's own records, and the HTML report of it all
 * in headless Chromium.
 * (A real Delta write conflict is forced in cp-operations.engine.test.ts, where the conflicts monitor
 * is asserted on it.) The thresholds are the manifest's unless a test narrows one to provoke it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MonitorThresholds } from "../../sdk/src/ir/index.ts";
import { localMonitorContext, runMonitors, type Finding, type MonitorKind, type MonitorPlan } from "../../sdk/src/monitors/index.ts";
import { DataGateError, LocalRuntime, setupEngine } from "../../sdk/src/runtime/index.ts";
import { generateSample } from "../../sdk/src/sample/index.ts";
import type { ReportData } from "../../sdk/src/report/report-data.ts";
import { chromiumPath } from "../fixtures/chromium.ts";
import { cli } from "../fixtures/cli-harness.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bundleDir = join(root, "bundles", "platform-telemetry");
const regions = ["us-east-1", "us-west-2", "eu-west-1"];
const work = mkdtempSync(join(tmpdir(), "lakebundle-monitors-"));
const landing = join(work, "landing");
const warehouse = join(work, "warehouse");
const plan = JSON.parse(readFileSync(join(bundleDir, "src", "plan.json"), "utf8")) as MonitorPlan;
const manifest = JSON.parse(readFileSync(join(bundleDir, "manifest.json"), "utf8")) as { monitors: MonitorThresholds };
let runtime: LocalRuntime;

async function check(kinds: MonitorKind[], narrow: Partial<MonitorThresholds> = {}): Promise<Finding[]> {
  return runMonitors(kinds, localMonitorContext(runtime, plan, { ...manifest.monitors, ...narrow }, landing));
}
const breaches = (fs: Finding[]) => fs.filter((f) => f.breach);
const land = (path: string, lines: string[]) => {
  mkdirSync(join(landing, path, ".."), { recursive: true });
  writeFileSync(join(landing, path), `${lines.join("\n")}\n`);
};
const event = (source: string, i: number, region: string, time: string, extra: Record<string, unknown>) =>
  JSON.stringify({ event_id: `${source}-trouble-${i}`, event_time: time, region, workspace_id: "ws-1", ...extra });

beforeAll(async () => {
  await setupEngine(root);
  generateSample(landing, { events: 240, days: 2, dupRate: 0.05, badRate: 0.02, lateRate: 0, seed: 7, regions, start: "2026-11-01" });
  runtime = await LocalRuntime.start({ root, warehouse });
  await runtime.run({ bundleDir, landing });
}, 900_000);

afterAll(async () => {
  await runtime?.close().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe("monitors", { timeout: 900_000 }, () => {
  it("stay quiet on a healthy run (freshness with an SLA the run's own length allows)", async () => {
    const all = await check(["lag", "conflicts", "quality", "failed-loads", "freshness", "cost"], { freshnessSeconds: { bronze: 3600, silver: 3600, gold: 3600 } });
    expect(breaches(all)).toEqual([]);
    expect(all.filter((f) => f.monitor === "cost").map((f) => [f.subject, f.threshold])).toEqual([["compute", 35_000]]);
    expect(all.filter((f) => f.metric === "files_outstanding").map((f) => f.value)).toEqual([0, 0, 0, 0]);
    expect(all.filter((f) => f.metric === "watermark_skew_seconds")).toHaveLength(3);
    expect(all.filter((f) => f.metric === "expectation_failure_rate").length).toBeGreaterThan(0);
    const quiet = await cli("monitor", "quality", "platform-telemetry", "--local", "--warehouse", warehouse, "--landing", landing, "--project", root);
    expect(quiet.code, quiet.err).toBe(0);
    expect(quiet.out).toContain("monitor quality platform-telemetry: healthy");
  });

  it("freshness fires for tables older than their SLA, naming table, age and SLA", async () => {
    await new Promise((r) => setTimeout(r, 2000));
    const f = await check(["freshness"], { freshnessSeconds: { bronze: 1, silver: 3600, gold: 3600 } });
    const stale = breaches(f);
    expect(stale.map((x) => x.subject).sort()).toEqual(["bronze.raw_audit_logs", "bronze.raw_audit_logs_live", "bronze.raw_billing_usage", "bronze.raw_billing_usage_live",
      "bronze.raw_cluster_metrics", "bronze.raw_cluster_metrics_live", "bronze.raw_job_events", "bronze.raw_job_events_live"]);
    expect(stale[0]!.value).toBeGreaterThanOrEqual(2);
    expect(stale[0]!.message).toMatch(/last commit \d+ s ago \(bronze SLA 1 s\)/);
  });

  it("files landed faster than processed: lag counts them per source (CLI exit 7, the webhook gets the alert on its second attempt)", async () => {
    land("billing_usage/region=us-east-1/date=2026-11-03/late-a.jsonl", [event("billing", 1, "us-east-1", "2026-11-03T09:00:00Z", { account_id: "acct-1", sku: "SQL_PRO", dbus: 1 })]);
    land("billing_usage/region=us-east-1/date=2026-11-03/late-b.jsonl", [event("billing", 2, "us-east-1", "2026-11-03T09:00:00Z", { account_id: "acct-1", sku: "SQL_PRO", dbus: 1 })]);
    const f = await check(["lag"], { backlogFiles: 1 });
    expect(breaches(f).map((x) => [x.subject, x.value])).toEqual([["bronze.raw_billing_usage", 2]]);
    expect(breaches(f)[0]!.message).toMatch(/2 of \d+ landed file\(s\) not ingested yet \(\d+ bytes; threshold 1 files\)/);
    // the CLI with the manifest's thresholds: the two files are a backlog of 2 < 500, but once ingested they put us-east-1 some 9 h ahead of eu-west-1
    const posts: unknown[] = [];
    let calls = 0;
    const hook = createServer((req: IncomingMessage, res) => {
      let body = "";
      req.on("data", (d: Buffer) => { body += d.toString(); });
      req.on("end", () => { calls++; if (calls === 1) { res.writeHead(503).end(); return; } posts.push(JSON.parse(body)); res.writeHead(204).end(); });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`;
      const r = await cli("monitor", "lag", "platform-telemetry", "--local", "--warehouse", warehouse, "--landing", landing, "--webhook", url, "--json", "--project", root);
      expect(r.code, r.err).toBe(0); // not ingested yet: silver watermarks have not moved
      await runtime.run({ bundleDir, landing, paths: ["CP"] });
      const after = await cli("monitor", "lag", "platform-telemetry", "--local", "--warehouse", warehouse, "--landing", landing, "--webhook", url, "--project", root);
      expect(after.code, after.out).toBe(7);
      expect(after.out).toMatch(/BREACH lag +region eu-west-1: watermark .* is \d+ s behind the most advanced region \(threshold 7200 s\)/);
      expect(after.err).toContain("alert posted to the webhook (attempt 2)");
      expect(calls).toBe(2);
      expect((posts[0] as { breaches: Finding[] }).breaches.map((b) => b.subject)).toContain("region eu-west-1");
    } finally {
      hook.close();
    }
  });

  it("a region withheld: its watermark skew fires with the hours it is behind; the others stay quiet", async () => {
    land("audit_logs/region=us-west-2/date=2026-11-03/late.jsonl", [event("audit", 1, "us-west-2", "2026-11-03T09:30:00Z", { account_id: "acct-1", service_name: "jobs", action_name: "get", user_id: "u", response_status: 200 })]);
    await runtime.run({ bundleDir, landing, paths: ["CP"] });
    const skew = (await check(["lag"])).filter((f) => f.metric === "watermark_skew_seconds");
    const byRegion = Object.fromEntries(skew.map((f) => [f.subject, f]));
    expect(byRegion["region eu-west-1"]!.breach).toBe(true);
    expect(byRegion["region eu-west-1"]!.value).toBeGreaterThan(3600);
    expect(byRegion["region us-east-1"]!.breach).toBe(false);
    expect(byRegion["region us-west-2"]!.breach).toBe(false);
  });

  it("stream rates: rows arrive slower than each stream processes them on these runs; a narrowed threshold fires naming the stream and both rates", async () => {
    const rates = (await check(["lag"])).filter((f) => f.metric === "input_to_processed_rate");
    // the CP streams have run several times by now (AP once: one trigger has no rate yet)
    expect(rates.length).toBeGreaterThanOrEqual(4);
    expect(rates.every((f) => !f.breach && f.value > 0 && f.value < 1)).toBe(true);
    const narrowed = breaches(await check(["lag"], { maxInputRateRatio: 0.0001 })).filter((f) => f.metric === "input_to_processed_rate");
    expect(narrowed.map((f) => f.subject)).toEqual(rates.map((f) => f.subject));
    expect(narrowed[0]!.message).toMatch(/rows arrive at [\d.]+\/s and are processed at [\d.]+\/s over \d+ trigger\(s\): ratio [\d.]+ \(threshold 0\.0001\)/);
  });

  it("cost: task run seconds × DBU/h × $/DBU projected to 30 days; quiet under the $35K budget, fires over a narrowed one with the same figure", async () => {
    const [seconds, tasks] = (await runtime.query("SELECT sum(seconds), count(*) FROM spark_catalog.ops.task_runs", 10)).rows[0]!.map(Number) as [number, number];
    const { dbuPerHour, usdPerDbu } = manifest.monitors.cost;
    // the window is a day: 30 of them
    const projected = Math.round((seconds / 3600) * dbuPerHour * usdPerDbu * 30 * 100) / 100;
    const [f] = await check(["cost"]);
    expect(f!.breach).toBe(false);
    expect(f!.value).toBeCloseTo(projected, 2);
    expect(f!.message).toContain(`estimate: ${tasks} task run(s), ${seconds.toFixed(1)} s × ${dbuPerHour} DBU/h × $${usdPerDbu}/DBU`);
    const [over] = await check(["cost"], { cost: { monthlyBudgetUsd: 1, dbuPerHour, usdPerDbu } });
    expect([over!.breach, over!.value, over!.threshold]).toEqual([true, f!.value, 1]);
  });

  it("a column's null rate shifts, bad lines spike and a poison file lands: quality and failed loads fire, naming column, rate and file", async () => {
    await new Promise((r) => setTimeout(r, 2000));
    // 30 valid events without service_name, and 4 lines without an event_id (11.8% invalid: a spike, under the 20% gate)
    land("audit_logs/region=us-east-1/date=2026-11-03/no-service.jsonl", [
      ...Array.from({ length: 30 }, (_, i) => event("audit-null", i, "us-east-1", "2026-11-03T02:00:00Z", { account_id: "acct-2", action_name: "list", user_id: "u", response_status: 200, request_params: { cluster_id: "c-1" } })),
      ...Array.from({ length: 4 }, () => JSON.stringify({ event_time: "2026-11-03T02:00:00Z", region: "us-east-1", workspace_id: "ws-1", account_id: "acct-2" })),
    ]);
    mkdirSync(join(landing, "audit_logs", "poison"), { recursive: true });
    writeFileSync(join(landing, "audit_logs", "poison", "image.json"), Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 256)));
    await runtime.run({ bundleDir, landing, paths: ["CP"] });
    // "recent" = the last 10 s of ingestion: this run's rows against every earlier one
    const q = await check(["quality"], { windowSeconds: 10 });
    const shifted = breaches(q).filter((f) => f.metric === "null_rate_increase");
    expect(shifted.map((f) => f.subject)).toEqual(["silver.audit_logs.service_name"]);
    const failing = breaches(q).filter((f) => f.metric === "expectation_failure_rate");
    expect(failing.map((f) => [f.subject, f.value])).toEqual([["silver.audit_logs", 0.1176]]);
    expect(failing[0]!.message).toContain("4 of 34 landed row(s) failed an expectation in its latest run: 11.8% (max 5.0%)");
    expect(shifted[0]!.value).toBe(1);
    expect(shifted[0]!.message).toMatch(/null rate 100\.0% in the 30 row\(s\) .* vs 0\.0% in the \d+ before \(max increase 20\.0%\)/);
    const loads = breaches(await check(["failed-loads"]));
    expect(loads.map((f) => [f.subject, f.metric, f.value])).toContainEqual(["ops.quarantined_files", "quarantined_files", 1]);
    expect(loads.find((f) => f.metric === "quarantined_files")!.message).toContain("image.json");
    const spike = loads.find((f) => f.metric === "invalid_rate");
    expect(spike?.subject).toBe("silver.audit_logs");
    expect(spike?.value).toBe(0.1176);
    expect(spike?.message).toMatch(/latest run quarantined 11\.8% of its 34 landed row\(s\) vs \d+\.\d% before/);
  });

  it("a task stopped by a data gate: failed loads fire with the gate's message", async () => {
    const lines = Array.from({ length: 20 }, (_, i) => (i < 14
      ? JSON.stringify({ event_id: `cm-bad-${i}`, event_time: "not a time", region: "us-east-1", workspace_id: "ws-1" })
      : event("cm", i, "us-east-1", "2026-11-03T02:00:00Z", { cluster_id: "c-1", cpu_pct: 50, mem_pct: 40 })));
    land("cluster_metrics/region=us-east-1/date=2026-11-03/broken.jsonl", lines);
    await expect(runtime.run({ bundleDir, landing, paths: ["CP"] })).rejects.toThrow(DataGateError);
    const loads = breaches(await check(["failed-loads"]));
    const gate = loads.find((f) => f.metric === "failed_batches");
    expect(gate?.subject).toBe("silver.cluster_metrics");
    expect(gate?.message).toMatch(/batch\(es\) stopped by a data gate: .*invalid rate 14\/20 = 0\.700 exceeds maxInvalidRate 0\.2/);
    // the task itself: its run is recorded failed, with the error class
    const task = loads.find((f) => f.metric === "failed_task_runs");
    expect(task?.subject).toBe("CP task validate");
    expect(task?.message).toMatch(/^CP task validate: latest run failed \(DataGateError\): .*0\.700 exceeds maxInvalidRate 0\.2/);
  });

  it("a task run that failed on a write conflict (as the task code records one) fires the conflicts monitor, naming task and error class", async () => {
    expect(breaches(await check(["conflicts"]))).toEqual([]);
    // the row run_log.py writes when a commit outside the retried writes loses a race (error condition from Spark)
    await runtime.query(`INSERT INTO spark_catalog.ops.task_runs VALUES ('run-9', 'a-9', 'CP', 'merge', current_timestamp(), current_timestamp(), 1.5, 'failed',
      'DELTA_CONCURRENT_APPEND.WITH_PARTITION_HINT', '[DELTA_CONCURRENT_APPEND.WITH_PARTITION_HINT] ConcurrentAppendException: Files were added to partition [_event_date=2026-11-01] by a concurrent update.')`, 10);
    const fired = breaches(await check(["conflicts"]));
    expect(fired.map((f) => [f.subject, f.metric, f.value, f.threshold])).toEqual([["CP task merge DELTA_CONCURRENT_APPEND.WITH_PARTITION_HINT", "failed_runs", 1, 0]]);
    expect(fired[0]!.message).toContain("1 run(s) failed on a write conflict in the last 86400 s (threshold 0)");
  });

  it("report: an offline HTML of these runs, with the figures over time, renders every chart that has data in headless Chromium", async () => {
    const out = join(work, "report.html");
    const r = await cli("report", "platform-telemetry", "--local", "--warehouse", warehouse, "--landing", landing, "--out", out, "--project", root);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^wrote .*report\.html: 7 charts \(\d+ points\), \d+ findings \(\d+ breached\)/);
    const html = readFileSync(out, "utf8");
    const open = html.indexOf(">", html.indexOf('id="report-data"')) + 1;
    const data = JSON.parse(html.slice(open, html.indexOf("</script>", open))) as ReportData;
    const byId = Object.fromEntries(data.charts.map((c) => [c.id, c]));
    expect(byId.quality!.x.length).toBeGreaterThan(2);
    expect(byId.quality!.series.map((s) => s.label)).toContain("silver.audit_logs");
    expect(byId.tasks!.series.map((s) => s.label)).toEqual(expect.arrayContaining(["AP update", "CP ingest", "CP publish", "CP validate (failed)"]));
    expect(byId.lag!.x.length).toBeGreaterThan(0);
    expect(byId["freshness-silver"]!.x.length).toBeGreaterThan(0);
    expect(byId["freshness-silver"]!.threshold).toBe(300);
    expect(byId.conflicts!.x).toEqual([]);
    expect(data.findings.some((f) => f.breach && f.metric === "failed_task_runs")).toBe(true);
    const browser = await puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
      await page.goto(pathToFileURL(out).href, { waitUntil: "load" });
      await page.waitForSelector("body[data-rendered]", { timeout: 30_000 });
      const drawn = data.charts.filter((c) => c.x.length > 0).length;
      expect(await page.$eval("body", (b) => b.dataset.rendered)).toBe(String(drawn));
      expect(await page.$$eval("canvas", (cs) => cs.filter((c) => c.width > 0 && c.height > 0).length)).toBeGreaterThanOrEqual(drawn);
      expect(await page.$eval("#chart-conflicts", (c) => c.textContent)).toContain("no data yet");
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
