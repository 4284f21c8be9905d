import type { Command } from "commander";
import { monitorKinds, postWebhook, runMonitors, type Finding, type MonitorKind } from "../monitors/index.ts";
import { exitCodes } from "./exit-codes.ts";
import { handleErrors } from "./handle-errors.ts";
import { UserError } from "./local-engine.ts";
import { openMonitorSource, type SourceFlags } from "./monitor-source.ts";
import { printJson, type Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";

interface Flags extends SourceFlags { watch?: boolean; interval: string; json?: boolean; webhook?: string; project?: string }

export function registerMonitor(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("monitor")
    .description("check lag, freshness, conflicts, quality, failed loads and cost against the spec's thresholds (exit 7 on a breach)")
    .argument("<kind>", `one of ${[...monitorKinds, "all"].join(", ")}`)
    .argument("<bundle>", "bundle name")
    .option("--local", "monitor the local warehouse")
    .option("--warehouse <dir>", "warehouse folder (local)")
    .option("--landing <dir>", "landing zone root (local): lets lag count files not ingested yet")
    .option("-t, --target <name>", "monitor a deployed target through a SQL warehouse (names from the deployed CP job)")
    .option("--warehouse-id <id>", "with -t: the SQL warehouse (default: DATABRICKS_WAREHOUSE_ID)")
    .option("--profile <name>", "with -t: a ~/.databrickscfg profile")
    .option("--watch", "check again every --interval seconds until interrupted")
    .option("--interval <s>", "seconds between checks with --watch", "60")
    .option("--json", "findings as JSON")
    .option("--webhook <url>", "also POST breaches to this URL (JSON; retried, 5 s timeout per attempt)")
    .option("--project <dir>", "project root")
    .addHelpText("after", "\nExamples:\n  lakebundle monitor all platform-telemetry --local --warehouse wh --landing landing\n  lakebundle monitor all platform-telemetry -t prod_eu_west_1 --warehouse-id 1234567890abcdef --json\n  lakebundle monitor freshness platform-telemetry --local --warehouse wh --watch --interval 30 --webhook https://alerts.example.com/hook\n")
    .action((kind: string, bundle: string, flags: Flags) => handleErrors(io, setExit, async () => {
      const kinds = kind === "all" ? [...monitorKinds] : [kind as MonitorKind];
      if (!kinds.every((k) => (monitorKinds as readonly string[]).includes(k))) throw new UserError(`no monitor ${kind}`, `use one of ${[...monitorKinds, "all"].join(", ")}`);
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      const source = await openMonitorSource(root, bundle, flags, io);
      let stop = false;
      process.once("SIGINT", () => { stop = true; });
      try {
        for (;;) {
          const ctx = source.context();
          const findings = await runMonitors(kinds, ctx);
          const breaches = findings.filter((f) => f.breach);
          if (flags.json) printJson(io, { bundle, kinds, at: ctx.now.toISOString(), healthy: breaches.length === 0, findings });
          else io.out(renderFindings(bundle, kind, findings));
          if (flags.webhook && breaches.length > 0) {
            const sent = await postWebhook(flags.webhook, { bundle, at: ctx.now.toISOString(), breaches });
            io.err(sent.delivered ? `alert posted to the webhook (attempt ${sent.attempts})` : `warning: the webhook did not take the alert after ${sent.attempts} attempt(s): ${sent.error}`);
          }
          if (!flags.watch || stop) return breaches.length > 0 ? exitCodes.breach : exitCodes.ok;
          await new Promise((r) => setTimeout(r, Number(flags.interval) * 1000));
          if (stop) return breaches.length > 0 ? exitCodes.breach : exitCodes.ok;
        }
      } finally {
        await source.close();
      }
    }));
}

export function renderFindings(bundle: string, kind: string, findings: readonly Finding[]): string {
  const breaches = findings.filter((f) => f.breach);
  const lines = [`monitor ${kind} ${bundle}: ${breaches.length === 0 ? "healthy" : `${breaches.length} breach(es)`} in ${findings.length} check(s)`];
  for (const f of [...breaches, ...findings.filter((x) => !x.breach)]) {
    lines.push(`${f.breach ? "BREACH" : "ok    "} ${f.monitor.padEnd(12)} ${f.message}`);
  }
  return lines.join("\n");
}
