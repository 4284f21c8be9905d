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
      { name: "checkpoint_root", default: "${var.checkpoint_root}" },
      { name: "replay_from", default: "" },
      { name: "replay_to", default: "" },
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
          "--landing-root", "{{job.parameters.landing_root}}",
          "--checkpoint-root", "{{job.parameters.checkpoint_root}}",
          "--replay-from", "{{job.parameters.replay_from}}",
          "--replay-to", "{{job.parameters.replay_to}}",
          "--run-id", "{{job.run_id}}",
        ],
      },
    })),
    tags: { "lakebundle.bundle": ir.name, "lakebundle.path": "CP", ...ir.tags },
  };
  const trigger = exec.trigger;
  if (trigger.kind === "cron") {
    job.schedule = { quartz_cron_expression: trigger.cron, timezone_id: trigger.timezone, pause_status: "UNPAUSED" };
  } else if (trigger.kind === "continuous") {
    job.continuous = { pause_status: "UNPAUSED" };
  } else {
    job.trigger = { pause_status: "UNPAUSED", file_arrival: { url: `${ir.landingRoot}/`, min_time_between_triggers_seconds: 60 } };
  }
  if (exec.backlogAlertSeconds !== undefined) {
    job.health = { rules: [{ metric: "STREAMING_BACKLOG_SECONDS", op: "GREATER_THAN", value: exec.backlogAlertSeconds }] };
  }
  if (exec.notifyOnFailure.length > 0) {
    job.email_notifications = {
      on_failure: [...exec.notifyOnFailure],
      ...(exec.backlogAlertSeconds !== undefined ? { on_streaming_backlog_exceeded: [...exec.notifyOnFailure] } : {}),
    };
  }
  return job;
}
