import type { Command } from "commander";
import { setupEngine } from "../runtime/index.ts";
import { handleErrors } from "./handle-errors.ts";
import type { Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";
import { exitCodes } from "./exit-codes.ts";

export function registerEngine(program: Command, io: Io, setExit: (code: number) => void): void {
  const engine = program.command("engine").description("the local Spark + Delta engine");
  engine
    .command("setup")
    .description("install the local engine into .lakebundle/engine (idempotent; cached until its pins change)")
    .option("--project <dir>", "project root")
    .action((flags: { project?: string }) => handleErrors(io, setExit, async () => {
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      const r = await setupEngine(root, (m) => io.err(m));
      io.out(r.cached ? "engine is set up (cached)" : "engine is set up");
    }));
}
