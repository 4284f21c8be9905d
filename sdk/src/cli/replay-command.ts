import type { Command } from "commander";
import type { ReplayPlan, ReplayWindow } from "../runtime/index.ts";
import { handleErrors } from "./handle-errors.ts";
import { openCompiledBundle, startLocal, UserError } from "./local-engine.ts";
import { printJson, type Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";
import { exitCodes } from "./exit-codes.ts";
import { runRemote } from "./remote-run.ts";
import { openRemote } from "./remote-target.ts";

interface Flags { from: string; to: string; source?: string[]; dryRun?: boolean; json?: boolean; local?: boolean; landing?: string; warehouse?: string; target?: string; profile?: string; wait?: boolean; project?: string }

const instant = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** `--from 2026-11-01` (a day is its midnight UTC) or an ISO-8601 instant with offset. */
export function parseInstant(flag: string, value: string): string {
  if (!instant.test(value) || Number.isNaN(Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value))) {
    throw new UserError(`${flag} ${JSON.stringify(value)} is not a date or an instant`, `write ${flag} 2026-11-01 or ${flag} 2026-11-01T06:00:00Z (UTC unless an offset is given)`);
  }
  return new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString();
}

export function replayWindow(flags: Pick<Flags, "from" | "to" | "source">, sources: readonly string[]): ReplayWindow {
  const from = parseInstant("--from", flags.from);
  const to = parseInstant("--to", flags.to);
  if (Date.parse(to) <= Date.parse(from)) throw new UserError(`--to ${flags.to} is not after --from ${flags.from}`, "the window is [from, to) in event time: give a later --to");
  for (const s of flags.source ?? []) {
    if (!sources.includes(s)) throw new UserError(`--source ${s} is not a source of this bundle`, `use one of ${sources.join(", ")}`);
  }
  return { from, to, sources: [...(flags.source ?? [])].sort() };
}

export function renderReplayPlan(window: ReplayWindow, plan: ReplayPlan): string {
  const lines = [`replay plan: event time [${window.from}, ${window.to})${window.sources.length ? `, sources ${window.sources.join(", ")}` : ", every source"}`];
  for (const t of plan.tables) {
    lines.push(`  ${t.table}: ${t.lines} lines in the window from ${t.filesWithLines} of ${t.filesListed} landed files; ${t.valid} valid, ${t.invalid} bad; ${t.missing} event(s) missing from silver; days ${t.days.join(", ") || "none"}`);
  }
  lines.push(`  gold tables recomputed (changed published days are restated and audited): ${plan.gold.join(", ") || "none"}`);
  return lines.join("\n");
}

export function registerReplay(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("replay")
    .alias("backfill")
    .description("recompute CP silver and gold for an event-time window from the immutable landing zone (idempotent, audited in ops.replays)")
    .argument("<bundle>", "bundle name")
    .requiredOption("--from <instant>", "window start (inclusive), e.g. 2026-11-01 or 2026-11-01T06:00:00Z")
    .requiredOption("--to <instant>", "window end (exclusive)")
    .option("--source <name...>", "only these sources (default: all)")
    .option("--dry-run", "print the plan and stop (recorded in ops.replays as a dry run)")
    .option("--json", "machine-readable plan and result")
    .option("--local", "replay on the local engine")
    .option("--landing <dir>", "landing zone root (local)")
    .option("--warehouse <dir>", "warehouse folder (local)")
    .option("-t, --target <name>", "a Databricks target: runs the deployed CP job with the window as job parameters")
    .option("--profile <name>", "a ~/.databrickscfg profile (with -t)")
    .option("--wait", "with -t: follow the replay run to its end")
    .option("--project <dir>", "project root")
    .action((bundle: string, flags: Flags) => handleErrors(io, setExit, async () => {
      if (!!flags.local === !!flags.target) throw new UserError(flags.local ? "--local and -t are exclusive" : "say where to replay", "pass --local --landing DIR --warehouse DIR, or -t <target> for a deployed bundle");
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      const compiled = openCompiledBundle(root, bundle);
      const sources = [...new Set(compiled.manifest.tables.filter((t) => t.layer === "bronze" && t.consistency === "CP").map((t) => t.table.replace(/^bronze\.raw_/, "")))];
      const window = replayWindow(flags, sources);
      if (flags.target) {
        // the job's merge task plans and restores the window itself (jobs/lakebundle_jobs/replay.py)
        const parameters = { replay_from: window.from, replay_to: window.to, replay_sources: window.sources.join(",") };
        if (!flags.json) io.out(`replay on target ${flags.target}: a run of the deployed CP job with ${Object.entries(parameters).map(([k, v]) => `${k}=${v || "(every source)"}`).join(" ")}; its merge task restores what silver lacks, publish restates changed days, ops.replays records it`);
        if (flags.dryRun) {
          if (flags.json) printJson(io, { window, target: flags.target, parameters, dryRun: true });
          return;
        }
        const remote = await openRemote(root, bundle, flags.target, flags.profile, io);
        return runRemote(io, remote, { paths: ["CP"], wait: !!flags.wait, json: !!flags.json, parameters });
      }
      if (!flags.landing || !flags.warehouse) throw new UserError("--local needs --landing and --warehouse", "pass the landing zone and warehouse folders the bundle runs on");
      const runtime = await startLocal(root, flags.warehouse, io);
      try {
        const plan = await runtime.replayPlan({ bundleDir: compiled.dir, landing: flags.landing, replay: window, record: !!flags.dryRun });
        if (!flags.json) io.out(renderReplayPlan(window, plan));
        if (flags.dryRun) {
          if (flags.json) printJson(io, { window, plan, dryRun: true });
          return;
        }
        const started = Date.now();
        const summary = await runtime.run({ bundleDir: compiled.dir, landing: flags.landing, paths: ["CP"], replay: window, runId: `replay-${started}` }, (m) => io.err(`  ${m}`));
        const seconds = (Date.now() - started) / 1000;
        if (flags.json) {
          printJson(io, { window, plan, result: summary.metrics.replay ?? [], publish: summary.metrics.publish ?? {}, seconds });
          return;
        }
        io.out(`\nreplayed in ${seconds.toFixed(1)} s:`);
        for (const r of summary.metrics.replay ?? []) io.out(`  ${r.table}: ${r.inserted} event(s) restored, ${r.quarantinedAdded} bad line(s) added to quarantine`);
        for (const [t, p] of Object.entries(summary.metrics.publish ?? {})) io.out(`  ${t}: published ${p.published.join(", ") || "nothing new"}; restated ${p.restated.join(", ") || "nothing"}`);
      } finally {
        await runtime.close();
      }
    }));
}
