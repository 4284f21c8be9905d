import { DataGateError, EngineBusyError, EngineError, EngineSetupError, ServerlessGuardError } from "../runtime/index.ts";
import { exitCodes } from "./exit-codes.ts";
import { UserError } from "./local-engine.ts";
import { WorkspaceHostError } from "../runtime/databricks/workspace-host.ts";
import { redact, WorkspaceError } from "../runtime/databricks/workspace-error.ts";
import { RunStateError } from "../runtime/databricks/job-runs.ts";
import type { Io } from "./output.ts";

/** Maps failures to one message and one exit code per class. No stack traces for anything the user can fix. */
export async function handleErrors(io: Io, setExit: (c: number) => void, fn: () => Promise<number | void>): Promise<void> {
  try {
    setExit((await fn()) ?? exitCodes.ok);
  } catch (err) {
    if (err instanceof UserError || err instanceof WorkspaceHostError || err instanceof RunStateError) {
      io.err(`error: ${err.message}\n  hint: ${err.hint}`);
      setExit(exitCodes.usage);
    } else if (err instanceof EngineSetupError) {
      io.err(`error: engine setup failed: ${err.message}\n  hint: the local engine needs Java 17, Python 3.10+ and access to PyPI/Maven Central the first time`);
      setExit(exitCodes.engineSetup);
    } else if (err instanceof DataGateError) {
      io.err(`error: data gate: ${err.message}`);
      setExit(exitCodes.dataGate);
    } else if (err instanceof ServerlessGuardError) {
      io.err(`error: ${err.message}\n  hint: rewrite the task code with what serverless supports (a Delta table instead of a cache or checkpoint; only the allowed Spark confs)`);
      setExit(exitCodes.runFailed);
    } else if (err instanceof EngineBusyError) {
      io.err(`error: ${err.message}`);
      setExit(exitCodes.usage);
    } else if (err instanceof EngineError) {
      io.err(`error: the engine failed: ${err.message}${err.detail ? "\n  (full trace in the engine log; rerun with LAKEBUNDLE_DEBUG=1 to print it)" : ""}`);
      if (process.env.LAKEBUNDLE_DEBUG && err.detail) io.err(err.detail);
      setExit(exitCodes.runFailed);
    } else if (err instanceof WorkspaceError) {
      io.err(`error: ${redact(err.message)}\n  hint: ${err.hint}`);
      setExit(exitCodes.runFailed);
    } else if (isApiError(err)) {
      // a workspace call that failed mid-command (the SDK's ApiError): status and message, no trace
      io.err(`error: the workspace refused a request: ${redact(err.message)} (HTTP ${err.statusCode}${err.errorCode ? ` ${err.errorCode}` : ""})\n  hint: ${err.statusCode === 401 || err.statusCode === 403 ? "check the credentials and the principal's permissions on the deployed job or pipeline" : "check the run id and that the bundle is deployed to this target"}`);
      setExit(exitCodes.runFailed);
    } else {
      throw err;
    }
  }
}

/** The SDK's ApiError, recognised without loading the SDK (it loads only for workspace commands). */
function isApiError(err: unknown): err is Error & { statusCode: number; errorCode?: string } {
  return err instanceof Error && err.constructor.name === "ApiError" && typeof (err as { statusCode?: unknown }).statusCode === "number";
}
