import type { WorkspaceClient } from "@databricks/sdk-experimental";
import type { jobs } from "@databricks/sdk-experimental";

/** How a remote run ended, classified like a local run: ok, a data gate, or a failure. */
export interface RemoteOutcome {
  runId: string;
  url: string | undefined;
  /** TERMINATED/SUCCESS, TERMINATED/FAILED, TERMINATED/CANCELED, ... (an AP update: its state). */
  state: string;
  outcome: "ok" | "dataGate" | "failed";
  failedTasks: { task: string; runId: string; error: string }[];
}

export interface FollowOptions {
  pollMs: number;
  say: (message: string) => void;
}

/** `run-now` with job parameters (the replay window); returns the run id at once. */
export async function startJobRun(client: WorkspaceClient, jobId: string, parameters: Record<string, string>): Promise<string> {
  const response = await client.jobs.runNow({ job_id: Number(jobId), ...(Object.keys(parameters).length ? { job_parameters: parameters } : {}) });
  return String(response.run_id);
}

/** Polls `runs/get` until the run terminates, saying each task's state change once. */
export async function followJobRun(client: WorkspaceClient, runId: string, opts: FollowOptions): Promise<RemoteOutcome> {
  const seen = new Map<string, string>();
  for (;;) {
    const run = await client.jobs.getRun({ run_id: Number(runId) });
    for (const t of run.tasks ?? []) {
      const s = taskState(t);
      if (t.task_key && seen.get(t.task_key) !== s) {
        seen.set(t.task_key, s);
        opts.say(`task ${t.task_key}: ${s}`);
      }
    }
    if (lifecycle(run) === "TERMINATED" || lifecycle(run) === "INTERNAL_ERROR" || lifecycle(run) === "SKIPPED") return outcome(client, run);
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
}

/**
 * Re-runs the failed tasks of a run (and what depends on them) inside the same run; the repair must
 * name the latest earlier repair, read from the run's repair history.
 */
export async function repairJobRun(client: WorkspaceClient, runId: string): Promise<{ repairId: string; tasks: string[] }> {
  const run = await client.jobs.getRun({ run_id: Number(runId), include_history: true });
  const state = lifecycle(run);
  if (state !== "TERMINATED" && state !== "INTERNAL_ERROR") throw new RunStateError(`run ${runId} is ${state}: only a finished run can be repaired`, `wait for it, or cancel it with \`lakebundle cancel\``);
  const failed = (run.tasks ?? []).filter((t) => !["SUCCESS", "SUCCESS_WITH_FAILURES", "EXCLUDED"].includes(result(t))).map((t) => t.task_key ?? "");
  if (failed.length === 0) throw new RunStateError(`run ${runId} has no failed task to repair`, "start a new run with `lakebundle run -t <target>`");
  const latest = (run.repair_history ?? []).filter((h) => h.type === "REPAIR").map((h) => h.id ?? 0).sort((a, b) => a - b).at(-1);
  const response = await client.jobs.repairRun({ run_id: Number(runId), rerun_all_failed_tasks: true, rerun_dependent_tasks: true, ...(latest !== undefined ? { latest_repair_id: latest } : {}) });
  return { repairId: String(response.repair_id), tasks: failed };
}

/** Cancels a queued or running run (asynchronously on the workspace's side). */
export async function cancelJobRun(client: WorkspaceClient, runId: string): Promise<string> {
  const run = await client.jobs.getRun({ run_id: Number(runId) });
  const state = lifecycle(run);
  if (state === "TERMINATED" || state === "INTERNAL_ERROR" || state === "SKIPPED") throw new RunStateError(`run ${runId} already ended (${describe(run)})`, "nothing to cancel; `lakebundle repair` re-runs its failed tasks");
  await client.jobs.cancelRun({ run_id: Number(runId) });
  return state;
}

export class RunStateError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
  }
}

async function outcome(client: WorkspaceClient, run: jobs.Run): Promise<RemoteOutcome> {
  const runId = String(run.run_id);
  const failedTasks: RemoteOutcome["failedTasks"] = [];
  for (const t of run.tasks ?? []) {
    const r = result(t);
    // tasks that never ran (upstream failed, skipped) have no error of their own
    if (["SUCCESS", "SUCCESS_WITH_FAILURES", "EXCLUDED", "SKIPPED", "UPSTREAM_FAILED", "UPSTREAM_CANCELED", ""].includes(r) || !t.run_id) continue;
    // a task's error (the exception message) is on its own run's output
    const out = await client.jobs.getRunOutput({ run_id: t.run_id });
    failedTasks.push({ task: t.task_key ?? "", runId: String(t.run_id), error: (out.error ?? t.status?.termination_details?.message ?? t.state?.state_message ?? r).trim() });
  }
  const ok = result(run) === "SUCCESS" || result(run) === "SUCCESS_WITH_FAILURES";
  // the task code raises DataGateError when a fail expectation or the invalid-rate gate stops a batch
  const gate = failedTasks.some((f) => /DataGateError/.test(f.error));
  return { runId, url: run.run_page_url, state: describe(run), outcome: ok ? "ok" : gate ? "dataGate" : "failed", failedTasks };
}

function lifecycle(run: jobs.Run): string {
  return run.status?.state ?? run.state?.life_cycle_state ?? "UNKNOWN";
}

/** Jobs API 2.2 reports `status` (state + termination code); older fields are read when it is absent. */
function result(x: jobs.Run | jobs.RunTask): string {
  const code = x.status?.termination_details?.code;
  if (code) return code === "SUCCESS" ? "SUCCESS" : code === "CANCELED" || code === "USER_CANCELED" ? "CANCELED" : code;
  return x.state?.result_state ?? "";
}

function taskState(t: jobs.RunTask): string {
  const r = result(t);
  return r ? `${t.status?.state ?? t.state?.life_cycle_state ?? ""} ${r}`.trim() : (t.status?.state ?? t.state?.life_cycle_state ?? "PENDING");
}

function describe(run: jobs.Run): string {
  const r = result(run);
  return r ? `${lifecycle(run)}/${r}` : lifecycle(run);
}
