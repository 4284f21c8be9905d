import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { DeployTarget, WorkspaceConnection } from "../runtime/databricks/workspace-connection.ts";
import { openCompiledBundle, UserError, type CompiledBundle } from "./local-engine.ts";
import type { Io } from "./output.ts";

export interface Remote {
  connection: WorkspaceConnection;
  target: DeployTarget;
  compiled: CompiledBundle;
  /** `bundle.name` of the compiled root databricks.yml: part of every deployment's state path. */
  rootBundle: string;
}

/** A deployed path's resource as the compiled YAML names it. */
export interface CompiledResource {
  kind: "jobs" | "pipelines";
  key: string;
  name: string;
  continuous: boolean;
}

/**
 * Everything a remote command needs, from compiled artifacts only (the root databricks.yml and the
 * bundle's manifest and resource YAML), never the TypeScript spec: what runs is what was deployed.
 */
export async function openRemote(root: string, bundle: string, targetName: string, profile: string | undefined, io: Io): Promise<Remote> {
  const compiled = openCompiledBundle(root, bundle);
  const { connection, target, rootBundle } = await openTarget(root, targetName, profile, io);
  return { connection, target, compiled, rootBundle };
}

/** The target of the compiled root databricks.yml, connected. */
export async function openTarget(root: string, targetName: string, profile: string | undefined, io: Io): Promise<Omit<Remote, "compiled"> & { catalog: string | undefined }> {
  const rootFile = join(root, "databricks.yml");
  if (!existsSync(rootFile)) throw new UserError("no databricks.yml at the project root", "run `lakebundle generate` first");
  const config = parse(readFileSync(rootFile, "utf8")) as { bundle?: { name?: string }; targets?: Record<string, { mode?: string; workspace?: { host?: string }; variables?: Record<string, string> }> };
  const t = config.targets?.[targetName];
  if (!t) throw new UserError(`no target ${targetName}`, `targets of this project: ${Object.keys(config.targets ?? {}).sort().join(", ") || "(none)"}`);
  if (!t.workspace?.host) throw new UserError(`target ${targetName} has no workspace host`, "set workspaceHost on the target in the spec and regenerate");
  const target: DeployTarget = { name: targetName, workspaceHost: t.workspace.host, mode: t.mode === "production" ? "production" : "development" };
  // the SDK loads here, not at CLI start: local commands never pay for it
  const { connectWorkspace } = await import("../runtime/databricks/workspace-connection.ts");
  const connection = await connectWorkspace(target, profile ? { profile } : {});
  io.err(`connected to ${connection.host} as ${connection.userName} (${connection.authType})`);
  return { connection, target, rootBundle: config.bundle?.name ?? "lakebundle", catalog: t.variables?.catalog };
}

export function compiledResource(compiled: CompiledBundle, path: "AP" | "CP"): CompiledResource {
  const ref = compiled.manifest.paths[path]?.resource;
  if (!ref) throw new UserError(`bundle ${compiled.manifest.bundle} has no ${path} path`, `use --path ${path === "AP" ? "CP" : "AP"}`);
  const [kind, key] = ref.split(".") as ["jobs" | "pipelines", string];
  const file = join(compiled.dir, "resources", `${key}.${kind === "jobs" ? "job" : "pipeline"}.yml`);
  const doc = parse(readFileSync(file, "utf8")) as { resources: Record<string, Record<string, { name: string; continuous?: boolean }>> };
  const resource = doc.resources[kind]?.[key];
  if (!resource) throw new UserError(`${file} does not define ${ref}`, "regenerate the bundle with `lakebundle generate`");
  return { kind, key, name: resource.name, continuous: resource.continuous === true };
}
