/**
 * The local engine refuses what serverless compute refuses. Each case seeds one violation into a copy of
 * the task code (jobs/) and runs it through the Spark Connect engine: on the driver side, and inside a
 * foreachBatch function, which the engine runs in a separate Python process as serverless does. That
 * process imports pyspark from its compiled copy (see sdk/engine/python/site/sitecustomize.py).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime, setupEngine, startEngine, stopEngine, type EngineState } from "../../sdk/src/runtime/index.ts";
import { generateSample } from "../../sdk/src/sample/index.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bundleDir = join(root, "bundles", "platform-telemetry");
const work = mkdtempSync(join(tmpdir(), "lakebundle-guard-"));
const landing = join(work, "landing");
const warehouse = join(work, "warehouse");
let engine: EngineState;

/** A copy of jobs/ with `line` inserted after the first line matching `anchor` in `file`. */
function seeded(name: string, file: string, anchor: string, line: string): string {
  const dir = join(work, `jobs-${name}`);
  cpSync(join(root, "jobs"), dir, { recursive: true });
  const path = join(dir, "lakebundle_jobs", file);
  const lines = readFileSync(path, "utf8").split("\n");
  const at = lines.findIndex((l) => l.includes(anchor));
  if (at < 0) throw new Error(`anchor ${anchor} not in ${file}`);
  const indent = /^\s*/.exec(lines[at + 1]!)![0];
  lines.splice(at + 1, 0, `${indent}${line}`);
  writeFileSync(path, lines.join("\n"));
  return dir;
}

async function runWith(jobsDir: string | undefined, tasks?: string[]) {
  const runtime = await LocalRuntime.start({ root, warehouse, ...(jobsDir ? { jobsDir } : {}) });
  try {
    return await runtime.run({ bundleDir, landing, paths: ["CP"], ...(tasks ? { tasks } : {}) });
  } finally {
    await runtime.close();
  }
}

beforeAll(async () => {
  await setupEngine(root);
  generateSample(landing, { events: 60, days: 1, dupRate: 0, badRate: 0, lateRate: 0, seed: 3, regions: ["us-east-1", "us-west-2", "eu-west-1"] });
  engine = await startEngine(root, warehouse); // one warm engine for the file: each case only restarts the client
  await runWith(undefined, ["ingest"]);
});

afterAll(async () => {
  if (engine) await stopEngine(root, engine);
  rmSync(work, { recursive: true, force: true });
});

// where a seeded line runs inside a foreachBatch function (the validate step's batch function)
const inBatch = { file: "silver.py", anchor: "def validate_batch(job, batch, batch_id):" };

describe("foreachBatch workers", () => {
  // before the guard cases: their last one validates everything, after which no validate stream starts
  it("import pyspark from site-packages (bytecode), not from the sources-only pyspark.zip Spark puts first on their path", async () => {
    const jobs = seeded("pyspark-origin", inBatch.file, inBatch.anchor, 'raise RuntimeError("pyspark imported from " + __import__("pyspark").__file__)');
    const failure = await runWith(jobs, ["validate"]).then(() => new Error("the seeded batch function did not run"), (err: Error) => err);
    const origin = /pyspark imported from (\S+)/.exec(failure.message)?.[1];
    expect(origin, failure.message.slice(0, 400)).toMatch(/site-packages\/pyspark\/__init__\.py$/);
  });
});

describe("serverless guard on the local engine", () => {
  const driver = { file: "tasks.py", anchor: "def run_cp_task(ctx, task):" };
  const cases: [string, { file: string; anchor: string }, string, RegExp][] = [
    ["DataFrame.cache() in a foreachBatch function", inBatch, "batch.cache()", /\[serverless guard\] DataFrame\.cache\(\) is not supported on Databricks serverless compute/],
    ["DataFrame.persist() on the driver", driver, "ctx.spark.range(3).persist()", /\[serverless guard\] DataFrame\.persist\(\)/],
    ["DataFrame.localCheckpoint() on the driver", driver, "ctx.spark.range(3).localCheckpoint()", /\[serverless guard\] DataFrame\.localCheckpoint\(\)/],
    ["DataFrame.checkpoint() in a foreachBatch function", inBatch, "batch.checkpoint()", /\[serverless guard\] DataFrame\.checkpoint\(\)/],
    ["a Spark conf serverless does not allow, in a foreachBatch function", inBatch, 'batch.sparkSession.conf.set("spark.databricks.delta.write.txnAppId", "x")', /\[serverless guard\] spark\.conf\.set\('spark\.databricks\.delta\.write\.txnAppId'\) is not allowed/],
    ["SQL CACHE TABLE on the driver", driver, 'ctx.spark.sql("CACHE TABLE spark_catalog.bronze.raw_billing_usage")', /\[serverless guard\] SQL CACHE is not supported/],
    ["sparkContext on the driver (Spark Connect refuses it)", driver, "ctx.spark.sparkContext", /sparkContext.*not supported in Spark Connect/],
    ["an RDD in a foreachBatch function (Spark Connect refuses it)", inBatch, "batch.rdd", /PySparkNotImplementedError: \[NOT_IMPLEMENTED\] rdd is not implemented/],
  ];
  for (const [name, where, line, message] of cases) {
    it(name, async () => {
      const jobs = seeded(name.replace(/\W+/g, "-"), where.file, where.anchor, line);
      await expect(runWith(jobs, ["validate"])).rejects.toThrow(message);
    });
  }

  it("the unseeded task code passes the same guard", async () => {
    const summary = await runWith(undefined, ["validate"]);
    expect(summary.metrics.silver?.["silver.billing_usage"]?.landed).toBeGreaterThan(0);
  });
});
