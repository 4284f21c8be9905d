import type { Command } from "commander";
import { handleErrors } from "./handle-errors.ts";
import { startLocal, UserError } from "./local-engine.ts";
import { printJson, type Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";
import { renderTable } from "./render-summary.ts";
import { exitCodes } from "./exit-codes.ts";

interface Flags { local?: boolean; warehouse: string; limit: string; json?: boolean; project?: string }

export function registerQuery(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("query")
    .description("run SQL against the local warehouse (tables as <schema>.<table>, e.g. gold.billing_daily)")
    .argument("<sql>", "a SQL query")
    .option("--local", "query the local warehouse")
    .requiredOption("--warehouse <dir>", "warehouse folder written by `lakebundle run --local`")
    .option("--limit <n>", "maximum rows printed", "1000")
    .option("--json", "rows as JSON")
    .option("--project <dir>", "project root")
    .action((sql: string, flags: Flags) => handleErrors(io, setExit, async () => {
      if (!flags.local) throw new UserError("only the local warehouse can be queried from here", "pass --local (on Databricks, query Gold through a SQL warehouse)");
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      const runtime = await startLocal(root, flags.warehouse, io);
      try {
        const result = await runtime.query(sql, Number(flags.limit));
        if (flags.json) printJson(io, result);
        else io.out(renderTable(result));
      } finally {
        await runtime.close();
      }
    }));
}
