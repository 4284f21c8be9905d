import type { MonitorThresholds } from "../ir/index.ts";
import type { QueryResult } from "../runtime/index.ts";
import type { MonitorContext, MonitorPlan } from "./monitor-context.ts";

/**
 * A Databricks SQL warehouse: tables under the deployment's own catalog and schema names, billing from
 * the system tables. The landing zone is not listed (files outstanding come from the job's backlog
 * health rule on Databricks); the rest of the checks are the same SQL as on the local engine.
 */
export function warehouseMonitorContext(
  session: { query(sql: string, limit: number): Promise<QueryResult> },
  plan: MonitorPlan,
  thresholds: MonitorThresholds,
  names: { catalog: string; schemas: Record<string, string> },
  billing: { jobIds: string[]; pipelineIds: string[] },
): MonitorContext {
  const quote = (id: string) => `\`${id.replace(/`/g, "``")}\``;
  const parts = (name: string): [string, string, string] => {
    const [, logical = "", t = ""] = /^\$\{lakebundle\.catalog\}\.\$\{lakebundle\.schema\.([a-z_0-9]+)\}\.(.+)$/.exec(name) ?? [];
    const schema = names.schemas[logical];
    if (!schema) throw new Error(`internal: the deployment names no schema for ${name}`);
    return [names.catalog, schema, t];
  };
  const listed = new Map<string, Promise<Set<string>>>();
  return {
    query: (sql) => session.query(sql, 100_000),
    table: (name) => parts(name).map(quote).join("."),
    exists: async (name) => {
      const [catalog, schema, t] = parts(name);
      const key = `${catalog}.${schema}`;
      if (!listed.has(key)) {
        listed.set(key, session.query(`SHOW TABLES IN ${quote(catalog)}.${quote(schema)}`, 100_000)
          .then((r) => new Set(r.rows.map((row) => String(row[r.columns.findIndex((c) => c.name === "tableName")]))))
          .catch((err: unknown) => {
            // a schema not created yet holds no table; anything else (no permission) must surface
            if (/SCHEMA_NOT_FOUND/.test(String((err as Error).message ?? err))) return new Set<string>();
            throw err;
          }));
      }
      return (await listed.get(key)!).has(t);
    },
    plan,
    thresholds,
    now: new Date(),
    billing,
  };
}
