import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { MonitorThresholds } from "../ir/index.ts";
import type { Runtime } from "../runtime/index.ts";
import type { MonitorContext, MonitorPlan } from "./monitor-context.ts";

/** The local engine: tables in spark_catalog under their logical schema names; the landing zone is a folder. */
export function localMonitorContext(runtime: Pick<Runtime, "query">, plan: MonitorPlan, thresholds: MonitorThresholds, landing?: string): MonitorContext {
  const table = (name: string) => name.replace("${lakebundle.catalog}", "spark_catalog").replace(/\$\{lakebundle\.schema\.([a-z_0-9]+)\}/g, "$1");
  const shown = new Map<string, Set<string>>();
  return {
    query: (sql) => runtime.query(sql, 100_000),
    table,
    exists: async (name) => {
      const [catalog, schema, t] = table(name).split(".") as [string, string, string];
      if (!shown.has(schema)) {
        const r = await runtime.query(`SHOW TABLES IN ${catalog}.${schema}`, 100_000).catch(() => ({ columns: [], rows: [] as unknown[][], truncated: false }));
        const col = r.columns.findIndex((c) => c.name === "tableName");
        shown.set(schema, new Set(r.rows.map((row) => String(row[col]))));
      }
      return shown.get(schema)!.has(t);
    },
    plan,
    thresholds,
    now: new Date(),
    // absolute, as Spark records `_source_file`: a relative --landing must still match
    ...(landing ? { landedFiles: (path: string) => listFiles(resolve(landing, path)) } : {}),
  };
}

/** Files under a folder, recursively; hidden and `_`-prefixed names are not landed data (as Spark skips them). */
function listFiles(dir: string): { path: string; size: number }[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((e) => !e.name.startsWith(".") && !e.name.startsWith("_")).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? listFiles(p) : [{ path: p, size: statSync(p).size }];
  });
}

