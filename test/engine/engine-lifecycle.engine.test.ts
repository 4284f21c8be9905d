/**
 * The warm engine: one per warehouse (a second start is refused, clearly), reused by runtimes, its
 * tables registered across restarts (persistent metastore), and stale state after a crash cleaned.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineBusyError, findEngine, listEngines, LocalRuntime, setupEngine, startEngine, stopEngine, type EngineState } from "../../sdk/src/runtime/index.ts";
import { cli } from "../fixtures/cli-harness.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "lakebundle-lifecycle-"));
const warehouse = join(work, "warehouse");
let engine: EngineState | undefined;

beforeAll(async () => {
  await setupEngine(root);
});

afterAll(async () => {
  const left = await findEngine(root, warehouse, 0).catch(() => undefined);
  if (left) await stopEngine(root, left);
  rmSync(work, { recursive: true, force: true });
});

describe("the local engine's lifecycle", () => {
  it("starts once per warehouse; a second start is refused with the running engine named", async () => {
    const t0 = performance.now();
    engine = await startEngine(root, warehouse);
    console.log(`engine start: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await expect(startEngine(root, warehouse)).rejects.toThrow(EngineBusyError);
    await expect(startEngine(root, warehouse)).rejects.toThrow(`an engine is already running for ${warehouse} (pid ${engine.pid}, port ${engine.port})`);
    const second = await cli("engine", "start", "--warehouse", warehouse, "--project", root);
    expect(second.code).toBe(2);
    expect(second.err).toContain("an engine is already running");
    const status = JSON.parse((await cli("engine", "status", "--json", "--project", root)).out) as { engines: { pid: number; alive: boolean }[] };
    expect(status.engines).toContainEqual(expect.objectContaining({ pid: engine.pid, alive: true }));
  });

  it("runtimes reuse the warm engine and leave it running; names work with two and three parts", async () => {
    const t0 = performance.now();
    const runtime = await LocalRuntime.start({ root, warehouse });
    console.log(`client connect to a warm engine: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(runtime.owned).toBe(false);
    expect(runtime.engine.pid).toBe(engine!.pid);
    await runtime.query(`CREATE SCHEMA IF NOT EXISTS spark_catalog.lifecycle LOCATION '${join(warehouse, "lifecycle")}'`);
    await runtime.query(`CREATE TABLE IF NOT EXISTS spark_catalog.lifecycle.kept (a INT) USING DELTA LOCATION '${join(warehouse, "lifecycle", "kept")}'`);
    await runtime.query("INSERT INTO lifecycle.kept VALUES (1), (2)");
    await runtime.close();
    expect((await findEngine(root, warehouse, 0))?.pid).toBe(engine!.pid);
  });

  it("tables stay registered across an engine restart (persistent metastore)", async () => {
    await stopEngine(root, engine!);
    engine = await startEngine(root, warehouse);
    const runtime = await LocalRuntime.start({ root, warehouse });
    try {
      expect((await runtime.query("SELECT count(*) FROM lifecycle.kept")).rows).toEqual([[2]]);
      expect((await runtime.query("SELECT count(*) FROM spark_catalog.lifecycle.kept")).rows).toEqual([[2]]);
    } finally {
      await runtime.close();
    }
  });

  it("a crashed engine leaves stale state that is detected and cleaned; the next start works", async () => {
    process.kill(-engine!.pid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 1000));
    expect(listEngines(root).find((e) => e.warehouse === warehouse)?.alive).toBe(false);
    expect(await findEngine(root, warehouse, 0)).toBeUndefined();
    expect(listEngines(root).find((e) => e.warehouse === warehouse)).toBeUndefined();
    const runtime = await LocalRuntime.start({ root, warehouse }); // starts its own, stops it on close
    expect(runtime.owned).toBe(true);
    const pid = runtime.engine.pid;
    await runtime.close();
    expect(listEngines(root).find((e) => e.pid === pid)).toBeUndefined();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
