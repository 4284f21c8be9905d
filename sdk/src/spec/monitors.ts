import { z } from "zod";
import { duration } from "./primitives.ts";

const count = z.number().int().min(0);
const rate = z.number().min(0).max(1);

/**
 * Thresholds of `lakebundle monitor` (and the bundle's monitoring job). Defaults are the
 * platform-telemetry contract's: bronze fresh within 60 s, silver 5 min, gold 15 min.
 */
export const monitorsSpec = z.strictObject({
  /** Time since a table's last Delta commit, per layer. */
  freshness: z.strictObject({
    bronze: duration.default("60 seconds"),
    silver: duration.default("5 minutes"),
    gold: duration.default("15 minutes"),
  }).default({ bronze: "60 seconds", silver: "5 minutes", gold: "15 minutes" }),
  /** A region whose watermark is this far behind the most advanced region is partitioned (or its producer stopped). */
  regionSkew: duration.default("2 hours"),
  /** Landed files not yet in bronze (default: the CP path's backlogAlert.files, else 100). */
  backlogFiles: count.optional(),
  /**
   * A stream falls behind when rows arrive faster than it processes them (Spark's inputRowsPerSecond vs
   * processedRowsPerSecond per micro-batch, averaged over the window's batches).
   */
  maxInputRateRatio: z.number().positive().default(1),
  /**
   * Compute cost, projected to 30 days from the window's usage. On Databricks from system.billing.usage at
   * list price; locally an estimate: task run seconds × `dbuPerHour` × `usdPerDbu`.
   */
  cost: z.strictObject({
    /** Monthly budget in USD; without one the cost monitor reports and never breaches. */
    monthlyBudget: z.number().positive().optional(),
    /** Local estimate: DBUs per hour of the compute a task runs on (serverless bills per use: set what you see in system.billing.usage). */
    dbuPerHour: z.number().positive().default(4),
    /** Local estimate: list price per DBU in USD (depends on cloud, region, SKU and contract). */
    usdPerDbu: z.number().positive().default(0.35),
  }).default({ dbuPerHour: 4, usdPerDbu: 0.35 }),
  /** Delta write conflicts recorded in ops.write_conflicts within `window`. */
  conflicts: z.strictObject({
    maxRetried: count.default(20),
    maxFailed: count.default(0),
  }).default({ maxRetried: 20, maxFailed: 0 }),
  quality: z.strictObject({
    /** Rows failing any expectation / rows landed, over the latest run of each silver table. */
    maxFailureRate: rate.default(0.05),
    /** A column's null rate among recently ingested rows may exceed its earlier rate by at most this much. */
    maxNullRateIncrease: rate.default(0.2),
  }).default({ maxFailureRate: 0.05, maxNullRateIncrease: 0.2 }),
  failedLoads: z.strictObject({
    /** Landed files quarantined whole within `window`. */
    maxQuarantinedFiles: count.default(0),
    /** The latest run's invalid rate may be at most this many times the earlier runs' rate. */
    maxInvalidRateRatio: z.number().min(1).default(3),
  }).default({ maxQuarantinedFiles: 0, maxInvalidRateRatio: 3 }),
  /** How far back conflicts, quarantined files and failed batches count; also "recent" for null rates. */
  window: duration.default("24 hours"),
});

export type MonitorsSpec = z.infer<typeof monitorsSpec>;
