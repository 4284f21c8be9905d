import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, closeSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { DataGateError, EngineError, type Progress, type QueryResult, type RunRequest, type RunSummary, type Runtime } from "../runtime.ts";
import { engineDirs } from "./engine-setup.ts";

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  progress?: Progress;
}

/**
 * Drives one long-lived Python worker holding a SparkSession with Delta (one JVM per CLI run or test
 * file, never per task). Requests go over stdin, answers come back on fd 3; Spark's own output goes
 * to `<warehouse>/_logs/engine.log`.
 */
export class LocalRuntime implements Runtime {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited: Error | undefined;

  private constructor(private readonly child: ChildProcess, private readonly input: Writable, readonly warehouse: string, readonly logFile: string) {}

  static async start(opts: { root: string; warehouse: string }): Promise<LocalRuntime> {
    const dirs = engineDirs(opts.root);
    const warehouse = resolve(opts.warehouse);
    mkdirSync(join(warehouse, "_logs"), { recursive: true });
    const logFile = join(warehouse, "_logs", "engine.log");
    const log = openSync(logFile, "a");
    const child = spawn(dirs.python, ["-m", "lakebundle_jobs.worker", dirs.jars, warehouse], {
      cwd: join(opts.root, "jobs"),
      env: { ...process.env, PYTHONPATH: join(opts.root, "jobs"), PYSPARK_PYTHON: dirs.python, PYTHONUNBUFFERED: "1", LAKEBUNDLE_LOG4J: join(opts.root, "sdk", "engine", "log4j2.properties") },
      stdio: ["pipe", log, log, "pipe"],
    });
    closeSync(log);
    const runtime = new LocalRuntime(child, child.stdin!, warehouse, logFile);
    runtime.listen(child.stdio[3] as Readable);
    const ready = new Promise<unknown>((res, rej) => runtime.pending.set(0, { resolve: res, reject: rej }));
    await ready;
    return runtime;
  }

  private listen(out: Readable): void {
    const lines = createInterface({ input: out });
    lines.on("line", (line) => {
      const msg = JSON.parse(line) as { id: number; event?: string; message?: string; result?: unknown; error?: { kind: string; message: string; detail?: string } };
      const p = this.pending.get(msg.id);
      if (!p) return;
      if (msg.event === "progress") return p.progress?.(msg.message ?? "");
      this.pending.delete(msg.id);
      if (msg.error) p.reject(msg.error.kind === "dataGate" ? new DataGateError(msg.error.message) : new EngineError(msg.error.message, msg.error.detail));
      else p.resolve(msg.result);
    });
    this.child.on("exit", (code) => {
      this.exited = new EngineError(`the local engine exited (code ${code}); see ${this.logFile}`);
      for (const p of this.pending.values()) p.reject(this.exited);
      this.pending.clear();
    });
  }

  private call<T>(method: string, params: unknown, progress?: Progress): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<T>((res, rej) => {
      this.pending.set(id, { resolve: res as (v: unknown) => void, reject: rej, ...(progress ? { progress } : {}) });
      this.input.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  run(request: RunRequest, progress?: Progress): Promise<RunSummary> {
    return this.call<RunSummary>("run", {
      plan: join(resolve(request.bundleDir), "src", "plan.json"),
      landing: resolve(request.landing),
      paths: request.paths ?? ["AP", "CP"],
      ...(request.tasks ? { tasks: request.tasks } : {}),
      runId: request.runId ?? "local",
    }, progress);
  }

  query(sql: string, limit = 1000): Promise<QueryResult> {
    return this.call<QueryResult>("query", { sql, limit });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((res) => this.child.once("exit", () => res()));
    await this.call("shutdown", {}).catch(() => undefined);
    this.input.end();
    await done;
  }
}
