import { Command, CommanderError } from "commander";
import { exitCodes } from "./exit-codes.ts";
import { registerGenerate } from "./generate-command.ts";
import { processIo, type Io } from "./output.ts";
import { registerValidate } from "./validate-command.ts";
import { registerDemo } from "./demo-command.ts";
import { registerEngine } from "./engine-command.ts";
import { registerQuery } from "./query-command.ts";
import { registerRun } from "./run-command.ts";
import { registerSample } from "./sample-command.ts";
import { registerForget } from "./forget-command.ts";
import { registerReplay } from "./replay-command.ts";
import { registerSimulate } from "./simulate-command.ts";
import { registerDeploy } from "./deploy-command.ts";
import { registerRepair } from "./repair-command.ts";
import { registerCancel } from "./cancel-command.ts";
import { registerMonitor } from "./monitor-command.ts";
import { registerReport } from "./report-command.ts";

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command("lakebundle")
    .description("One typed pipeline spec → a Databricks Asset Bundle (AP pipeline + CP job), runnable on a local Spark + Delta engine.")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", "\nStart here:\n  lakebundle generate            compile bundles/*/lakebundle.ts into bundle files\n  lakebundle validate            check specs, schema and drift\n  lakebundle demo                sample → run on local Spark + Delta → show Gold\n  lakebundle sample <bundle> --out DIR\n  lakebundle run <bundle> --local --landing DIR --warehouse DIR\n  lakebundle query --local --warehouse DIR 'SELECT * FROM gold.billing_daily'\n  lakebundle engine start --warehouse DIR   keep the engine warm between commands\n  lakebundle deploy -t <target>  regenerate-check, then `databricks bundle deploy`\n  lakebundle run <bundle> -t <target> --wait      start the deployed pipeline/job and follow it\n  lakebundle query -t <target> --warehouse-id ID 'SELECT ...'\n  lakebundle monitor all <bundle> --local --warehouse DIR --landing DIR   exit 7 on a breach\n\nExit codes: 0 ok, 1 invalid spec, 2 usage, 3 drift, 4 run failed, 5 data gate, 6 engine setup, 7 monitor breach, 8 databricks CLI missing.\n");
  registerGenerate(program, io, setExit);
  registerValidate(program, io, setExit);
  registerDemo(program, io, setExit);
  registerSample(program, io, setExit);
  registerRun(program, io, setExit);
  registerQuery(program, io, setExit);
  registerReplay(program, io, setExit);
  registerForget(program, io, setExit);
  registerSimulate(program, io, setExit);
  registerEngine(program, io, setExit);
  registerDeploy(program, io, setExit);
  registerRepair(program, io, setExit);
  registerCancel(program, io, setExit);
  registerMonitor(program, io, setExit);
  registerReport(program, io, setExit);
  return program;
}

/** Entry point: returns the exit code instead of exiting, so tests can drive it. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code: number = exitCodes.ok;
  const program = buildProgram(io, (c) => { code = c; });
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    throw err;
  }
  return code;
}
