import type { WorkspaceClient } from "@databricks/sdk-experimental";
import { WorkspaceError } from "./workspace-error.ts";

/** What identifies one deployed resource of a compiled bundle on one target. */
export interface ResourceQuery {
  /** The system (spec name), as in the `lakebundle.bundle` tag. */
  bundle: string;
  path: "AP" | "CP";
  /** The resource's name in the compiled YAML (development mode prefixes it with `[dev <user>] `). */
  name: string;
  /** The root bundle's name (`bundle.name` in databricks.yml) and the target deployed. */
  rootBundle: string;
  target: string;
  /** The signed-in principal: with several deployments of a development target, theirs is chosen. */
  userName: string;
}

export interface DeployedResource {
  id: string;
  name: string;
  /** `settings.deployment.metadata_file_path`: the deployment that owns it. */
  deployment: string;
}

/**
 * Deployed resources are found by the deployment state the databricks CLI writes into every resource
 * it deploys (`deployment.kind = BUNDLE`, `metadata_file_path = <root_path>/state/metadata.json`, the
 * root path ending in `.bundle/<bundle>/<target>`), then by the bundle's `lakebundle.*` tags and the
 * compiled name. Nothing is matched by a display name alone, which anyone can copy.
 */
export async function findDeployedJob(client: WorkspaceClient, q: ResourceQuery): Promise<DeployedResource> {
  const found: DeployedResource[] = [];
  for await (const job of client.jobs.list({ limit: 100, expand_tasks: false })) {
    const s = job.settings;
    if (!s || !matches(q, s.name, s.tags, s.deployment?.kind, s.deployment?.metadata_file_path)) continue;
    found.push({ id: String(job.job_id), name: s.name ?? "", deployment: s.deployment!.metadata_file_path! });
  }
  return choose(q, "job", found);
}

export async function findDeployedPipeline(client: WorkspaceClient, q: ResourceQuery): Promise<DeployedResource> {
  const found: DeployedResource[] = [];
  // list returns no spec: narrow by name server-side (LIKE), then read each candidate's spec
  const like = q.name.replace(/[%_']/g, (c) => (c === "'" ? "''" : `\\${c}`));
  for await (const p of client.pipelines.listPipelines({ max_results: 100, filter: `name LIKE '%${like}%'` })) {
    if (!p.pipeline_id) continue;
    const full = await client.pipelines.get({ pipeline_id: p.pipeline_id });
    const s = full.spec;
    if (!s || !matches(q, s.name, s.tags, s.deployment?.kind, s.deployment?.metadata_file_path)) continue;
    found.push({ id: p.pipeline_id, name: s.name ?? "", deployment: s.deployment!.metadata_file_path! });
  }
  return choose(q, "pipeline", found);
}

function matches(q: ResourceQuery, name: string | undefined, tags: Record<string, string> | undefined, kind: string | undefined, metadata: string | undefined): boolean {
  return kind === "BUNDLE"
    && !!metadata?.endsWith(`/.bundle/${q.rootBundle}/${q.target}/state/metadata.json`)
    && tags?.["lakebundle.bundle"] === q.bundle
    && tags?.["lakebundle.path"] === q.path
    && (name === q.name || !!name?.endsWith(`] ${q.name}`));
}

function choose(q: ResourceQuery, kind: string, found: DeployedResource[]): DeployedResource {
  if (found.length === 0) {
    throw new WorkspaceError(`no deployed ${kind} "${q.name}" of ${q.bundle} (${q.path}) for target ${q.target}`, `deploy it first: \`lakebundle deploy -t ${q.target}\``);
  }
  if (found.length === 1) return found[0]!;
  const mine = found.filter((r) => r.deployment.startsWith(`/Workspace/Users/${q.userName}/`));
  if (mine.length === 1) return mine[0]!;
  throw new WorkspaceError(`${found.length} deployments of ${kind} "${q.name}" match target ${q.target}: ${found.map((r) => `${r.id} (${r.deployment})`).join(", ")}`, "run as the principal that deployed the one you mean (development targets are per user)");
}
