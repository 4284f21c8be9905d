import type { Command } from "commander";
import { followJobRun, repairJobRun } from "../runtime/databricks/job-runs.ts";
import { exitCodes } from "./exit-codes.ts";
import { handleErrors } from "./handle-errors.ts";
import { printJson, type Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";
import { exitCode, followOptions, renderOutcome } from "./remote-run.ts";
import { openRemote } from "./remote-target.ts";

interface Flags { target: string; profile?: string; wait?: boolean; json?: boolean; project?: string }

/** `repair <bundle> <run-id> -t T`: re-runs a failed CP run's failed tasks (and their dependents) in the same run. */
export function registerRepair(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("repair")
    .description("re-run the failed tasks of a finished CP job run on a Databricks target, inside that run")
    .argument("<bundle>", "bundle name")
    .argument("<run-id>", "the job run to repair (printed by `lakebundle run -t`)")
    .requiredOption("-t, --target <name>", "the Databricks target")
    .option("--profile <name>", "a ~/.databrickscfg profile")
    .option("--wait", "follow the repaired run to its end")
    .option("--json", "machine-readable output")
    .option("--project <dir>", "project root")
    .action((bundle: string, runId: string, flags: Flags) => handleErrors(io, setExit, async () => {
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      const remote = await openRemote(root, bundle, flags.target, flags.profile, io);
      const { repairId, tasks } = await repairJobRun(remote.connection.client, runId);
      io.err(`repair ${repairId} of run ${runId}: re-running ${tasks.join(", ")} and the tasks after them`);
      if (!flags.wait) {
        if (flags.json) printJson(io, { runId, repairId, tasks });
        return exitCodes.ok;
      }
      const outcome = await followJobRun(remote.connection.client, runId, followOptions(io));
      if (flags.json) printJson(io, { runId, repairId, tasks, outcome });
      else io.out(renderOutcome({ ...outcome, path: "CP" }));
      return exitCode([outcome]);
    }));
}
