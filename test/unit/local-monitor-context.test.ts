import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { MonitorThresholds } from "../../sdk/src/ir/index.ts";
import { localMonitorContext, type MonitorPlan } from "../../sdk/src/monitors/index.ts";

const dir = mkdtempSync(join(tmpdir(), "lakebundle-landing-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("local monitor context", () => {
  it("lists landed files by absolute path, as Spark records _source_file, also for a relative --landing; skips hidden and _-prefixed names", () => {
    mkdirSync(join(dir, "usage", "region=r1"), { recursive: true });
    writeFileSync(join(dir, "usage", "region=r1", "a.json"), "{}\n");
    writeFileSync(join(dir, "usage", "_SUCCESS"), "");
    writeFileSync(join(dir, "usage", ".a.json.crc"), "");
    const runtime = { query: async () => ({ columns: [], rows: [], truncated: false }) };
    const ctx = localMonitorContext(runtime, {} as MonitorPlan, {} as MonitorThresholds, relative(process.cwd(), dir));
    expect(ctx.landedFiles!("usage")).toEqual([{ path: join(dir, "usage", "region=r1", "a.json"), size: 3 }]);
  });
});
