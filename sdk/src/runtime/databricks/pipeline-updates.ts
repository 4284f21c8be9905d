import type { WorkspaceClient } from "@databricks/sdk-experimental";
import type { FollowOptions, RemoteOutcome } from "./job-runs.ts";

const finished = new Set(["COMPLETED", "FAILED", "CANCELED"]);

/** Starts a pipeline update (incremental, never a full refresh from here). */
export async function startPipelineUpdate(client: WorkspaceClient, pipelineId: string): Promise<string> {
  const response = await client.pipelines.startUpdate({ pipeline_id: pipelineId, full_refresh: false, cause: "API_CALL" });
  return String(response.update_id);
}

/**
 * Follows an update until it ends, or, for a continuous pipeline (which never ends on its own), until
 * it is RUNNING: then the pipeline is up and processing.
 */
export async function followPipelineUpdate(client: WorkspaceClient, pipelineId: string, updateId: string, host: string, continuous: boolean, opts: FollowOptions): Promise<RemoteOutcome> {
  let last = "";
  const url = `${host}/pipelines/${pipelineId}/updates/${updateId}`;
  for (;;) {
    const { update } = await client.pipelines.getUpdate({ pipeline_id: pipelineId, update_id: updateId });
    const state = update?.state ?? "UNKNOWN";
    if (state !== last) opts.say(`update ${updateId}: ${state}`);
    last = state;
    if (finished.has(state) || (continuous && state === "RUNNING")) {
      const failed = state === "FAILED" || state === "CANCELED";
      return { runId: updateId, url, state, outcome: failed ? "failed" : "ok", failedTasks: failed ? await errors(client, pipelineId, updateId) : [] };
    }
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
}

/** Stops the pipeline's active update. */
export async function stopPipeline(client: WorkspaceClient, pipelineId: string): Promise<void> {
  await client.pipelines.stop({ pipeline_id: pipelineId });
}

/** The update's ERROR events from the pipeline event log: what failed, per flow. */
async function errors(client: WorkspaceClient, pipelineId: string, updateId: string): Promise<RemoteOutcome["failedTasks"]> {
  const out: RemoteOutcome["failedTasks"] = [];
  for await (const e of client.pipelines.listPipelineEvents({ pipeline_id: pipelineId, max_results: 100, filter: "level='ERROR'" })) {
    if (e.origin?.update_id && e.origin.update_id !== updateId) continue;
    out.push({ task: e.origin?.flow_name ?? e.event_type ?? "pipeline", runId: updateId, error: (e.error?.exceptions?.[0]?.message ?? e.message ?? "").trim() });
    if (out.length >= 10) break;
  }
  return out;
}
