import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../sdk/src/cli/main.ts";
import { minimalSpec } from "../fixtures/minimal-spec.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const temp = mkdtempSync(join(tmpdir(), "lakebundle-cli-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

async function cli(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(["node", "lakebundle", ...args], { out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; } });
  return { code, out, err };
}

/** A throwaway project holding one bundle whose spec is `spec`. */
function project(name: string, spec: unknown): string {
  const dir = join(temp, name);
  mkdirSync(join(dir, "bundles", "mini"), { recursive: true });
  writeFileSync(join(dir, "package.json"), "{}");
  writeFileSync(join(dir, "bundles", "mini", "lakebundle.ts"), `export default ${JSON.stringify(spec, null, 2)};\n`);
  return dir;
}

describe("lakebundle CLI", () => {
  it("--help lists the commands a newcomer needs", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    for (const cmd of ["generate", "validate", "demo", "sample", "run", "query", "engine"]) expect(r.out).toContain(cmd);
    expect(r.out).toContain("Exit codes");
  });

  it("the committed platform-telemetry bundle is valid and up to date", async () => {
    expect((await cli("generate", "--check", "--project", root)).code).toBe(0);
    const v = await cli("validate", "--json", "--project", root);
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
