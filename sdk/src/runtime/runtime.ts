/**
 * The only way ops code (run, replay, monitors) touches an engine. LocalRuntime drives Spark + Delta
 * on this machine; a DatabricksRuntime (Jobs/Pipelines/SQL APIs) implements the same interface.
 */
export interface RunRequest {
  /** Compiled bundle directory holding manifest.json and src/plan.json. */
  readonly bundleDir: string;
  readonly landing: string;
  readonly paths?: readonly ("AP" | "CP")[];
  /** CP tasks to run (default: the whole graph). */
  readonly tasks?: readonly string[];
  readonly runId?: string;
  /** Replay window: the CP merge task restores what silver lacks for it from the landing zone. */
  readonly replay?: ReplayWindow;
}

/** Event-time window [from, to), ISO-8601 instants; `sources` empty = every source. */
export interface ReplayWindow {
  from: string;
  to: string;
  sources: string[];
}

export interface ReplayTablePlan {
  table: string;
  filesListed: number;
  filesWithLines: number;
  lines: number;
  valid: number;
  invalid: number;
  /** Valid events of the window silver does not hold: what the replay would restore. */
  missing: number;
  days: string[];
}

export interface ReplayPlan {
  tables: ReplayTablePlan[];
  /** Gold tables whose days can be restated by the replay. */
  gold: string[];
}

export interface ReplayResult {
  table: string;
  filesListed: number;
  lines: number;
  inserted: number;
  quarantinedAdded: number;
  days: string[];
}

export interface ForgetResult {
  requestId: string;
  carriedOut: { requestId: string; accountId: string | null; workspaceId: string | null; deletedRows: Record<string, number>; purgeDue: string }[];
}

export interface SilverSummary {
  path: "AP" | "CP";
  landed: number;
  valid: number;
  quarantined: number;
  unique: number;
  duplicatesRemoved: number;
  quarantinedByReason: Record<string, number>;
}

export interface RunSummary {
  tables: Record<string, number>;
  silver: Record<string, SilverSummary>;
  gold: Record<string, { path: string; completePeriods?: string[]; incompletePeriods?: string[]; publishedPeriods?: string[]; withheldPeriods?: string[] }>;
  watermarks: Record<string, string | null>;
  /** Per region: valid events whose event time is ahead of their arrival by more than the allowed clock skew. */
  clockSkewed: Record<string, number>;
  /** Landed files quarantined whole (unreadable or not text): their lines are in no count. */
  quarantinedFiles: { source: string; path: string; size: number | null; reason: string; detectedAt: string | null }[];
  metrics: {
    silver?: Record<string, { landed: number; invalid: number; expectations: Record<string, number> }>;
    publish?: Record<string, { published: string[]; restated: string[]; withheld: string[] }>;
    /** Per CP gold table: how many periods its publish recomputed ("all" without a change-feed starting point). */
    publishScope?: Record<string, "all" | number>;
    /** Per CP gold table: what completeness read, every silver row ("all") or only the rows inserted since its last run. */
    watermarkScope?: Record<string, "all" | "inserted">;
    ingested?: Record<string, number>;
    /** Per CP silver table: the steps whose stream had already read every bronze version, so it was not started. */
    notStarted?: Record<string, string[]>;
    replay?: ReplayResult[];
  };
  seconds: number;
  engine?: { jvmPeakRssKb: number; warm: boolean };
}

export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  truncated: boolean;
}

export type Progress = (message: string) => void;

export interface Runtime {
  run(request: RunRequest, progress?: Progress): Promise<RunSummary>;
  query(sql: string, limit?: number): Promise<QueryResult>;
  close(): Promise<void>;
}

/** A run stopped by a data gate (fail expectation, invalid rate): the data, not the engine, is at fault. */
export class DataGateError extends Error {
  override readonly name = "DataGateError";
}

/** Task code used an API serverless compute rejects: the local engine refuses it too (the message names the rule). */
export class ServerlessGuardError extends Error {
  override readonly name = "ServerlessGuardError";
}

export class EngineError extends Error {
  override readonly name = "EngineError";
  constructor(message: string, readonly detail?: string) {
    super(message);
  }
}
