import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { join, resolve } from "node:path";
import { EngineError } from "../runtime.ts";
import { engineDirs, readStamp } from "./engine-setup.ts";

/**
 * The local engine is a Spark Connect server (started from the pinned pyspark package, 127.0.0.1
 * only, one per warehouse) and the task code runs as its client, as on serverless compute. A server
 * started by `lakebundle engine start` stays warm between CLI calls; one started by a command for
 * itself is stopped when the command ends. State lives in `.lakebundle/engines/<warehouse hash>.json`,
 * created exclusively: that file is the per-warehouse lock.
 */
export interface EngineState {
  pid: number;
  port: number;
  warehouse: string;
  startedAt: string;
  /** LAKEBUNDLE_ENGINE_TAG of the starting process: the test suite stops every engine it tagged. */
  tag?: string;
}

export interface EngineStatus extends EngineState {
  alive: boolean;
}

export class EngineBusyError extends EngineError {}

const SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer";

function enginesDir(root: string): string {
  return join(root, ".lakebundle", "engines");
}

function stateFile(root: string, warehouse: string): string {
  return join(enginesDir(root), `${createHash("sha256").update(resolve(warehouse)).digest("hex").slice(0, 16)}.json`);
}

/** A live process that is our Connect server for this warehouse (not a recycled pid). */
function isOurServer(state: EngineState): boolean {
  try {
    process.kill(state.pid, 0);
    const cmdline = readFileSync(`/proc/${state.pid}/cmdline`, "utf8");
    return cmdline.includes(SERVER_CLASS) && cmdline.includes(state.warehouse);
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const socket = connect({ port, host: "127.0.0.1" }, () => { socket.end(); res(true); });
    socket.on("error", () => res(false));
  });
}

function readState(file: string): EngineState | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as EngineState;
  } catch {
    return undefined;
  }
}

/** The running engine for this warehouse, waiting for one that is still starting; stale state is removed. */
export async function findEngine(root: string, warehouse: string, waitSeconds = 180): Promise<EngineState | undefined> {
  const file = stateFile(root, warehouse);
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const state = readState(file);
    if (!state) {
      if (!existsSync(file)) return undefined;
    } else if (state.pid > 0 && !isOurServer(state)) {
      rmSync(file, { force: true }); // crashed or killed: its lock is stale
      return undefined;
    } else if (state.port > 0 && (await portOpen(state.port))) {
      return state;
    }
    if (Date.now() > deadline) throw new EngineError(`the engine for ${warehouse} did not become ready; see ${logFile(warehouse)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function logFile(warehouse: string): string {
  return join(resolve(warehouse), "_logs", "engine.log");
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.unref();
    server.on("error", rej);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => res(port));
    });
  });
}

/** Starts a server for the warehouse; a second one for the same warehouse is refused. */
export async function startEngine(root: string, warehouseDir: string, say: (m: string) => void = () => {}): Promise<EngineState> {
  const warehouse = resolve(warehouseDir);
  const file = stateFile(root, warehouse);
  mkdirSync(enginesDir(root), { recursive: true });
  await findEngine(root, warehouse, 0).catch(() => undefined); // clears stale state
  let lock: number;
  try {
    lock = openSync(file, "wx");
  } catch {
    const other = readState(file);
    throw new EngineBusyError(
      `an engine is already running for ${warehouse}${other?.pid ? ` (pid ${other.pid}, port ${other.port})` : " (starting)"}: ` +
      "commands reuse it; stop it with `lakebundle engine stop --warehouse <dir>`");
  }
  const stamp = readStamp(root);
  const dirs = engineDirs(root);
  mkdirSync(join(warehouse, "_logs"), { recursive: true });
  mkdirSync(join(warehouse, "_metastore"), { recursive: true });
  const port = await freePort();
  const jars = readdirSync(dirs.jars).filter((j) => j.endsWith(".jar")).sort().map((j) => join(dirs.jars, j));
  const log = openSync(logFile(warehouse), "a");
  const conf = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    // a persistent metastore (embedded Derby, one engine per warehouse): tables stay registered across restarts
    "spark.sql.catalogImplementation": "hive",
    "spark.hadoop.javax.jdo.option.ConnectionURL": `jdbc:derby:;databaseName=${join(warehouse, "_metastore", "metastore_db")};create=true`,
    "spark.hadoop.datanucleus.schema.autoCreateAll": "true",
    "spark.hadoop.hive.metastore.schema.verification": "false",
    "spark.sql.warehouse.dir": warehouse,
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.connect.grpc.binding.address": "127.0.0.1",
    "spark.connect.grpc.binding.port": String(port),
    "spark.databricks.delta.snapshotPartitions": "2",
    "spark.sql.streaming.stopActiveRunOnRestart": "true",
    // profiling (`npm run bench`): a Spark event log, which the bench breaks down per task and Spark job
    ...(process.env.LAKEBUNDLE_EVENT_LOG ? { "spark.eventLog.enabled": "true", "spark.eventLog.compress": "false", "spark.eventLog.dir": process.env.LAKEBUNDLE_EVENT_LOG } : {}),
  };
  const args = [
    "--class", SERVER_CLASS, "--name", "lakebundle-engine", "--master", "local[2]",
    "--driver-memory", process.env.LAKEBUNDLE_DRIVER_MEMORY ?? "2g",
    "--driver-java-options", `-Dlog4j2.configurationFile=file:${join(root, "sdk", "engine", "log4j2.properties")} -Dderby.system.home=${join(warehouse, "_metastore")}`,
    "--jars", jars.join(","),
    ...Object.entries(conf).flatMap(([k, v]) => ["--conf", `${k}=${v}`]),
    "spark-internal",
  ];
  say(`starting the local engine (Spark Connect on 127.0.0.1:${port}, warehouse ${warehouse})`);
  const child = spawn(join(stamp.sparkHome, "bin", "spark-submit"), args, {
    detached: true,
    stdio: ["ignore", log, log],
    cwd: warehouse,
    env: {
      ...process.env,
      SPARK_HOME: stamp.sparkHome,
      SPARK_LOCAL_IP: "127.0.0.1",
      PYSPARK_PYTHON: dirs.python,
      // foreachBatch runs in Python processes this server starts: they get the serverless guard, and
      // no task code on their path (it arrives pickled by value, as on serverless)
      PYTHONPATH: join(root, "sdk", "engine", "python", "site"),
      LAKEBUNDLE_SERVERLESS_GUARD: "1",
    },
  });
  closeSync(log);
  child.unref();
  const state: EngineState = {
    pid: child.pid ?? 0, port, warehouse, startedAt: new Date().toISOString(),
    ...(process.env.LAKEBUNDLE_ENGINE_TAG ? { tag: process.env.LAKEBUNDLE_ENGINE_TAG } : {}),
  };
  writeFileSync(lock, JSON.stringify(state, null, 2));
  closeSync(lock);
  const started = Date.now();
  while (!(await portOpen(port))) {
    if (!isOurServer(state) && Date.now() - started > 2000) {
      rmSync(file, { force: true });
      throw new EngineError(`the local engine exited while starting: ${tail(logFile(warehouse))}`, `see ${logFile(warehouse)}`);
    }
    if (Date.now() - started > 240_000) {
      await stopEngine(root, state);
      throw new EngineError(`the local engine did not open port ${port} within 240 s; see ${logFile(warehouse)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  say(`engine ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return state;
}

function tail(file: string): string {
  try {
    const lines = readFileSync(file, "utf8").trim().split("\n");
    return lines.slice(-3).join(" | ");
  } catch {
    return "(no log)";
  }
}

/** Stops the server (its whole process group) and releases the warehouse lock. */
export async function stopEngine(root: string, state: EngineState): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-state.pid, s);
    } catch {
      try { process.kill(state.pid, s); } catch { /* already gone */ }
    }
  };
  if (state.pid > 0 && isOurServer(state)) {
    signal("SIGTERM");
    const deadline = Date.now() + 20_000;
    while (isOurServer(state) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (isOurServer(state)) signal("SIGKILL");
  }
  rmSync(stateFile(root, state.warehouse), { force: true });
}

/** Synchronous best effort for process exit paths (no awaiting there). */
export function killEngineNow(root: string, state: EngineState): void {
  try {
    process.kill(-state.pid, "SIGKILL");
  } catch { /* gone */ }
  rmSync(stateFile(root, state.warehouse), { force: true });
}

/** High-water mark of the engine JVM's resident memory (Linux /proc), 0 where unavailable. */
export function enginePeakRssKb(state: EngineState): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${state.pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export function listEngines(root: string): EngineStatus[] {
  const dir = enginesDir(root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(".json")).sort().flatMap((f) => {
    const state = readState(join(dir, f));
    return state ? [{ ...state, alive: isOurServer(state) }] : [];
  });
}
