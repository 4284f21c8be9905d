import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { cli, project as makeProject } from "../fixtures/cli-harness.ts";
import { minimalSpec } from "../fixtures/minimal-spec.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const temp = mkdtempSync(join(tmpdir(), "lakebundle-cli-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const project = (name: string, spec: unknown) => makeProject(temp, name, spec);

describe("lakebundle CLI", () => {
  it("--help lists the commands a newcomer needs", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    for (const cmd of ["generate", "validate", "demo", "sample", "run", "query", "engine"]) expect(r.out).toContain(cmd);
    expect(r.out).toContain("Exit codes");
  });

  it("the committed platform-telemetry bundle is valid and up to date", async () => {
    expect((await cli("generate", "--check", "--project", root)).code).toBe(0);
    const v = await cli("validate", "--json", "--no-engine", "--project", root);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out)).toMatchObject({ ok: true, bundles: ["platform-telemetry"], diagnostics: [] });
  });

  it("a bad spec exits 1 with diagnostics and no stack trace", async () => {
    const spec = minimalSpec();
    spec.datasets.usage.expect = [{ name: "valid_id", expr: "eventid IS NOT NULL", action: "drop" }];
    const dir = project("bad", spec);
    const r = await cli("generate", "--project", dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain('error LB1203: expectation "valid_id" references unknown column "eventid"');
    expect(r.err).toContain("at mini: datasets.usage.expect[0].expr");
    expect(r.err).not.toMatch(/\s+at .+\.(ts|js):\d+:\d+/);
    const json = await cli("validate", "--json", "--project", dir);
    expect(JSON.parse(json.out).diagnostics[0]).toMatchObject({ code: "LB1203", path: "datasets.usage.expect[0].expr" });
  });

  it("generate writes, --check detects drift (exit 3), generate repairs it", async () => {
    const dir = project("drift", minimalSpec());
    expect((await cli("generate", "--project", dir)).code).toBe(0);
    expect((await cli("generate", "--check", "--project", dir)).code).toBe(0);
    appendFileSync(join(dir, "bundles", "mini", "src", "plan.json"), " ");
    writeFileSync(join(dir, "bundles", "mini", "resources", "stale.yml"), "resources: {}\n");
    const check = await cli("generate", "--check", "--project", dir);
    expect(check.code).toBe(3);
    expect(check.err).toContain("changed generated file bundles/mini/src/plan.json");
    expect(check.err).toContain("stale generated file bundles/mini/resources/stale.yml");
    expect((await cli("generate", "--project", dir)).code).toBe(0);
    expect((await cli("generate", "--check", "--project", dir)).code).toBe(0);
  });

  it("validate finds task code serverless compute would reject, line by line", async () => {
    const dir = project("serverless", minimalSpec());
    expect((await cli("generate", "--project", dir)).code).toBe(0);
    mkdirSync(join(dir, "jobs"), { recursive: true });
    writeFileSync(join(dir, "jobs", "task.py"), [
      "def run(spark, df):",
      "    df.cache()",
      "    frozen = df.localCheckpoint()",
      "    n = spark.sparkContext.defaultParallelism",
      '    spark.conf.set("spark.databricks.delta.write.txnAppId", "x")',
      '    spark.sql("CACHE TABLE t")',
      '    spark.conf.set("spark.sql.shuffle.partitions", "8")  # allowed on serverless',
      "    # df.persist() in a comment is fine",
      "",
    ].join("\n"));
    const r = await cli("validate", "--json", "--project", dir);
    expect(r.code).toBe(1);
    const found = JSON.parse(r.out).diagnostics.map((d: { code: string; path: string }) => `${d.code} ${d.path}`);
    expect(found).toEqual(["LB1503 jobs/task.py:2", "LB1503 jobs/task.py:3", "LB1503 jobs/task.py:4", "LB1503 jobs/task.py:5", "LB1503 jobs/task.py:6"]);
    const text = await cli("validate", "--project", dir);
    expect(text.err).toContain("error LB1503: spark.conf.set(\"spark.databricks.delta.write.txnAppId\") is not allowed on serverless compute");
  });

  it("an unknown bundle name is a clear error", async () => {
    const r = await cli("generate", "nope", "--project", root);
    expect(r.code).toBe(1);
    expect(r.err).toContain('error LB1601: no bundle "nope"');
    expect(r.err).toContain("platform-telemetry");
  });

  it("usage errors exit 2", async () => {
    expect((await cli("frobnicate")).code).toBe(2);
    const run = await cli("run", "platform-telemetry", "--landing", "x", "--warehouse", "y", "--project", root);
    expect(run.code).toBe(2);
    expect(run.err).toContain("pass --local");
  });

  it("replay, forget and simulate refuse bad windows and flags before touching an engine", async () => {
    const base = ["platform-telemetry", "--local", "--landing", "x", "--warehouse", "y", "--project", root];
    const notDate = await cli("replay", ...base, "--from", "yesterday", "--to", "2026-11-02");
    expect(notDate.code).toBe(2);
    expect(notDate.err).toContain('--from "yesterday" is not a date or an instant');
    expect(notDate.err).toContain("--from 2026-11-01T06:00:00Z");
    const backwards = await cli("replay", ...base, "--from", "2026-11-02", "--to", "2026-11-01");
    expect(backwards.code).toBe(2);
    expect(backwards.err).toContain("is not after --from");
    const source = await cli("replay", ...base, "--from", "2026-11-01", "--to", "2026-11-02", "--source", "billing");
    expect(source.code).toBe(2);
    expect(source.err).toContain("use one of audit_logs, billing_usage, cluster_metrics, job_events");
    const target = await cli("replay", "platform-telemetry", "-t", "dev", "--from", "2026-11-01", "--to", "2026-11-02", "--source", "billing_usage", "--dry-run", "--project", root);
    expect(target.code).toBe(0);
    expect(target.out).toContain("replay_from=2026-11-01T00:00:00.000Z replay_to=2026-11-02T00:00:00.000Z replay_sources=billing_usage");
    const both = await cli("replay", ...base, "-t", "dev", "--from", "2026-11-01", "--to", "2026-11-02");
    expect(both.code).toBe(2);
    expect(both.err).toContain("--local and -t are exclusive");
    const nothing = await cli("forget", ...base);
    expect(nothing.code).toBe(2);
    expect(nothing.err).toContain("--account-id");
    const region = await cli("simulate", "partition", "platform-telemetry", "--region", "mars", "--project", root);
    expect(region.code).toBe(2);
    expect(region.err).toContain("use one of us-east-1, us-west-2, eu-west-1");
  });

  it("sample is deterministic: same seed, same bytes", async () => {
    const a = join(temp, "sample-a");
    const b = join(temp, "sample-b");
    const ra = await cli("sample", "platform-telemetry", "--out", a, "--events", "300", "--seed", "4", "--json", "--project", root);
    await cli("sample", "platform-telemetry", "--out", b, "--events", "300", "--seed", "4", "--json", "--project", root);
    expect(ra.code).toBe(0);
    const report = JSON.parse(ra.out);
    expect(report.files).toBeGreaterThan(10);
    const { execSync } = await import("node:child_process");
    expect(execSync(`cd ${a} && find . -type f | sort | xargs sha256sum`).toString()).toBe(execSync(`cd ${b} && find . -type f | sort | xargs sha256sum`).toString());
    expect(execSync(`find ${a} -name '*.gz' | wc -l`).toString().trim()).not.toBe("0");
  });
});
