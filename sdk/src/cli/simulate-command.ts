import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { renderPartition, simulatePartition } from "../simulate/partition.ts";
import { handleErrors } from "./handle-errors.ts";
import { openCompiledBundle, startLocal, UserError } from "./local-engine.ts";
import { printJson, type Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";
import { exitCodes } from "./exit-codes.ts";

interface Flags { region?: string; days: string; events: string; seed: string; start: string; keep?: boolean; json?: boolean; project?: string }

export function registerSimulate(program: Command, io: Io, setExit: (code: number) => void): void {
  const simulate = program.command("simulate").description("show how the bundle behaves when things go wrong, end to end on the local engine");
  simulate
    .command("partition")
    .description("a region partitioned away, then its backlog delivered: what AP showed, what CP withheld, what was restated")
    .argument("<bundle>", "bundle name")
    .option("--region <name>", "the region cut off (default: the last configured region)")
    .option("--days <n>", "days of sample data", "4")
    .option("--events <n>", "sample events", "1200")
    .option("--seed <n>", "sample seed", "7")
    .option("--start <day>", "first day (UTC)", "2026-11-01")
    .option("--keep", "keep the landing zone and warehouse (printed) instead of removing them")
    .option("--json", "machine-readable report")
    .option("--project <dir>", "project root")
    .action((bundle: string, flags: Flags) => handleErrors(io, setExit, async () => {
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      const compiled = openCompiledBundle(root, bundle);
      const regions = compiled.manifest.regions;
      const region = flags.region ?? regions[regions.length - 1]!;
      if (!regions.includes(region)) throw new UserError(`--region ${region} is not a region of ${bundle}`, `use one of ${regions.join(", ")}`);
      const days = Number(flags.days);
      if (!Number.isInteger(days) || days < 3) throw new UserError(`--days ${flags.days} is too short`, "give at least 3 days: one published before the partition, the rest withheld");
      const work = mkdtempSync(join(tmpdir(), "lakebundle-partition-"));
      const runtime = await startLocal(root, join(work, "warehouse"), io);
      try {
        const partitionFrom = new Date(Date.parse(`${flags.start}T00:00:00Z`) + 2 * 86_400_000).toISOString().slice(0, 10);
        const report = await simulatePartition(runtime, compiled.dir, {
          work, regions, region, days, events: Number(flags.events), seed: Number(flags.seed), start: flags.start, partitionFrom,
        }, (m) => io.err(`  ${m}`));
        if (flags.json) printJson(io, report);
        else io.out(renderPartition(report));
        if (flags.keep) io.err(`kept: landing ${report.landing}, warehouse ${join(work, "warehouse")}`);
      } finally {
        await runtime.close();
        if (!flags.keep) rmSync(work, { recursive: true, force: true });
      }
    }));
}
