import type { EnginePlan, GoldPlan } from "../../compile/engine-plan.ts";
import type { BundleIR, GoldNode } from "../../ir/index.ts";
import { streamTriggersSql, writeAgesSql } from "../../monitors/check-sql.ts";
import { shortName } from "../../monitors/monitor-context.ts";
import { jsonText } from "../yaml-text.ts";
import { lastWrites } from "./last-writes.ts";
import { dataset, page, tableWidget, textWidget, timeChart, type Column, type LakeviewDashboard, type LakeviewDataset, type LakeviewWidget } from "./lvdash.ts";

/** How far back the dashboard looks: hours and operations; daily gold. */
const DAYS = 14;
const DAILY_DAYS = 90;
const since = (column: string) => `${column} >= current_timestamp() - INTERVAL ${DAYS} DAYS`;
/** `schema.table` of a recorded three-part table name (dev-prefixed schemas stay recognisable). */
const shortTable = (column: string) => `substring_index(${column}, '.', -2)`;

/**
 * The system's AI/BI dashboard: Gold (each table's main measure over its periods, split by completeness
 * where the table carries it) and operations (invalid rate and expectation failures from ops.batch_metrics,
 * write conflicts, quarantined files, task durations and failures, stream input vs processed rate, and
 * each table's last write, as the freshness alerts see it). `name` resolves a plan table name.
 */
export function operationsDashboard(ir: BundleIR, plan: EnginePlan, name: (planTable: string) => string): LakeviewDashboard {
  const datasets: LakeviewDataset[] = [];
  const gold: LakeviewWidget[] = [textWidget("gold_title", [
    `## ${ir.name}: Gold`,
    "AP tables are live and flag incomplete periods (`is_complete`: every region's watermark passed the period end plus the allowed lateness); CP tables publish complete periods only.",
  ])];
  for (const [consistency, path] of Object.entries(plan.paths)) {
    for (const g of path.gold) {
      // AP gold carries completeness columns; CP gold holds complete periods only
      const live = consistency === "AP" && g.completeness !== null;
      const measure = mainMeasure(ir, g);
      datasets.push(goldDataset(g, measure.column, live, name));
      gold.push(...goldWidgets(g, measure, live));
    }
  }
  const ops: LakeviewWidget[] = [textWidget("ops_title", [
    `## ${ir.name}: operations`,
    `The last ${DAYS} days of what the task code records in the ops schema, and when each table was last written.`,
  ])];
  // on Databricks the ops tables are written by the CP task code (the AP path is a declarative pipeline)
  if (plan.paths.CP) {
    const o = plan.ops;
    datasets.push(...opsDatasets(o, name));
    const hourly = (kind: "line" | "bar", widget: string, ds: string, title: string, y: Column, color: Column) =>
      timeChart(kind, widget, ds, title, { column: "hour", title: "hour" }, y, color);
    ops.push(
      hourly("line", "invalid_rate", "ops_invalid_rate", "invalid rate: rows quarantined / rows landed, per hour",
        { column: "invalid_rate", title: "invalid rate", agg: "MAX" }, { column: "table_name", title: "table" }),
      hourly("bar", "expectation_failures", "ops_expectation_failures", "rows failing each expectation, per hour",
        { column: "failed_rows", title: "failed rows", agg: "SUM" }, { column: "expectation", title: "expectation" }),
      hourly("bar", "write_conflicts", "ops_write_conflicts", "Delta write conflicts by outcome, per hour",
        { column: "conflicts", title: "conflicts", agg: "SUM" }, { column: "outcome", title: "outcome" }),
      hourly("line", "task_seconds", "ops_task_runs", "task run duration (slowest per hour)",
        { column: "seconds", title: "seconds", agg: "MAX" }, { column: "task", title: "task" }),
      hourly("bar", "task_failures", "ops_task_runs", "failed task runs, per hour",
        { column: "failed", title: "failed runs", agg: "SUM" }, { column: "task", title: "task" }),
      hourly("line", "stream_rates", "ops_stream_rates", "streams: input vs processed rows per second (hourly average)",
        { column: "rows_per_second", title: "rows per second", agg: "AVG" }, { column: "rate", title: "rate" }),
      hourly("line", "stream_lag", "ops_stream_lag", "input / processed rate per stream (above 1: falling behind)",
        { column: "input_to_processed", title: "input / processed", agg: "MAX" }, { column: "stream", title: "stream" }),
      tableWidget("quarantined_files", "ops_quarantined_files", "landed files quarantined whole", [
        { column: "detected_at", title: "detected" }, { column: "source", title: "source" }, { column: "file", title: "file" },
        { column: "size", title: "bytes" }, { column: "reason", title: "reason" }, { column: "path", title: "path" },
      ]),
      tableWidget("task_runs", "ops_task_runs", "task runs", [
        { column: "started_at", title: "started" }, { column: "task", title: "task" }, { column: "status", title: "status" },
        { column: "seconds", title: "seconds" }, { column: "error_class", title: "error class" }, { column: "error", title: "error" },
      ]),
    );
  }
  const writes = (["bronze", "silver", "gold"] as const).flatMap((layer) => lastWrites(plan, layer, name));
  if (writes.length > 0) {
    datasets.push(dataset("ops_last_writes", "last write per table", writeAgesSql(writes)));
    ops.push(tableWidget("last_writes", "ops_last_writes", "last write per table (what the freshness alerts compare)", [
      { column: "subject", title: "table" }, { column: "last_write", title: "last write" }, { column: "seconds_since_write", title: "seconds since" },
    ]));
  }
  return { datasets, pages: [page("gold", "Gold", gold), page("operations", "Operations", ops)] };
}

/** The gold table's main measure per period, with the completeness columns where AP gold has them. */
function goldDataset(g: GoldPlan, measure: string, live: boolean, name: (planTable: string) => string): LakeviewDataset {
  const window = g.periodGrain === "day" ? `${g.periodColumn} >= date_sub(current_date(), ${DAILY_DAYS})` : since(g.periodColumn);
  return dataset(`gold_${g.name}`, g.name, selectSql(
    [`${g.periodColumn} AS period`, measure, ...(live ? ["regions_reported", "is_complete"] : [])], name(g.table), window));
}

/**
 * The measure a gold table is read by: its first additive one (a count or sum adds up across the table's
 * groups within a period), else its first, at its largest.
 */
function mainMeasure(ir: BundleIR, g: GoldPlan): Column {
  const node = ir.datasets.find((d): d is GoldNode => d.kind === "gold" && d.name === g.name)!;
  const additive = node.measures.find((m) => /^\s*(count|count_if|sum)\s*\(/i.test(m.expr));
  const m = additive ?? node.measures[0]!;
  return { column: m.name, title: m.name, agg: additive ? "SUM" : "MAX" };
}

function goldWidgets(g: GoldPlan, measure: Column, live: boolean): LakeviewWidget[] {
  const ds = `gold_${g.name}`;
  const x = { column: "period", title: g.periodColumn };
  return [
    timeChart("line", `${g.name}_measure`, ds, `${shortName(g.table)}: ${measure.title} per ${g.periodGrain}`, x, measure,
      live ? { column: "is_complete", title: "complete" } : undefined),
    ...(live ? [timeChart("bar", `${g.name}_regions`, ds, `${shortName(g.table)}: regions reported per ${g.periodGrain}`, x,
      { column: "regions_reported", title: "regions reported", agg: "MIN" })] : []),
  ];
}

function opsDatasets(o: EnginePlan["ops"], name: (planTable: string) => string): LakeviewDataset[] {
  const hour = (column: string) => `date_trunc('HOUR', ${column}) AS hour`;
  const metrics = name(o.batchMetricsTable);
  const triggers = streamTriggersSql(name(o.streamProgressTable), `current_timestamp() - INTERVAL ${DAYS} DAYS`);
  const triggersPerHour = (groupBy: string, ...columns: string[]) =>
    `SELECT date_trunc('HOUR', recorded_at) AS hour, ${columns.join(", ")} FROM (${triggers}) WHERE n > 0 AND gap > 0 AND busy > 0 GROUP BY ${groupBy}`;
  return [
    dataset("ops_invalid_rate", "invalid rate per table and hour", selectSql(
      [hour("recorded_at"), `${shortTable("table_name")} AS table_name`, "sum(landed) AS landed", "sum(invalid) AS invalid", "try_divide(sum(invalid), sum(landed)) AS invalid_rate"],
      metrics, `${since("recorded_at")} AND gate_error IS NULL`, "GROUP BY 1, 2")),
    dataset("ops_expectation_failures", "rows failing each expectation per hour", selectSql(
      [hour("recorded_at"), `${shortTable("table_name")} || ' ' || expectation AS expectation`, "sum(failed) AS failed_rows"],
      `(SELECT recorded_at, table_name, explode(expectations) AS (expectation, failed) FROM ${metrics} WHERE ${since("recorded_at")} AND gate_error IS NULL)`,
      undefined, "GROUP BY 1, 2")),
    dataset("ops_write_conflicts", "write conflicts per hour", selectSql(
      [hour("recorded_at"), `${shortTable("table_name")} AS table_name`, "outcome", "count(*) AS conflicts"],
      name(o.writeConflictsTable), since("recorded_at"), "GROUP BY 1, 2, 3")),
    dataset("ops_quarantined_files", "landed files quarantined whole", selectSql(
      ["detected_at", "source", "element_at(split(path, '/'), -1) AS file", "size", "reason", "path"],
      name(o.quarantinedFilesTable), since("detected_at"), "ORDER BY detected_at DESC")),
    dataset("ops_task_runs", "task runs", selectSql(
      ["started_at", hour("started_at"), "path || ' ' || task AS task", "status", "CASE WHEN status = 'failed' THEN 1 ELSE 0 END AS failed", "seconds", "error_class", "error"],
      name(o.taskRunsTable), since("started_at"), "ORDER BY started_at DESC")),
    // rates as `lakebundle monitor lag` computes them: rows / seconds between triggers vs rows / trigger time
    dataset("ops_stream_rates", "input vs processed rows per second", selectSql(
      ["hour", "rate", "rows_per_second"],
      `(SELECT hour, stack(2, 'input', input, 'processed', processed) AS (rate, rows_per_second) FROM (${triggersPerHour("1", "sum(n) / sum(gap) AS input", "sum(n) / sum(busy) AS processed")}))`)),
    dataset("ops_stream_lag", "input / processed rate per stream", selectSql(
      ["hour", "stream", "input_to_processed"],
      `(${triggersPerHour("1, 2", `path || ' ' || ${shortTable("table_name")} AS stream`, "sum(busy) / sum(gap) AS input_to_processed")})`)),
  ];
}

/** A dataset query, one selected column a line. */
function selectSql(columns: readonly string[], from: string, where?: string, tail?: string): string {
  return ["SELECT", `  ${columns.join(",\n  ")}`, `FROM ${from}`, ...(where ? [`WHERE ${where}`] : []), ...(tail ? [tail] : [])].join("\n");
}

/**
 * The dashboard resource. Its queries must name the deployed tables: the catalog is per target and
 * development mode prefixes schema names per user (`dev_<user>_gold`). The databricks CLI interpolates
 * `${...}` only in YAML values: a `file_path` dashboard is deployed as-is (the CLI reads the file after
 * resolving variables; a maintainer: "we only support deploying the json in file_path as-is",
 * https://github.com/databricks/cli/issues/6000), and `dataset_catalog`/`dataset_schema` set one default
 * catalog and schema for every dataset, while these queries read Gold and ops, two differently prefixed
 * schemas (https://docs.databricks.com/aws/en/dev-tools/bundles/resources#dashboard). So the document goes
 * inline as `serialized_dashboard`, with `${var.catalog}` and `${resources.schemas.<key>.name}` in its SQL,
 * as the pipeline and job name tables. The same document is written to `src/<key>.lvdash.json` for review
 * and tests; sync excludes it (a synced `.lvdash.json` would become a second dashboard, see root-config.ts).
 */
export function dashboardResource(ir: BundleIR, document: LakeviewDashboard): Record<string, unknown> {
  return {
    display_name: `${ir.name} operations`,
    warehouse_id: "${var.warehouse_id}",
    // viewers query with their own permissions (and the CLI refuses embedded credentials under a
    // run_as identity other than the deployer)
    embed_credentials: false,
    serialized_dashboard: jsonText(document),
  };
}
