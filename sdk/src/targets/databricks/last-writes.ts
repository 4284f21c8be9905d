import type { EnginePlan } from "../../compile/engine-plan.ts";
import type { LastWrite } from "../../monitors/check-sql.ts";
import { shortName } from "../../monitors/monitor-context.ts";

export type FreshnessLayer = "bronze" | "silver" | "gold";

/**
 * When each table of a layer was last written, as one SQL statement can tell on Databricks (a SQL alert
 * cannot run `DESCRIBE HISTORY`, which `lakebundle monitor` reads, and `information_schema.tables.last_altered`
 * is documented as the time the relation's *definition* changed:
 * https://docs.databricks.com/aws/en/sql/language-manual/information-schema/tables).
 * - bronze and silver rows carry `_ingested_at`, stamped when the row is ingested (both paths): the newest
 *   is when data last arrived; a table that stops receiving data ages like its last commit would.
 * - CP gold: every gold write logs a row in ops.publish_log after it (`logged_at`, `gold_table` = its
 *   deployed name); "no diff, no write" holds for both, so the log's newest row is gold's last data commit.
 * - AP gold materialized views have neither; a refresh that fails is reported by the pipeline's
 *   `on-flow-failure` notification, and a pipeline that stops shows in its silver tables' age.
 * `name` resolves a plan table name (deployed: through the bundle's variables and schema resources).
 */
export function lastWrites(plan: EnginePlan, layer: FreshnessLayer, name: (planTable: string) => string): LastWrite[] {
  const out: LastWrite[] = [];
  for (const [consistency, path] of Object.entries(plan.paths)) {
    if (layer === "gold") {
      if (consistency !== "CP") continue;
      for (const g of path.gold) {
        out.push({ subject: shortName(g.table), sql: `SELECT max(logged_at) FROM ${name(plan.ops.publishLogTable)} WHERE gold_table = '${name(g.table)}'` });
      }
      continue;
    }
    for (const t of path[layer]) out.push({ subject: shortName(t.table), sql: `SELECT max(_ingested_at) FROM ${name(t.table)}` });
  }
  return out.sort((a, b) => (a.subject < b.subject ? -1 : 1));
}
