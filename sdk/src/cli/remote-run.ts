import { findDeployedJob, findDeployedPipeline } from "../runtime/databricks/deployed-resources.ts";
import { followJobRun, startJobRun, type FollowOptions, type RemoteOutcome } from "../runtime/databricks/job-runs.ts";
import { followPipelineUpdate, startPipelineUpdate } from "../runtime/databricks/pipeline-updates.ts";
import { exitCodes } from "./exit-codes.ts";
import { printJson, type Io } from "./output.ts";
import { compiledResource, type Remote } from "./remote-target.ts";

export interface RemoteRunOptions {
  paths: ("AP" | "CP")[];
  wait: boolean;
  json: boolean;
  /** Job parameters of the CP run (the replay window). */
  parameters?: Record<string, string>;
}

/** Seconds between polls of a followed run (LAKEBUNDLE_POLL_SECONDS; tests poll fast). */
export function followOptions(io: Io): FollowOptions {
  return { pollMs: Number(process.env.LAKEBUNDLE_POLL_SECONDS ?? "5") * 1000, say: (m) => io.err(`  ${m}`) };
}

/** Starts the deployed AP pipeline update and/or CP job run and, with --wait, follows them to the end. */
export async function runRemote(io: Io, remote: Remote, opts: RemoteRunOptions): Promise<number> {
  const { client, host, userName } = remote.connection;
  const query = (path: "AP" | "CP", name: string) => ({ bundle: remote.compiled.manifest.bundle, path, name, rootBundle: remote.rootBundle, target: remote.target.name, userName });
  const outcomes: (RemoteOutcome & { path: string; resource: string })[] = [];
  const started: { path: "AP" | "CP"; id: string; resourceId: string; continuous: boolean; resource: string }[] = [];
  for (const path of opts.paths) {
    const resource = compiledResource(remote.compiled, path);
    if (resource.kind === "jobs") {
      const job = await findDeployedJob(client, query(path, resource.name));
      const runId = await startJobRun(client, job.id, opts.parameters ?? {});
      io.err(`${path}: started run ${runId} of job ${job.id} "${job.name}"${opts.parameters && Object.keys(opts.parameters).length ? ` with ${Object.entries(opts.parameters).map(([k, v]) => `${k}=${v}`).join(" ")}` : ""}`);
      started.push({ path, id: runId, resourceId: job.id, continuous: false, resource: job.name });
    } else {
      const pipeline = await findDeployedPipeline(client, query(path, resource.name));
      const updateId = await startPipelineUpdate(client, pipeline.id);
      io.err(`${path}: started update ${updateId} of pipeline ${pipeline.id} "${pipeline.name}"${resource.continuous ? " (continuous: it keeps running)" : ""}`);
      started.push({ path, id: updateId, resourceId: pipeline.id, continuous: resource.continuous, resource: pipeline.name });
    }
  }
  if (!opts.wait) {
    const rows = started.map((s) => ({ path: s.path, resource: s.resource, id: s.id, url: s.path === "AP" ? `${host}/pipelines/${s.resourceId}/updates/${s.id}` : `${host}/jobs/${s.resourceId}/runs/${s.id}` }));
    if (opts.json) printJson(io, { started: rows });
    else for (const r of rows) io.out(`${r.path} ${r.id} ${r.url}`);
    return exitCodes.ok;
  }
  for (const s of started) {
    const o = s.path === "AP"
      ? await followPipelineUpdate(client, s.resourceId, s.id, host, s.continuous, followOptions(io))
      : await followJobRun(client, s.id, followOptions(io));
    outcomes.push({ ...o, path: s.path, resource: s.resource });
  }
  if (opts.json) printJson(io, { outcomes });
  else io.out(outcomes.map(renderOutcome).join("\n"));
  return exitCode(outcomes);
}

export function renderOutcome(o: RemoteOutcome & { path?: string }): string {
  const lines = [`${o.path ? `${o.path} ` : ""}${o.runId}: ${o.state}${o.url ? `  ${o.url}` : ""}`];
  for (const f of o.failedTasks) lines.push(`  failed ${f.task}: ${f.error.split("\n").slice(0, 3).join(" / ")}`);
  if (o.outcome !== "ok" && o.path !== "AP") lines.push(`  hint: after fixing the cause, re-run the failed tasks in the same run: lakebundle repair <bundle> ${o.runId} -t <target>`);
  return lines.join("\n");
}

/** As for local runs: a data gate is 5, any other failure 4. */
export function exitCode(outcomes: readonly RemoteOutcome[]): number {
  if (outcomes.some((o) => o.outcome === "failed")) return exitCodes.runFailed;
  if (outcomes.some((o) => o.outcome === "dataGate")) return exitCodes.dataGate;
  return exitCodes.ok;
}
