/**
 * An AP silver dataset with a `fail` expectation, on the real local engine. As its pipeline's FAIL UPDATE
 * does, a violating batch stops the update before any of it is written: silver and quarantine stay as
 * they were, and the driver gets the rule's message. (Without a fail expectation, AP silver MERGEs a
 * batch before counting it, see ap_batch in jobs/lakebundle_jobs/silver.py; this holds the other order.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataGateError, LocalRuntime, setupEngine } from "../../sdk/src/runtime/index.ts";
import { cli, project } from "../fixtures/cli-harness.ts";
import { minimalSpec } from "../fixtures/minimal-spec.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "lakebundle-ap-fail-"));
const landing = join(work, "landing");
let runtime: LocalRuntime;
let bundleDir: string;

const land = (name: string, amounts: number[]) => {
  const dir = join(landing, "usage", name);
  mkdirSync(dir, { recursive: true });
  const lines = amounts.map((amount, i) => JSON.stringify({ event_id: `${name}-${i}`, event_time: "2026-11-02T10:00:00Z", region: "r1", amount }));
  writeFileSync(join(dir, "part-0.jsonl"), `${lines.join("\n")}\n`);
};
const count = async (table: string) => Number((await runtime.query(`SELECT count(*) FROM ${table}`)).rows[0]![0]);

beforeAll(async () => {
  await setupEngine(root);
  const spec = minimalSpec();
  spec.datasets.usage_live.expect = [{ name: "amount_cap", expr: "amount < 1000", action: "fail" }];
  const dir = project(work, "gate", spec);
  const generated = await cli("generate", "--project", dir);
  if (generated.code !== 0) throw new Error(generated.err);
  bundleDir = join(dir, "bundles", "mini");
  runtime = await LocalRuntime.start({ root, warehouse: join(work, "warehouse") });
}, 600_000);

afterAll(async () => {
  await runtime?.close().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe("AP fail expectation", { timeout: 600_000 }, () => {
  it("a clean batch is written; a violating one stops the update with nothing of it in silver or quarantine", async () => {
    land("clean", [1, 2, -1]); // -1 breaks the declared `min: 0` (drop): quarantined, the update goes on
    await runtime.run({ bundleDir, landing, paths: ["AP"] });
    expect(await count("silver.usage_live")).toBe(2);
    expect(await count("silver.usage_live_quarantine")).toBe(1);

    land("violating", [3, 5000, 4]);
    await expect(runtime.run({ bundleDir, landing, paths: ["AP"] })).rejects.toThrow(DataGateError);
    await expect(runtime.run({ bundleDir, landing, paths: ["AP"] })).rejects.toThrow(/expectation amount_cap \(action fail\) violated by 1 rows/);
    expect(await count("silver.usage_live")).toBe(2);
    expect(await count("silver.usage_live_quarantine")).toBe(1);
  });
});
