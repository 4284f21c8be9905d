import type { Command } from "commander";
import { resolve } from "node:path";
import { generateSample } from "../sample/index.ts";
import { handleErrors } from "./handle-errors.ts";
import { openCompiledBundle } from "./local-engine.ts";
import { printJson, type Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";
import { exitCodes } from "./exit-codes.ts";

export interface SampleFlags { out: string; events: string; days: string; dupRate: string; badRate: string; lateRate: string; seed: string; json?: boolean; project?: string }

export function sampleOptions(flags: SampleFlags, regions: readonly string[]) {
  return {
    events: Number(flags.events), days: Number(flags.days), dupRate: Number(flags.dupRate), badRate: Number(flags.badRate),
    lateRate: Number(flags.lateRate), seed: Number(flags.seed), regions,
  };
}

export function registerSample(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("sample")
    .description("write deterministic, realistic landing files for a bundle (all sources, plain and gzip, several regions)")
    .argument("<bundle>", "bundle name")
    .requiredOption("--out <dir>", "landing folder to write into")
    .option("--events <n>", "events to generate", "5000")
    .option("--days <n>", "days of event time", "3")
    .option("--dup-rate <r>", "share of events landed twice", "0.05")
    .option("--bad-rate <r>", "share of bad lines (quarantined)", "0.02")
    .option("--late-rate <r>", "share of events arriving hours late", "0.05")
    .option("--seed <n>", "random seed: same seed, same bytes", "1")
    .option("--json", "machine-readable output")
    .option("--project <dir>", "project root")
    .action((bundle: string, flags: SampleFlags) => handleErrors(io, setExit, async () => {
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      const { manifest } = openCompiledBundle(root, bundle);
      const report = generateSample(resolve(flags.out), sampleOptions(flags, manifest.regions));
      if (flags.json) printJson(io, report);
      else io.out(`wrote ${report.lines} lines in ${report.files} files to ${flags.out} (${report.bad} bad, ${report.duplicates} duplicates, ${report.late} late)`);
    }));
}
