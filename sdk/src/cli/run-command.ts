import type { Command } from "commander";
import { handleErrors } from "./handle-errors.ts";
import { openCompiledBundle, startLocal, UserError } from "./local-engine.ts";
import type { LocalRuntime } from "../runtime/index.ts";
import { printJson, type Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";
import { renderContinuous, renderSummary } from "./render-summary.ts";
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
    .option("--watch", "keep ingesting until interrupted: the AP pipeline runs continuously (as deployed), the CP job every --interval seconds")
    .option("--interval <s>", "seconds between CP runs and AP reports with --watch", "10")
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
      const paths = flags.path ? [flags.path as "AP" | "CP"] : (["AP", "CP"] as const).filter((p) => compiled.manifest.paths[p]);
      const runtime = await startLocal(root, flags.warehouse, io);
      let stop = false;
      process.once("SIGINT", () => { stop = true; });
      try {
        if (flags.watch) await watch(io, runtime, { bundleDir: compiled.dir, landing: flags.landing, paths, interval: Number(flags.interval), json: !!flags.json }, () => stop);
        else {
          const summary = await runtime.run({ bundleDir: compiled.dir, landing: flags.landing, paths, runId: "local-1" }, (m) => io.err(`  ${m}`));
          if (flags.json) printJson(io, summary);
          else io.out(renderSummary(summary));
        }
      } finally {
        await runtime.close();
      }
    }));
}

/**
 * `--watch`: the AP pipeline runs continuously, as its bundle deploys it (each landed file is picked up
 * within a second, views refresh after each batch); CP, a batch job, runs every interval. Each interval
 * prints the CP run's summary and the AP tables with what the AP flows did.
 */
async function watch(
  io: Io, runtime: LocalRuntime, opts: { bundleDir: string; landing: string; paths: readonly ("AP" | "CP")[]; interval: number; json: boolean },
  stopped: () => boolean,
): Promise<void> {
  const ap = opts.paths.includes("AP");
  if (ap) {
    await runtime.startContinuous({ bundleDir: opts.bundleDir, landing: opts.landing, triggerSeconds: 1 });
    io.err("  AP pipeline running continuously: flows pick up landed files every second, views refresh after each batch (Ctrl-C stops)");
  }
  try {
    for (let round = 1; !stopped(); round++) {
      if (opts.paths.includes("CP")) {
        const summary = await runtime.run({ bundleDir: opts.bundleDir, landing: opts.landing, paths: ["CP"], runId: `local-${round}` }, (m) => io.err(`  ${m}`));
        if (opts.json) printJson(io, summary);
        else io.out(renderSummary(summary));
      }
      if (ap) {
        const status = await runtime.continuousStatus({ summary: true });
        if (opts.json) printJson(io, status);
        else io.out(renderContinuous(status));
      }
      for (let waited = 0; waited < opts.interval * 1000 && !stopped(); waited += 250) await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    if (ap) await runtime.stopContinuous();
  }
}
