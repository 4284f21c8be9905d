import { CATALOG_PARAM, schemaNameRef, schemaParam } from "../../compile/table-names.ts";
import type { BundleIR, PathNode } from "../../ir/index.ts";

/**
 * The AP path as one Lakeflow declarative pipeline; one SQL file per dataset. Table names in the SQL
 * are `${lakebundle.catalog}.${lakebundle.schema.<logical>}.<table>`, filled from this configuration
 * (the bundle's schema resources, prefixed per user in development mode). Serverless pipelines always
 * run Photon, so `photon` is not set.
 */
export function pipelineResource(ir: BundleIR, path: PathNode, sqlFiles: readonly string[]): Record<string, unknown> {
  const exec = path.execution;
  const schemas = [...new Set(path.datasets.map((n) => ir.datasets.find((d) => d.name === n)!.schema))].sort();
  const pipeline: Record<string, unknown> = {
    name: `${ir.name} AP (operational)`,
    catalog: "${var.catalog}",
    // the default schema; every table is named with its own schema (default publishing mode)
    schema: schemaNameRef(ir.resourceKey, schemas.includes("silver") ? "silver" : schemas[0]!),
    serverless: true,
    channel: "CURRENT",
    continuous: exec.trigger.kind === "continuous",
    configuration: {
      landing_root: ir.landingRoot,
      "spark.sql.session.timeZone": "UTC",
      [CATALOG_PARAM]: "${var.catalog}",
      ...Object.fromEntries(schemas.map((s) => [schemaParam(s), schemaNameRef(ir.resourceKey, s)])),
      // secrets reach the pipeline as secret-scope references, resolved by Databricks at run time
      ...Object.fromEntries(Object.entries(ir.secrets).map(([name, ref]) => [`lakebundle.secret.${name}`, `{{secrets/${ref.scope}/${ref.key}}}`])),
    },
    libraries: sqlFiles.map((f) => ({ file: { path: f } })),
    tags: { "lakebundle.bundle": ir.name, "lakebundle.path": "AP", ...ir.tags },
  };
  if (exec.notifyOnFailure.length > 0) {
    pipeline.notifications = [{ email_recipients: [...exec.notifyOnFailure], alerts: ["on-update-fatal-failure", "on-update-failure", "on-flow-failure"] }];
  }
  return pipeline;
}

/** A triggered AP pipeline on a schedule runs through a small job with a pipeline task. */
export function pipelineScheduleJob(ir: BundleIR, path: PathNode, pipelineKey: string): Record<string, unknown> | undefined {
  const trigger = path.execution.trigger;
  if (trigger.kind !== "cron") return undefined;
  return {
    name: `${ir.name} AP refresh`,
    max_concurrent_runs: 1,
    queue: { enabled: true },
    // no pause_status: development mode pauses it, production runs it
    schedule: { quartz_cron_expression: trigger.cron, timezone_id: trigger.timezone },
    tasks: [{ task_key: "refresh", pipeline_task: { pipeline_id: `\${resources.pipelines.${pipelineKey}.id}`, full_refresh: false } }],
    tags: { "lakebundle.bundle": ir.name, "lakebundle.path": "AP" },
  };
}
