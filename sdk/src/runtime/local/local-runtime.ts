import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import {
  DataGateError, EngineError, ServerlessGuardError, type ForgetResult, type Progress, type QueryResult, type ReplayPlan, type ReplayWindow,
  type RunRequest, type RunSummary, type Runtime,
} from "../runtime.ts";
import { enginePeakRssKb, findEngine, killEngineNow, logFile, startEngine, stopEngine, type EngineState } from "./connect-server.ts";
import { engineDirs } from "./engine-setup.ts";

/** Exit code of the client when the engine's JVM died under it (worker.py: ENGINE_DIED). */
const ENGINE_DIED = 75;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  progress?: Progress;
}

/**
 * Drives the local engine: a Spark Connect server (warm, or started for this runtime and stopped by
 * close()) and one Python client process running the task code, as on serverless. Requests go over
 * stdin, answers come back on fd 3; the server's own output goes to `<warehouse>/_logs/engine.log`.
 */
export class LocalRuntime implements Runtime {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited: Error | undefined;
  private readonly onExit = () => { if (this.owned) killEngineNow(this.root, this.engine); };

  private constructor(
    private readonly child: ChildProcess, private readonly input: Writable, readonly warehouse: string, readonly logFile: string,
    private readonly root: string, readonly engine: EngineState, readonly owned: boolean,
  ) {}

  /**
   * Reuses the engine running for this warehouse (`lakebundle engine start`), or starts one that this
   * runtime owns. `jobsDir` points the client at other task code (tests seed violations that way).
   */
  static async start(opts: { root: string; warehouse: string; jobsDir?: string; say?: (m: string) => void }): Promise<LocalRuntime> {
    const dirs = engineDirs(opts.root);
    const warehouse = resolve(opts.warehouse);
    mkdirSync(join(warehouse, "_logs"), { recursive: true });
    const warm = await findEngine(opts.root, warehouse);
    const engine = warm ?? (await startEngine(opts.root, warehouse, opts.say));
    const jobs = resolve(opts.jobsDir ?? join(opts.root, "jobs"));
    const python = join(opts.root, "sdk", "engine", "python");
    const log = openSync(logFile(warehouse), "a");
    const child = spawn(dirs.python, ["-m", "lakebundle_engine.worker", `sc://127.0.0.1:${engine.port}`, warehouse], {
      cwd: warehouse,
      env: { ...process.env, PYTHONPATH: [jobs, python, join(python, "site")].join(":"), PYTHONUNBUFFERED: "1", LAKEBUNDLE_ENGINE_PID: String(engine.pid) },
      stdio: ["pipe", log, log, "pipe"],
    });
    closeSync(log);
    const runtime = new LocalRuntime(child, child.stdin!, warehouse, logFile(warehouse), opts.root, engine, !warm);
    if (runtime.owned) process.once("exit", runtime.onExit);
    runtime.listen(child.stdio[3] as Readable);
    const ready = new Promise<unknown>((res, rej) => runtime.pending.set(0, { resolve: res, reject: rej }));
    try {
      await ready;
    } catch (err) {
      await runtime.close();
      throw err;
    }
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
      if (msg.error) {
        const { kind, message, detail } = msg.error;
        p.reject(kind === "dataGate" ? new DataGateError(message) : kind === "serverlessGuard" ? new ServerlessGuardError(message) : new EngineError(message, detail));
      }
      else p.resolve(msg.result);
    });
    this.child.on("exit", (code) => {
      this.exited = new EngineError(code === ENGINE_DIED
        ? `the local engine (pid ${this.engine.pid}) died during the call; rerun to continue (every step is idempotent); see ${this.logFile}`
        : `the local engine client exited (code ${code}); see ${this.logFile}`);
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

  async run(request: RunRequest, progress?: Progress): Promise<RunSummary> {
    const summary = await this.call<RunSummary>("run", {
      plan: join(resolve(request.bundleDir), "src", "plan.json"),
      landing: resolve(request.landing),
      paths: request.paths ?? ["AP", "CP"],
      ...(request.tasks ? { tasks: request.tasks } : {}),
      runId: request.runId ?? "local",
      ...(request.replay ? { replay: request.replay } : {}),
    }, progress);
    return { ...summary, engine: { jvmPeakRssKb: enginePeakRssKb(this.engine), warm: !this.owned } };
  }

  /**
   * Starts the AP pipeline in continuous mode, as deployed (`continuous: true`): its flows stay running,
   * pick up each landed file within `triggerSeconds` and refresh the views they feed, until
   * stopContinuous() or close(). Queries and other calls run meanwhile.
   */
  startContinuous(request: { bundleDir: string; landing: string; triggerSeconds?: number; runId?: string }): Promise<ContinuousStatus> {
    return this.call<ContinuousStatus>("startContinuous", { ...this.bundleParams(request, { triggerSeconds: request.triggerSeconds ?? 1 }), runId: request.runId ?? "local-continuous" });
  }

  /**
   * Batches and view refreshes so far, with `summary` the AP tables' counts as a run reports them; rejects
   * with the error that stopped a flow (its flows are then stopped).
   */
  continuousStatus(opts: { summary?: boolean } = {}): Promise<ContinuousStatus> {
    return this.call<ContinuousStatus>("continuousStatus", { summary: !!opts.summary });
  }

  stopContinuous(): Promise<{ stopped: boolean }> {
    return this.call<{ stopped: boolean }>("stopContinuous", {});
  }

  /** What a replay of the window would read and change; `record` audits it as a dry run. */
  replayPlan(request: { bundleDir: string; landing: string; replay: ReplayWindow; record?: boolean }): Promise<ReplayPlan> {
    return this.call<ReplayPlan>("replay_plan", this.bundleParams(request, { replay: request.replay, record: request.record ?? false }));
  }

  /** Records a deletion request and (by default) carries it out at once, as the deletion job does. */
  forget(request: { bundleDir: string; landing: string; accountId?: string; workspaceId?: string; carryOut?: boolean }, progress?: Progress): Promise<ForgetResult> {
    return this.call<ForgetResult>("forget", this.bundleParams(request, {
      accountId: request.accountId ?? null, workspaceId: request.workspaceId ?? null, carryOut: request.carryOut ?? true,
    }), progress);
  }

  private bundleParams(request: { bundleDir: string; landing: string }, extra: Record<string, unknown>): Record<string, unknown> {
    return { plan: join(resolve(request.bundleDir), "src", "plan.json"), landing: resolve(request.landing), runId: "local", ...extra };
  }

  /** Parses and analyzes statements against empty tables of the plan's schemas (scratch schemas, nothing run over data). */
  analyze(planFile: string, statements: readonly { kind: string; sql: string }[]): Promise<AnalysisResult> {
    return this.call<AnalysisResult>("analyze", { plan: resolve(planFile), statements });
  }

  query(sql: string, limit = 1000): Promise<QueryResult> {
    return this.call<QueryResult>("query", { sql, limit });
  }

  /** Ends the client; stops the engine when this runtime started it (a warm engine keeps running). */
  async close(): Promise<void> {
    if (!this.exited) {
      const done = new Promise<void>((res) => this.child.once("exit", () => res()));
      await this.call("shutdown", {}).catch(() => undefined);
      this.input.end();
      await done;
    }
    if (this.owned) {
      await stopEngine(this.root, this.engine);
      process.removeListener("exit", this.onExit);
    }
  }
}

export interface ContinuousStatus {
  /** Long-lived streaming flows: bronze ingestion and silver, with the batches each ran so far. */
  flows: { kind: "bronze" | "silver"; table: string; batches: number; lastBatchMs: number | null; active: boolean }[];
  /** Per view: refreshes so far, when the last one committed (epoch seconds) and how long it took. */
  gold: Record<string, { refreshes: number; refreshedAt: number | null; lastRefreshMs: number | null }>;
  /** With `summary`: the AP tables as a run summary reports them (`seconds`: time to count them). */
  summary?: RunSummary;
}

export interface AnalysisResult {
  statements: number;
  /** `index` for a given statement; `path` for one the task code builds from the plan (MERGE, gold). */
  errors: { index?: number; path?: string; what?: string; message: string }[];
}

