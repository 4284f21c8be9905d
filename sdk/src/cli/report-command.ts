import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { monitorKinds, runMonitors } from "../monitors/index.ts";
import { collectReport } from "../report/collect-report.ts";
import { renderReport } from "../report/render-report.ts";
import { exitCodes } from "./exit-codes.ts";
import { handleErrors } from "./handle-errors.ts";
import { openMonitorSource, type SourceFlags } from "./monitor-source.ts";
import type { Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";

interface Flags extends SourceFlags { out?: string; project?: string }

export function registerReport(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("report")
    .description("write an offline HTML report: lag, freshness, quality, conflicts and task durations over the monitors' window, and the monitors' findings")
    .argument("<bundle>", "bundle name")
    .option("--local", "read the local warehouse")
    .option("--warehouse <dir>", "warehouse folder (local)")
    .option("--landing <dir>", "landing zone root (local): lets the lag findings count files not ingested yet")
    .option("-t, --target <name>", "read a deployed target through a SQL warehouse")
    .option("--warehouse-id <id>", "with -t: the SQL warehouse (default: DATABRICKS_WAREHOUSE_ID)")
    .option("--profile <name>", "with -t: a ~/.databrickscfg profile")
    .option("--out <file>", "where to write the report (default: report-<bundle>.html)")
    .option("--project <dir>", "project root")
    .addHelpText("after", "\nThe file is self-contained (charts drawn by uPlot, inlined): open it anywhere, offline.\n\nExample:\n  lakebundle report platform-telemetry --local --warehouse wh --landing landing --out report.html\n")
    .action((bundle: string, flags: Flags) => handleErrors(io, setExit, async () => {
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      const source = await openMonitorSource(root, bundle, flags, io);
      try {
        const ctx = source.context();
        const findings = await runMonitors([...monitorKinds], ctx);
        const from = flags.target ? `target ${flags.target}` : `local warehouse ${resolve(flags.warehouse!)}`;
        const data = await collectReport(ctx, bundle, from, findings);
        const out = resolve(flags.out ?? `report-${bundle}.html`);
        writeFileSync(out, renderReport(data));
        const points = data.charts.reduce((n, c) => n + c.x.length, 0);
        io.out(`wrote ${out}: ${data.charts.length} charts (${points} points), ${findings.length} findings (${findings.filter((f) => f.breach).length} breached)`);
        return exitCodes.ok;
      } finally {
        await source.close();
      }
    }));
}
