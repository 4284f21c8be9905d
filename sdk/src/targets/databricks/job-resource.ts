import type { BundleIR, PathNode } from "../../ir/index.ts";

/** CP task graph. Each task is idempotent: re-running any of them changes nothing. */
export const cpTasks = ["ingest", "validate", "merge", "completeness", "publish"] as const;
export type CpTask = (typeof cpTasks)[number];

const taskDescriptions: Record<CpTask, string> = {
  ingest: "incremental file ingestion into bronze (Auto Loader, exactly-once file tracking)",
  validate: "expectations; quarantine with reason; fail when the invalid rate exceeds the threshold",
  merge: "MERGE dedup by key into silver with idempotent commits (txnAppId/txnVersion)",
  completeness: "region watermarks; decides which periods are complete",
  publish: "publish complete periods to gold; restate published periods, audited",
};

export interface JobPaths {
  /** Task entrypoint, relative to the resource file. */
  readonly taskFile: string;
  /** The plan as the workspace sees it after deploy. */
  readonly planWorkspacePath: string;
  /** Logical schema → deployed name reference (`${resources.schemas.<key>.name}`). */
  readonly schemaNames: Readonly<Record<string, string>>;
  /** Default checkpoint root: the system's checkpoints volume, per target and (in development) per user. */
  readonly checkpointRoot: string;
}

export function jobResource(ir: BundleIR, path: PathNode, paths: JobPaths): Record<string, unknown> {
  const exec = path.execution;
  const job: Record<string, unknown> = {
    name: `${ir.name} CP (billing-grade)`,
    description: `CP path of ${ir.name}: ${cpTasks.join(" -> ")}. Re-running any task is a no-op.`,
    max_concurrent_runs: 1,
    queue: { enabled: true },
    timeout_seconds: exec.timeoutSeconds,
    parameters: [
      { name: "catalog", default: "${var.catalog}" },
      { name: "landing_root", default: ir.landingRoot },
      { name: "checkpoint_root", default: paths.checkpointRoot },
      { name: "replay_from", default: "" },
      { name: "replay_to", default: "" },
      { name: "replay_sources", default: "" },
    ],
    environments: [{ environment_key: "default", spec: { environment_version: "2" } }],
    tasks: cpTasks.map((task, i) => ({
      task_key: task,
      description: taskDescriptions[task],
      ...(i > 0 ? { depends_on: [{ task_key: cpTasks[i - 1] }] } : {}),
      environment_key: "default",
      max_retries: exec.retries.max,
      min_retry_interval_millis: exec.retries.minIntervalSeconds * 1000,
      retry_on_timeout: exec.retries.onTimeout,
      timeout_seconds: exec.timeoutSeconds,
      spark_python_task: {
        python_file: paths.taskFile,
        parameters: [
          "--plan", paths.planWorkspacePath, "--path", "CP", "--task", task,
          "--catalog", "{{job.parameters.catalog}}",
          ...Object.entries(paths.schemaNames).flatMap(([logical, ref]) => ["--schema", `${logical}=${ref}`]),
          "--landing-root", "{{job.parameters.landing_root}}",
          "--checkpoint-root", "{{job.parameters.checkpoint_root}}",
          "--replay-from", "{{job.parameters.replay_from}}",
          "--replay-to", "{{job.parameters.replay_to}}",
          "--replay-sources", "{{job.parameters.replay_sources}}",
          "--run-id", "{{job.run_id}}",
        ],
      },
    })),
    tags: { "lakebundle.bundle": ir.name, "lakebundle.path": "CP", ...ir.tags },
  };
  // No pause_status: development mode then pauses schedules and triggers for every developer's copy,
  // and production runs them (an explicit UNPAUSED would survive development mode).
  const trigger = exec.trigger;
  if (trigger.kind === "cron") {
    job.schedule = { quartz_cron_expression: trigger.cron, timezone_id: trigger.timezone };
  } else if (trigger.kind === "continuous") {
    job.continuous = {};
  } else {
    job.trigger = { file_arrival: { url: `${ir.landingRoot}/`, min_time_between_triggers_seconds: 60 } };
  }
  const backlog = backlogRules(exec.backlogAlert);
  job.health = { rules: [...backlog, durationRule(exec)] };
  if (exec.notifyOnFailure.length > 0) {
    job.email_notifications = {
      on_failure: [...exec.notifyOnFailure],
      on_duration_warning_threshold_exceeded: [...exec.notifyOnFailure],
      ...(backlog.length > 0 ? { on_streaming_backlog_exceeded: [...exec.notifyOnFailure] } : {}),
    };
  }
  return job;
}

/**
 * A run slower than usual (a growing backlog, a slow MERGE) is seen before `timeout_seconds` stops it: the
 * RUN_DURATION_SECONDS health metric notifies `on_duration_warning_threshold_exceeded`
 * (https://docs.databricks.com/aws/en/jobs/notifications).
 */
function durationRule(exec: PathNode["execution"]): Record<string, unknown> {
  return { metric: "RUN_DURATION_SECONDS", op: "GREATER_THAN", value: exec.durationWarningSeconds ?? Math.floor(exec.timeoutSeconds / 2) };
}

/** Auto Loader reports its backlog as outstanding files and bytes, which these job health metrics read. */
function backlogRules(alert: { files?: number | undefined; bytes?: number | undefined } | undefined): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = [];
  if (alert?.files !== undefined) rules.push({ metric: "STREAMING_BACKLOG_FILES", op: "GREATER_THAN", value: alert.files });
  if (alert?.bytes !== undefined) rules.push({ metric: "STREAMING_BACKLOG_BYTES", op: "GREATER_THAN", value: alert.bytes });
  return rules;
}

/**
 * The deletion job: carries out recorded deletion requests (`lakebundle forget`) in the CP tables and the
 * AP streaming tables (AP materialized views are recomputed by their pipeline), purges deletion vectors,
 * and VACUUMs the tables of earlier requests once their retention has passed; daily, so a request is
 * carried out within a day and its files purged within the retention after that. It runs the same task
 * code with `--task forget`.
 */
export function forgetJobResource(ir: BundleIR, paths: JobPaths): Record<string, unknown> {
  // a deletion request not carried out breaks the deletion policy: whoever is paged for CP is told
  const notify = ir.paths.CP?.execution.notifyOnFailure ?? [];
  return {
    ...(notify.length > 0 ? { email_notifications: { on_failure: [...notify] } } : {}),
    name: `${ir.name} deletion requests`,
    description: `Carries out deletion requests of ${ir.name} (ops.deletion_requests): DELETE from CP bronze, quarantine, silver and gold and from the AP streaming tables, REORG … APPLY (PURGE), and VACUUM once the retention has passed. Re-running deletes nothing more.`,
    max_concurrent_runs: 1,
    queue: { enabled: true },
    parameters: [
      { name: "catalog", default: "${var.catalog}" },
      { name: "landing_root", default: ir.landingRoot },
      { name: "checkpoint_root", default: paths.checkpointRoot },
    ],
    environments: [{ environment_key: "default", spec: { environment_version: "2" } }],
    schedule: { quartz_cron_expression: "0 0 3 * * ?", timezone_id: "UTC" },
    tasks: [{
      task_key: "forget",
      description: "delete the rows of every pending deletion request, purge, VACUUM due tables, audit",
      environment_key: "default",
      max_retries: 3,
      min_retry_interval_millis: 300_000,
      spark_python_task: {
        python_file: paths.taskFile,
        parameters: [
          "--plan", paths.planWorkspacePath, "--path", "CP", "--task", "forget",
          "--catalog", "{{job.parameters.catalog}}",
          ...Object.entries(paths.schemaNames).flatMap(([logical, ref]) => ["--schema", `${logical}=${ref}`]),
          "--landing-root", "{{job.parameters.landing_root}}",
          "--checkpoint-root", "{{job.parameters.checkpoint_root}}",
          "--run-id", "{{job.run_id}}",
        ],
      },
    }],
    tags: { "lakebundle.bundle": ir.name, "lakebundle.path": "CP", ...ir.tags },
  };
}
