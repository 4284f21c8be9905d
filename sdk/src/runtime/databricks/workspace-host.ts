import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where the workspace host of a Databricks command comes from, resolved in the databricks CLI's order. */
export interface ResolvedHost {
  host: string;
  /** e.g. "DATABRICKS_HOST", "profile prod in ~/.databrickscfg" (never a credential). */
  source: string;
}

/**
 * The host the databricks CLI would authenticate against: an explicit `--profile` first, then
 * DATABRICKS_HOST, then DATABRICKS_CONFIG_PROFILE; undefined when none is set (the CLI then uses the
 * bundle target's `workspace.host`). Only `host` is read from the config file: tokens and client
 * secrets are never loaded into lakebundle.
 */
export function resolveWorkspaceHost(opts: { profile?: string; env?: NodeJS.ProcessEnv } = {}): ResolvedHost | undefined {
  const env = opts.env ?? process.env;
  const file = env.DATABRICKS_CONFIG_FILE ?? join(homedir(), ".databrickscfg");
  const profile = opts.profile ?? (env.DATABRICKS_HOST ? undefined : env.DATABRICKS_CONFIG_PROFILE);
  if (profile) {
    const host = profileHost(file, profile);
    if (!host) throw new WorkspaceHostError(`profile ${profile} has no host in ${file}`, `add \`host = https://<workspace>\` under [${profile}], or run \`databricks auth login --profile ${profile}\``);
    return { host, source: `profile ${profile} in ${file}` };
  }
  if (env.DATABRICKS_HOST) return { host: env.DATABRICKS_HOST, source: "DATABRICKS_HOST" };
  return undefined;
}

/**
 * The credentials' host for a target, refusing credentials for another workspace: deploy and every
 * `-t` command check it the same way, before anything is sent.
 */
export function targetAuthHost(target: { name: string; workspaceHost: string }, opts: { profile?: string } = {}): ResolvedHost | undefined {
  const auth = resolveWorkspaceHost(opts.profile ? { profile: opts.profile } : {});
  if (auth && !target.workspaceHost.includes("${") && !sameHost(auth.host, target.workspaceHost)) {
    throw new WorkspaceHostError(`target ${target.name} is on ${target.workspaceHost}, but the credentials are for ${auth.host} (from ${auth.source})`, `use the profile or DATABRICKS_HOST of ${target.workspaceHost}, or another target`);
  }
  return auth;
}

export class WorkspaceHostError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
  }
}

function profileHost(file: string, profile: string): string | undefined {
  if (!existsSync(file)) throw new WorkspaceHostError(`no Databricks config file at ${file} (needed for profile ${profile})`, "create it with `databricks auth login --profile <name>` or set DATABRICKS_CONFIG_FILE");
  let section = "";
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!.trim();
    else if (section === profile) {
      const kv = /^host\s*=\s*(.+)$/.exec(line);
      if (kv) return kv[1]!.trim();
    }
  }
  return undefined;
}

/** Hosts compare without scheme case, trailing slashes or a default https port. */
export function sameHost(a: string, b: string): boolean {
  const norm = (h: string) => {
    const withScheme = /^[a-z]+:\/\//i.test(h) ? h : `https://${h}`;
    try {
      const u = new URL(withScheme);
      return `${u.protocol}//${u.host}`.toLowerCase();
    } catch {
      return h.toLowerCase().replace(/\/+$/, "");
    }
  };
  return norm(a) === norm(b);
}
