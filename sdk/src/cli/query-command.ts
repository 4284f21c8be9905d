import type { Command } from "commander";
import { handleErrors } from "./handle-errors.ts";
import { startLocal, UserError } from "./local-engine.ts";
import { printJson, type Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";
import { renderTable } from "./render-summary.ts";
import { exitCodes } from "./exit-codes.ts";
import { openTarget } from "./remote-target.ts";

interface Flags { local?: boolean; warehouse?: string; target?: string; warehouseId?: string; profile?: string; limit: string; json?: boolean; project?: string }

export function registerQuery(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("query")
    .description("run SQL against the local warehouse or, with -t, a Databricks SQL warehouse (tables as <schema>.<table>, e.g. gold.billing_daily)")
    .argument("<sql>", "a SQL query")
    .option("--local", "query the local warehouse")
    .option("--warehouse <dir>", "warehouse folder written by `lakebundle run --local`")
    .option("-t, --target <name>", "query the target's workspace through a SQL warehouse (two-part names resolve in the target's catalog)")
    .option("--warehouse-id <id>", "the SQL warehouse (default: DATABRICKS_WAREHOUSE_ID)")
    .option("--profile <name>", "a ~/.databrickscfg profile (with -t)")
    .option("--limit <n>", "maximum rows printed", "1000")
    .option("--json", "rows as JSON")
    .option("--project <dir>", "project root")
    .action((sql: string, flags: Flags) => handleErrors(io, setExit, async () => {
      if (!!flags.local === !!flags.target) throw new UserError(flags.local ? "--local and -t are exclusive" : "say what to query", "pass --local --warehouse DIR, or -t <target> --warehouse-id ID");
      const root = projectRoot(io, flags.project);
      if (!root) return exitCodes.usage;
      if (flags.target) {
        const warehouseId = flags.warehouseId ?? process.env.DATABRICKS_WAREHOUSE_ID;
        if (!warehouseId) throw new UserError("-t needs a SQL warehouse", "pass --warehouse-id ID (SQL Warehouses → Connection details) or set DATABRICKS_WAREHOUSE_ID");
        const { connection, catalog } = await openTarget(root, flags.target, flags.profile, io);
        const { queryWarehouse } = await import("../runtime/databricks/sql-warehouse.ts");
        const result = await queryWarehouse(connection, { warehouseId, sql, limit: Number(flags.limit), ...(catalog && !catalog.includes("${") ? { catalog } : {}) });
        if (flags.json) printJson(io, result);
        else io.out(renderTable(result));
        return;
      }
      if (!flags.warehouse) throw new UserError("--local needs --warehouse", "pass the warehouse folder `lakebundle run --local` wrote");
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
