export type { ForgetResult, Progress, QueryResult, ReplayPlan, ReplayResult, ReplayWindow, RunRequest, RunSummary, Runtime, SilverSummary } from "./runtime.ts";
export { DataGateError, EngineError, ServerlessGuardError } from "./runtime.ts";
export { EngineBusyError, enginePeakRssKb, findEngine, listEngines, startEngine, stopEngine } from "./local/connect-server.ts";
export type { EngineState, EngineStatus } from "./local/connect-server.ts";
export { LocalRuntime } from "./local/local-runtime.ts";
export type { ContinuousStatus } from "./local/local-runtime.ts";
export { engineDirs, setupEngine, EngineSetupError } from "./local/engine-setup.ts";
