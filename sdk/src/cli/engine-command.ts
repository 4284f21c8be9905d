import type { Command } from "commander";
import { resolve } from "node:path";
import { findEngine, listEngines, setupEngine, startEngine, stopEngine } from "../runtime/index.ts";
import { handleErrors } from "./handle-errors.ts";
import { UserError } from "./local-engine.ts";
import { printJson, type Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";
import { exitCodes } from "./exit-codes.ts";

interface Flags { project?: string; warehouse?: string; json?: boolean }

export function registerEngine(program: Command, io: Io, setExit: (code: number) => void): void {
  const engine = program.command("engine").description("the local Spark + Delta engine (a Spark Connect server per warehouse)");
  engine
    .command("setup")
    .description("install the local engine into .lakebundle/engine (idempotent; cached until its pins change)")
    .option("--project <dir>", "project root")
    .action((flags: Flags) => handleErrors(io, setExit, async () => {
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      const r = await setupEngine(root, (m) => io.err(m));
      io.out(r.cached ? "engine is set up (cached)" : "engine is set up");
    }));
  engine
    .command("start")
    .description("start a warm engine for a warehouse: run, query, demo and tests reuse it until `engine stop`")
    .requiredOption("--warehouse <dir>", "warehouse folder the engine serves (one engine per warehouse)")
    .option("--json", "machine-readable state")
    .option("--project <dir>", "project root")
    .action((flags: Flags) => handleErrors(io, setExit, async () => {
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      await setupEngine(root, (m) => io.err(m));
      const state = await startEngine(root, flags.warehouse!, (m) => io.err(m));
      if (flags.json) printJson(io, state);
      else io.out(`engine running: pid ${state.pid}, sc://127.0.0.1:${state.port}, warehouse ${state.warehouse}`);
    }));
  engine
    .command("stop")
    .description("stop the engine of a warehouse (or every engine of this project with --all)")
    .option("--warehouse <dir>", "warehouse folder")
    .option("--all", "stop every engine this project started")
    .option("--project <dir>", "project root")
    .action((flags: Flags & { all?: boolean }) => handleErrors(io, setExit, async () => {
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      if (!flags.all && !flags.warehouse) throw new UserError("say which engine to stop", "pass --warehouse <dir> or --all");
      const states = flags.all ? listEngines(root) : [await findEngine(root, flags.warehouse!, 0).catch(() => undefined)].filter((s) => s !== undefined);
      for (const s of states) {
        await stopEngine(root, s);
        io.out(`stopped engine pid ${s.pid} (warehouse ${s.warehouse})`);
      }
      if (states.length === 0) io.out(flags.all ? "no engines running" : `no engine running for ${resolve(flags.warehouse!)}`);
    }));
  engine
    .command("status")
    .description("list this project's engines")
    .option("--json", "machine-readable list")
    .option("--project <dir>", "project root")
    .action((flags: Flags) => handleErrors(io, setExit, async () => {
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      const engines = listEngines(root);
      if (flags.json) return void printJson(io, { engines });
      if (engines.length === 0) io.out("no engines running (commands start one for themselves; `lakebundle engine start --warehouse DIR` keeps one warm)");
      for (const e of engines) io.out(`${e.alive ? "running" : "stale  "}  pid ${e.pid}  sc://127.0.0.1:${e.port}  ${e.warehouse}  since ${e.startedAt}`);
    }));
}
