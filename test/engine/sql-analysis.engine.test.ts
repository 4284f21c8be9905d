/**
 * `lakebundle validate` analyzes every SQL statement on the real engine. Seeded mistakes, one per spec
 * path, must each come back as a diagnostic with a code and that path, and the committed bundle must
 * analyze clean. The CLI is driven in-process, as a user runs it.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, project as makeProject } from "../fixtures/cli-harness.ts";
import { setupEngine, startEngine, stopEngine, type EngineState } from "../../sdk/src/runtime/index.ts";
import { minimalSpec } from "../fixtures/minimal-spec.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const temp = mkdtempSync(join(tmpdir(), "lakebundle-analysis-"));
const engines: [string, EngineState][] = [];

/** A project holding one bundle, with lakebundle's engine files in it (sdk/engine copied, .lakebundle/engine linked). */
function project(name: string, spec: unknown): string {
  const dir = makeProject(temp, name, spec);
  cpSync(join(root, "jobs"), join(dir, "jobs"), { recursive: true });
  cpSync(join(root, "sdk", "engine"), join(dir, "sdk", "engine"), { recursive: true });
  mkdirSync(join(dir, ".lakebundle"), { recursive: true });
  symlinkSync(join(root, ".lakebundle", "engine"), join(dir, ".lakebundle", "engine"));
  return dir;
}

beforeAll(async () => {
  await setupEngine(root);
  // one warm engine per project's validation warehouse, as `lakebundle engine start` would keep
  engines.push([root, await startEngine(root, join(root, ".lakebundle", "validate"))]);
});

afterAll(async () => {
  for (const [r, e] of engines) await stopEngine(r, e);
  rmSync(temp, { recursive: true, force: true });
});

describe("validate analyzes every SQL statement on the local engine", () => {
  it("the committed platform-telemetry bundle analyzes clean", async () => {
    const r = await cli("validate", "--json", "--project", root);
    expect(r.err).toMatch(/analyzing \d+ SQL statements of platform-telemetry/);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, diagnostics: [] });
    expect(r.code).toBe(0);
  });

  it("seeded mistakes come back as diagnostics at their spec paths, with no stack trace", async () => {
    const spec = minimalSpec();
    spec.datasets.usage_daily.measures.total = { expr: "summ(amount)", type: "decimal(38,6)" }; // misspelt function
    spec.datasets.usage.expect = [
      // an undeclared column whose name the static scanner takes for a keyword: only Spark's analyzer sees it
      { name: "has_week", expr: "week IS NOT NULL", action: "warn" },
      { name: "amount_rule", expr: "amount + 1", action: "drop" }, // not a boolean
    ];
    spec.datasets.usage_daily.groupBy.day = "to_date(event_time, 1, 2, 3)"; // wrong arity
    const dir = project("mistakes", spec);
    expect((await cli("generate", "--project", dir)).code).toBe(0); // nothing a static check sees
    const engine = await startEngine(dir, join(dir, ".lakebundle", "validate"));
    engines.push([dir, engine]);
    const r = await cli("validate", "--json", "--project", dir);
    expect(r.code).toBe(1);
    const diagnostics = JSON.parse(r.out).diagnostics as { code: string; path: string; message: string }[];
    const at = (path: string) => diagnostics.filter((d) => d.path === path);
    expect(at("datasets.usage_daily.measures.total.expr")[0]!.message).toMatch(/measure "total" does not analyze: \[UNRESOLVED_ROUTINE\].*summ/);
    expect(at("datasets.usage.expect[0].expr")[0]!.message).toMatch(/expectation "has_week" does not analyze: \[UNRESOLVED_COLUMN.*week/);
    expect(at("datasets.usage.expect[1].expr")[0]!.message).toMatch(/expectation "amount_rule" does not analyze: \[DATATYPE_MISMATCH/);
    expect(at("datasets.usage_daily.groupBy.day")[0]!.message).toMatch(/group "day" does not analyze: \[WRONG_NUM_ARGS/);
    for (const d of diagnostics) expect(d.code).toBe("LB1504");
    // each mistake once, at its most precise path (not again for every statement built on it)
    expect(diagnostics.filter((d) => d.message.includes("summ")).length).toBe(1);
    const text = await cli("validate", "--project", dir);
    expect(text.err).toContain("error LB1504: measure \"total\" does not analyze");
    expect(text.err).not.toMatch(/\s+at .+\.(ts|js|py|scala):\d+/);
  });
});
