import type { Command } from "commander";
import { findDeployedPipeline } from "../runtime/databricks/deployed-resources.ts";
import { cancelJobRun } from "../runtime/databricks/job-runs.ts";
import { stopPipeline } from "../runtime/databricks/pipeline-updates.ts";
import { exitCodes } from "./exit-codes.ts";
import { handleErrors } from "./handle-errors.ts";
import type { Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";
import { compiledResource, openRemote } from "./remote-target.ts";
import { UserError } from "./local-engine.ts";

interface Flags { target: string; profile?: string; path?: string; project?: string }

/** `cancel <bundle> <run-id> -t T` cancels a CP job run; `cancel <bundle> --path AP -t T` stops the AP pipeline. */
export function registerCancel(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("cancel")
    .description("cancel a queued or running CP job run, or stop the AP pipeline (--path AP), on a Databricks target")
    .argument("<bundle>", "bundle name")
    .argument("[run-id]", "the CP job run to cancel")
    .requiredOption("-t, --target <name>", "the Databricks target")
    .option("--path <AP|CP>", "AP stops the pipeline's active update", "CP")
    .option("--profile <name>", "a ~/.databrickscfg profile")
    .option("--project <dir>", "project root")
    .action((bundle: string, runId: string | undefined, flags: Flags) => handleErrors(io, setExit, async () => {
      if (flags.path !== "AP" && flags.path !== "CP") throw new UserError(`--path ${flags.path} is not a path`, "use --path AP or --path CP");
      if (flags.path === "CP" && !runId) throw new UserError("cancel needs the run id of the CP run", "pass the run id `lakebundle run -t` printed, or --path AP to stop the pipeline");
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      const remote = await openRemote(root, bundle, flags.target, flags.profile, io);
      const { client, userName } = remote.connection;
      if (flags.path === "AP") {
        const resource = compiledResource(remote.compiled, "AP");
        const pipeline = await findDeployedPipeline(client, { bundle: remote.compiled.manifest.bundle, path: "AP", name: resource.name, rootBundle: remote.rootBundle, target: remote.target.name, userName });
        await stopPipeline(client, pipeline.id);
        io.out(`stopping pipeline ${pipeline.id} "${pipeline.name}"`);
        return exitCodes.ok;
      }
      const was = await cancelJobRun(client, runId!);
      io.out(`cancelling run ${runId} (was ${was}); the workspace stops it asynchronously`);
      return exitCodes.ok;
    }));
}
