import type { BundleIR, PathNode } from "../../ir/index.ts";

/** The AP path as one Lakeflow declarative pipeline; one SQL file per dataset. */
export function pipelineResource(ir: BundleIR, path: PathNode, sqlFiles: readonly string[]): Record<string, unknown> {
  const exec = path.execution;
  const pipeline: Record<string, unknown> = {
    name: `${ir.name} AP (operational)`,
    catalog: "${var.catalog}",
    schema: "silver",
    serverless: true,
    channel: "CURRENT",
    photon: true,
    continuous: exec.trigger.kind === "continuous",
    configuration: {
      landing_root: ir.landingRoot,
      "spark.sql.session.timeZone": "UTC",
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
    schedule: { quartz_cron_expression: trigger.cron, timezone_id: trigger.timezone, pause_status: "UNPAUSED" },
    tasks: [{ task_key: "refresh", pipeline_task: { pipeline_id: `\${resources.pipelines.${pipelineKey}.id}`, full_refresh: false } }],
    tags: { "lakebundle.bundle": ir.name, "lakebundle.path": "AP" },
  };
}
