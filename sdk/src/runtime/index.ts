export type { Progress, QueryResult, RunRequest, RunSummary, Runtime, SilverSummary } from "./runtime.ts";
export { DataGateError, EngineError } from "./runtime.ts";
export { LocalRuntime } from "./local/local-runtime.ts";
export { engineDirs, setupEngine, EngineSetupError } from "./local/engine-setup.ts";
