/** One exit code per failure class, so scripts and CI can tell them apart. */
export const exitCodes = {
  ok: 0,
  /** The spec (or a project file) has errors: fix the input. */
  invalidSpec: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** Committed generated files differ from the generator's output. */
  drift: 3,
  /** The engine or a run failed. */
  runFailed: 4,
  /** A data gate stopped the run (fail expectation, invalid rate above threshold). */
  dataGate: 5,
  /** The local engine could not be set up (Python, Java, packages). */
  engineSetup: 6,
  /** A monitor found a breach (stale table, lag, conflicts, quality drift, failed loads). */
  breach: 7,
  /** An external tool a command hands over to (the databricks CLI) is not installed. */
  missingTool: 8,
} as const;
