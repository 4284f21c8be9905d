import type { Command } from "commander";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { findEngine, stopEngine } from "../runtime/index.ts";
import { generateSample } from "../sample/index.ts";
import { handleErrors } from "./handle-errors.ts";
import { openCompiledBundle, startLocal } from "./local-engine.ts";
import type { Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";
import { renderSummary, renderTable } from "./render-summary.ts";
import { exitCodes } from "./exit-codes.ts";

export function registerDemo(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("demo")
    .description("the whole loop on the local engine: sample landing files → run AP + CP → show Gold")
    .argument("[bundle]", "bundle name", "platform-telemetry")
    .option("--events <n>", "events to generate", "4000")
    .option("--dir <dir>", "where landing and warehouse go (recreated)", ".lakebundle/demo")
    .option("--project <dir>", "project root")
    .action((bundle: string, flags: { events: string; dir: string; project?: string }) => handleErrors(io, setExit, async () => {
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      const compiled = openCompiledBundle(root, bundle);
      const base = join(root, flags.dir, bundle);
      const landing = join(base, "landing");
      const warehouse = join(base, "warehouse");
      // the demo starts from nothing: a warm engine on its warehouse (metastore inside) goes first
      const warm = await findEngine(root, warehouse, 0).catch(() => undefined);
      if (warm) {
        io.err(`stopping the warm engine of ${warehouse} (pid ${warm.pid}): the demo recreates that warehouse`);
        await stopEngine(root, warm);
      }
      rmSync(base, { recursive: true, force: true });
      const report = generateSample(landing, { events: Number(flags.events), days: 3, dupRate: 0.05, badRate: 0.02, lateRate: 0.05, seed: 1, regions: compiled.manifest.regions });
      io.out(`1/3 sample: ${report.lines} lines in ${report.files} files → ${landing}`);
      const runtime = await startLocal(root, warehouse, io);
      try {
        io.out("2/3 run: AP pipeline update + CP job (ingest → validate → merge → completeness → publish)");
        const summary = await runtime.run({ bundleDir: compiled.dir, landing }, (m) => io.err(`  ${m}`));
        io.out(renderSummary(summary));
        io.out("\n3/3 gold.billing_daily (CP, complete days only):");
        io.out(renderTable(await runtime.query("SELECT usage_date, account_id, sku, sum(total_dbus) AS total_dbus, sum(event_count) AS events FROM gold.billing_daily GROUP BY ALL ORDER BY ALL", 30)));
        io.out("\ngold.billing_daily_live (AP, every day, flagged):");
        io.out(renderTable(await runtime.query("SELECT usage_date, sum(total_dbus) AS total_dbus, min(regions_reported) AS regions_reported, bool_and(is_complete) AS is_complete FROM gold.billing_daily_live GROUP BY usage_date ORDER BY usage_date")));
        io.out(`\nquery it yourself: lakebundle query --local --warehouse ${warehouse} "SELECT * FROM gold.billing_daily LIMIT 10"`);
      } finally {
        await runtime.close();
      }
    }));
}
