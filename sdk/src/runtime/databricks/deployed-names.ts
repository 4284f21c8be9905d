import type { WorkspaceClient } from "@databricks/sdk-experimental";
import { WorkspaceError } from "./workspace-error.ts";

/** The Unity Catalog names a deployment really uses: development mode prefixes schema names per user. */
export interface DeployedNames {
  catalog: string;
  /** logical schema (bronze, silver, gold, ops) → deployed schema name */
  schemas: Record<string, string>;
}

/**
 * Read from the deployed CP job itself, where the databricks CLI resolved every `${var.catalog}` and
 * `${resources.schemas.<key>.name}` at deploy time: the `catalog` job parameter's default and the
 * `--schema logical=name` arguments of its first task. Nothing is re-derived from the mode's naming rules.
 */
export async function deployedNames(client: WorkspaceClient, jobId: string): Promise<DeployedNames> {
  const job = await client.jobs.get({ job_id: Number(jobId) });
  const settings = job.settings;
  const catalog = settings?.parameters?.find((p) => p.name === "catalog")?.default;
  const args = settings?.tasks?.find((t) => t.spark_python_task)?.spark_python_task?.parameters ?? [];
  const schemas: Record<string, string> = {};
  args.forEach((a, i) => {
    if (a !== "--schema") return;
    const [logical, name] = (args[i + 1] ?? "").split("=");
    if (logical && name) schemas[logical] = name;
  });
  if (!catalog || catalog.includes("${") || Object.keys(schemas).length === 0) {
    throw new WorkspaceError(`job ${jobId} does not name its catalog and schemas (catalog parameter ${JSON.stringify(catalog ?? null)}, ${Object.keys(schemas).length} --schema argument(s))`,
      "redeploy the bundle with `lakebundle deploy -t <target>`: the job was not deployed from this version of lakebundle");
  }
  return { catalog, schemas };
}
