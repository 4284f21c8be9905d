/**
 * `npm run bench`: prints figures, asserts nothing.
 *  1. generate: 25 → 250 synthetic pipelines (goal: 250 in < 2 s), and how time grows.
 *  2. engine: the generated CP path vs a minimal hand-written PySpark job on the same landed events
 *     and Spark config (goal: throughput ratio >= 0.9), with peak JVM memory.
 *  3. watch: landed → queryable latency of the AP path (goal: p95 < 60 s).
 * BENCH_EVENTS (default 1,000,000) sets the engine bench size.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileBundle } from "../../sdk/src/compile/index.ts";
import { writeArtifacts } from "../../sdk/src/project/index.ts";
import { rootConfig } from "../../sdk/src/targets/databricks/root-config.ts";
import { engineDirs, enginePeakRssKb, LocalRuntime, setupEngine, startEngine, stopEngine } from "../../sdk/src/runtime/index.ts";
import { generateSample } from "../../sdk/src/sample/index.ts";
import { minimalSpec } from "../fixtures/minimal-spec.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Compile N bundles, build the root databricks.yml over all of them and write every file: a whole `generate`. */
function generateBench(): void {
  console.log("== generate: synthetic pipelines (compile + root config + write files) ==");
  const timings: [number, number][] = [];
  for (const n of [25, 50, 100, 250]) {
    const specs = Array.from({ length: n }, (_, i) => ({ ...minimalSpec(), name: `sys-${i}` }));
    compileBundle({ spec: specs[0] }); // warm-up
    const out = mkdtempSync(join(tmpdir(), "lakebundle-gen-"));
    const t0 = performance.now();
    const results = specs.map((spec) => compileBundle({ spec }));
    const artifacts = results.flatMap((r) => r.artifacts);
    artifacts.push(rootConfig(results.map((r) => r.ir!)).artifact);
    writeArtifacts(out, artifacts, results.map((r) => `bundles/${r.ir!.name}`));
    const ms = performance.now() - t0;
    rmSync(out, { recursive: true, force: true });
    timings.push([n, ms]);
    console.log(`  ${String(n).padStart(3)} pipelines: ${ms.toFixed(0).padStart(6)} ms  (${artifacts.length} files, ${(ms / n).toFixed(2)} ms/pipeline)`);
  }
  const [, t25] = timings[0]!;
  const [, t250] = timings[timings.length - 1]!;
  console.log(`  growth 25 → 250: x${(t250 / t25).toFixed(2)} time for x10 pipelines (linear = x10); goal 250 < 2000 ms: ${t250 < 2000 ? "met" : "NOT met"}`);
}

async function engineBench(): Promise<void> {
  const events = Number(process.env.BENCH_EVENTS ?? 1_000_000);
  console.log(`\n== engine: generated CP path vs hand-written PySpark, ${events} events ==`);
  await setupEngine(root, (m) => console.log(`  ${m}`));
  const work = mkdtempSync(join(tmpdir(), "lakebundle-bench-"));
  try {
    const landing = join(work, "landing");
    const t0 = performance.now();
    const sample = generateSample(landing, { events, days: 3, dupRate: 0.05, badRate: 0.01, lateRate: 0.05, seed: 5, regions: ["us-east-1", "us-west-2", "eu-west-1"] });
    console.log(`  landed ${sample.lines} lines in ${sample.files} files (${((performance.now() - t0) / 1000).toFixed(1)} s to write)`);

    const runtime = await LocalRuntime.start({ root, warehouse: join(work, "wh-generated") });
    const t1 = performance.now();
    const summary = await runtime.run({ bundleDir: join(root, "bundles", "platform-telemetry"), landing, paths: ["CP"] });
    const genSeconds = (performance.now() - t1) / 1000;
    await runtime.close();
    const genRate = sample.lines / genSeconds;
    console.log(`  generated pipeline (CP, all tasks): ${genSeconds.toFixed(1)} s, ${genRate.toFixed(0)} lines/s; peak JVM RSS ${((summary.engine?.jvmPeakRssKb ?? 0) / 1024).toFixed(0)} MiB; silver.billing_usage ${summary.tables["silver.billing_usage"]} rows`);

    // the baseline runs as a client of its own engine, started the same way
    const dirs = engineDirs(root);
    const handWarehouse = join(work, "wh-hand");
    const engine = await startEngine(root, handWarehouse);
    const hand = spawnSync(dirs.python, [join(root, "test", "bench", "handwritten_cp.py"), `sc://127.0.0.1:${engine.port}`, landing, handWarehouse], { encoding: "utf8", maxBuffer: 1 << 26 });
    const peakRssKb = enginePeakRssKb(engine);
    await stopEngine(root, engine);
    if (hand.status !== 0) throw new Error(`hand-written baseline failed: ${hand.stderr.split("\n").slice(-5).join("\n")}`);
    const h = { ...(JSON.parse(hand.stdout.trim().split("\n").pop()!) as { seconds: number; lines: number }), peakRssKb };
    const handRate = h.lines / h.seconds;
    console.log(`  hand-written PySpark:               ${h.seconds.toFixed(1)} s, ${handRate.toFixed(0)} lines/s; peak JVM RSS ${(h.peakRssKb / 1024).toFixed(0)} MiB`);
    console.log(`  throughput ratio generated/hand-written: ${(genRate / handRate).toFixed(2)} (goal >= 0.9)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Landed → queryable in `--watch` mode: a warm AP pipeline; each round lands one new file, runs the
 * AP update the watch loop runs, and checks the new events are in silver and gold. Latency of a file
 * = wait for the next poll (at most --interval) + the update.
 */
async function watchLatency(): Promise<void> {
  const rounds = Number(process.env.BENCH_WATCH_ROUNDS ?? 8);
  const interval = 10;
  console.log(`\n== watch: landed → queryable, ${rounds} rounds, --interval ${interval} s ==`);
  const work = mkdtempSync(join(tmpdir(), "lakebundle-watch-"));
  const regions = ["us-east-1", "us-west-2", "eu-west-1"];
  try {
    const landing = join(work, "landing");
    generateSample(landing, { events: 2000, days: 2, dupRate: 0.05, badRate: 0.01, lateRate: 0.05, seed: 3, regions });
    const runtime = await LocalRuntime.start({ root, warehouse: join(work, "wh") });
    const bundleDir = join(root, "bundles", "platform-telemetry");
    await runtime.run({ bundleDir, landing, paths: ["AP"] });
    const cycles: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const dir = join(landing, "billing_usage", "region=us-east-1", `watch-${i}`);
      mkdirSync(dir, { recursive: true });
      const lines = Array.from({ length: 50 }, (_, k) => JSON.stringify({
        event_id: `watch-${i}-${k}`, event_time: `2026-11-02T12:${String(k).padStart(2, "0")}:00Z`, region: "us-east-1",
        workspace_id: "ws-1", account_id: "acct-1", sku: "JOBS_COMPUTE", dbus: 1,
      }));
      writeFileSync(join(dir, "part-0.jsonl"), `${lines.join("\n")}\n`);
      const t0 = performance.now();
      await runtime.run({ bundleDir, landing, paths: ["AP"] });
      const seen = await runtime.query(`SELECT count(*) FROM silver.billing_usage_live WHERE event_id LIKE 'watch-${i}-%'`);
      cycles.push((performance.now() - t0) / 1000);
      if (Number(seen.rows[0]![0]) !== 50) throw new Error(`round ${i}: expected 50 new rows, found ${seen.rows[0]![0]}`);
    }
    await runtime.close();
    const sorted = [...cycles].sort((a, b) => a - b);
    const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
    console.log(`  AP update (ingest → silver → gold refresh): median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} s, p95 ${p95.toFixed(1)} s`);
    console.log(`  landed → queryable p95 <= ${(p95 + interval).toFixed(1)} s (worst poll wait ${interval} s + p95 update); goal p95 < 60 s`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

generateBench();
if (!process.argv.includes("--generate-only")) {
  await engineBench();
  await watchLatency();
}
