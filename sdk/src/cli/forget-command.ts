import type { Command } from "commander";
import { handleErrors } from "./handle-errors.ts";
import { openCompiledBundle, startLocal, UserError } from "./local-engine.ts";
import { printJson, type Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";
import { exitCodes } from "./exit-codes.ts";

interface Flags { accountId?: string; workspaceId?: string; recordOnly?: boolean; json?: boolean; local?: boolean; landing?: string; warehouse?: string; project?: string }

export function registerForget(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("forget")
    .description("record a deletion request for an account or workspace and carry it out: every table, then VACUUM; audited in ops.deletion_requests")
    .argument("<bundle>", "bundle name")
    .option("--account-id <id>", "the account to forget")
    .option("--workspace-id <id>", "the workspace to forget (with --account-id: only that account's workspace)")
    .option("--record-only", "record the request; the deletion job (or the next `forget`) carries it out")
    .option("--json", "machine-readable result")
    .option("--local", "on the local engine")
    .option("--landing <dir>", "landing zone root (local)")
    .option("--warehouse <dir>", "warehouse folder (local)")
    .option("--project <dir>", "project root")
    .action((bundle: string, flags: Flags) => handleErrors(io, setExit, async () => {
      if (!flags.accountId && !flags.workspaceId) throw new UserError("nothing to forget", "pass --account-id ID and/or --workspace-id ID");
      if (!flags.local || !flags.landing || !flags.warehouse) throw new UserError("forget runs on the local engine here", "pass --local --landing DIR --warehouse DIR (on Databricks, run the bundle's deletion job)");
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      const compiled = openCompiledBundle(root, bundle);
      const runtime = await startLocal(root, flags.warehouse, io);
      try {
        const result = await runtime.forget({
          bundleDir: compiled.dir, landing: flags.landing, carryOut: !flags.recordOnly,
          ...(flags.accountId ? { accountId: flags.accountId } : {}), ...(flags.workspaceId ? { workspaceId: flags.workspaceId } : {}),
        }, (m) => io.err(`  ${m}`));
        if (flags.json) return void printJson(io, result);
        io.out(`deletion request ${result.requestId} recorded`);
        for (const d of result.carriedOut) {
          const rows = Object.entries(d.deletedRows).map(([t, n]) => `${t} ${n}`).join(", ") || "no rows held";
          io.out(`  carried out ${d.requestId}: deleted ${rows}; deleted files purged by VACUUM once the retention has passed (due ${d.purgeDue})`);
        }
      } finally {
        await runtime.close();
      }
    }));
}
