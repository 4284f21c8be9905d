import { WorkspaceHostError } from "./workspace-host.ts";

// Kept apart from the clients (@databricks/sdk-experimental, @databricks/sql), which load only when a
// command talks to a workspace: every CLI command maps these errors, most never need a client.

/** A workspace call that failed: the message names the host and the status, never a credential. */
export class WorkspaceError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
  }
}

export function workspaceError(err: unknown, host: string): Error {
  if (err instanceof WorkspaceError || err instanceof WorkspaceHostError) return err;
  const e = err as { message?: string; statusCode?: number; errorCode?: string; code?: string };
  const status = e.statusCode ? ` (HTTP ${e.statusCode}${e.errorCode ? ` ${e.errorCode}` : ""})` : e.code ? ` (${e.code})` : "";
  const message = redact(e.message ?? String(err));
  const authFailed = e.statusCode === 401 || e.statusCode === 403 || /auth|credential|token/i.test(message);
  return new WorkspaceError(`workspace ${host}: ${message}${status}`, authFailed
    ? "check the credentials: DATABRICKS_TOKEN, the --profile in ~/.databrickscfg, or DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET for a service principal"
    : /certificate|self[- ]signed|CERT_|UNABLE_TO/i.test(message + status)
      ? "the workspace's certificate is not trusted: point NODE_EXTRA_CA_CERTS at the CA that signed it"
      : "check the host and that the workspace is reachable");
}

/** Tokens in an error text (a PAT, a bearer, a client secret in a URL) never reach the terminal. */
export function redact(text: string): string {
  return text.replace(/dapi[0-9a-z-]+/gi, "dapi***").replace(/(Bearer\s+)[^\s"']+/gi, "$1***").replace(/(client_secret=)[^&\s]+/gi, "$1***");
}
