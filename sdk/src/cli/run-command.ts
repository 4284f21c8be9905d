import type { Command } from "commander";
import { handleErrors } from "./handle-errors.ts";
import { openCompiledBundle, startLocal, UserError } from "./local-engine.ts";
import { printJson, type Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";
import { renderSummary } from "./render-summary.ts";
import { exitCodes } from "./exit-codes.ts";
import { runRemote } from "./remote-run.ts";
import { openRemote } from "./remote-target.ts";

interface Flags { local?: boolean; landing?: string; warehouse?: string; target?: string; profile?: string; wait?: boolean; path?: string; watch?: boolean; interval: string; json?: boolean; project?: string }

export function registerRun(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("run")
    .description("run a compiled bundle end to end: AP pipeline update and CP task graph")
    .argument("<bundle>", "bundle name")
    .option("--local", "run on the local Spark + Delta engine")
    .option("--landing <dir>", "landing zone root (local)")
    .option("--warehouse <dir>", "warehouse folder: Delta tables at <warehouse>/<schema>/<table> (local)")
    .option("-t, --target <name>", "a Databricks target: start the deployed pipeline update / job run")
    .option("--profile <name>", "a ~/.databrickscfg profile (with -t)")
    .option("--wait", "with -t: follow the run to its end (exit codes as for local runs)")
    .option("--path <AP|CP>", "run one path only")
    .option("--watch", "keep ingesting: run again every --interval seconds until interrupted")
    .option("--interval <s>", "seconds between runs with --watch", "10")
    .option("--json", "machine-readable summary")
    .option("--project <dir>", "project root")
    .action((bundle: string, flags: Flags) => handleErrors(io, setExit, async () => {
      if (flags.path && !["AP", "CP"].includes(flags.path)) throw new UserError(`--path ${flags.path} is not a path`, "use --path AP or --path CP");
      if (!!flags.local === !!flags.target) throw new UserError(flags.local ? "--local and -t are exclusive" : "say where to run", "pass --local --landing DIR --warehouse DIR, or -t <target> for a deployed bundle");
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      if (flags.target) {
        const remote = await openRemote(root, bundle, flags.target, flags.profile, io);
        const paths = flags.path ? [flags.path as "AP" | "CP"] : (["AP", "CP"] as const).filter((p) => remote.compiled.manifest.paths[p]);
        return runRemote(io, remote, { paths, wait: !!flags.wait, json: !!flags.json });
      }
      if (!flags.landing || !flags.warehouse) throw new UserError("--local needs --landing and --warehouse", "pass the landing zone and the warehouse folders");
      const compiled = openCompiledBundle(root, bundle);
      const runtime = await startLocal(root, flags.warehouse, io);
      let stop = false;
      process.once("SIGINT", () => { stop = true; });
      try {
        for (let round = 1; ; round++) {
          const summary = await runtime.run(
            { bundleDir: compiled.dir, landing: flags.landing, ...(flags.path ? { paths: [flags.path as "AP" | "CP"] } : {}), runId: `local-${round}` },
            (m) => io.err(`  ${m}`),
          );
          if (flags.json) printJson(io, summary);
          else io.out(renderSummary(summary));
          if (!flags.watch || stop) break;
          await new Promise((r) => setTimeout(r, Number(flags.interval) * 1000));
          if (stop) break;
        }
      } finally {
        await runtime.close();
      }
    }));
}
