import { Agent } from "node:https";
import { Config, WorkspaceClient } from "@databricks/sdk-experimental";
import { workspaceError } from "./workspace-error.ts";
import { targetAuthHost, WorkspaceHostError } from "./workspace-host.ts";

/** A deploy target as the compiled root databricks.yml declares it. */
export interface DeployTarget {
  name: string;
  workspaceHost: string;
  mode: "development" | "production";
}

export interface WorkspaceConnection {
  client: WorkspaceClient;
  /** https://host, no trailing slash: for run page links and the SQL warehouse. */
  host: string;
  /** The signed-in principal (a user name or a service principal's application id). */
  userName: string;
  authType: string;
  /** The credential the SQL warehouse client needs; never printed or written. */
  bearer(): Promise<string>;
}

/**
 * Connects as the databricks CLI would authenticate (DATABRICKS_HOST/DATABRICKS_TOKEN, a profile of
 * ~/.databrickscfg, OAuth machine-to-machine with DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET):
 * the SDK's own credential chain, with the host pinned to the target's. TLS is always verified; a
 * private CA is trusted through NODE_EXTRA_CA_CERTS, never by switching verification off.
 */
export async function connectWorkspace(target: DeployTarget, opts: { profile?: string } = {}): Promise<WorkspaceConnection> {
  refuseDisabledTls();
  const auth = targetAuthHost(target, opts);
  const concrete = !target.workspaceHost.includes("${");
  if (!auth && !concrete) throw new WorkspaceHostError(`target ${target.name} takes its host from a variable (${target.workspaceHost})`, "set DATABRICKS_HOST or pass --profile");
  const host = (auth?.host ?? target.workspaceHost).replace(/\/+$/, "");
  if (!/^https:\/\//i.test(/^[a-z]+:\/\//i.test(host) ? host : `https://${host}`)) {
    throw new WorkspaceHostError(`workspace host ${host} is not https`, "Databricks workspaces are served over https: use https://<workspace>");
  }
  // skipVerify must be false, not absent: the SDK's agent verifies only when it is exactly false;
  // our own agent below verifies regardless.
  const config = new Config({ ...(opts.profile ? { profile: opts.profile } : {}), ...(auth ? {} : { host }), skipVerify: false });
  const client = new WorkspaceClient(config, {
    product: "lakebundle",
    productVersion: "0.1.0",
    agent: new Agent({ keepAlive: true, rejectUnauthorized: true, timeout: 60_000 }),
  });
  try {
    await config.ensureResolved();
    const me = await client.currentUser.me();
    return {
      client,
      host: (await config.getHost()).origin,
      userName: me.userName ?? me.id ?? "unknown",
      authType: config.authType ?? "unknown",
      bearer: async () => {
        const headers = new Headers();
        await config.authenticate(headers);
        return (headers.get("Authorization") ?? "").replace(/^Bearer\s+/i, "");
      },
    };
  } catch (err) {
    throw workspaceError(err, host);
  }
}

/** Verification switched off in the environment would silently apply to our requests: refuse instead. */
function refuseDisabledTls(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_TLS_REJECT_UNAUTHORIZED === "0") {
    throw new WorkspaceHostError("NODE_TLS_REJECT_UNAUTHORIZED=0 switches TLS verification off; lakebundle never talks to a workspace that way", "unset it; to trust a private CA, point NODE_EXTRA_CA_CERTS at its PEM file");
  }
  if (env.DATABRICKS_SDK_PROXY_STRICT_SSL === "false") {
    throw new WorkspaceHostError("DATABRICKS_SDK_PROXY_STRICT_SSL=false switches TLS verification off for OAuth requests", "unset it; to trust a private CA, point NODE_EXTRA_CA_CERTS at its PEM file");
  }
}
