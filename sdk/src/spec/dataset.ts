import { z } from "zod";
import { expectationSpec } from "./expectation.ts";
import { columnType, duration, identifier, sqlExpression } from "./primitives.ts";

/** The CAP decision, per table. AP: available and fresh, flags incompleteness. CP: billing-grade. */
export const consistency = z.enum(["AP", "CP"]);

const datasetBase = {
  consistency,
  /** Schema the table lives in; defaults to the layer name (bronze/silver/gold). */
  schema: identifier.optional(),
  description: z.string().optional(),
  /** Delta log and deleted-file retention, in days. */
  retentionDays: z.number().int().min(1).max(3650).optional(),
};

/** Raw landed records, ingested incrementally, nothing dropped. */
export const bronzeDataset = z.strictObject({
  ...datasetBase,
  layer: z.literal("bronze"),
  source: identifier,
});

export const dedupSpec = z.strictObject({
  keys: z.array(identifier).min(1),
  /** Which copy wins when copies differ (latest by this column). AP default: the source's event time. */
  sequenceBy: identifier.optional(),
  /** Not used any more (AP dedups by key over all history); kept so old specs get a precise diagnostic. */
  watermark: duration.optional(),
});

/** Typed, validated, deduplicated records; quarantine is derived from drop/fail expectations. */
export const silverDataset = z.strictObject({
  ...datasetBase,
  layer: z.literal("silver"),
  from: identifier,
  expect: z.array(expectationSpec).default([]),
  dedup: dedupSpec.optional(),
  /** CP only: the validate task fails when invalid/landed in a run exceeds this rate (0..1). */
  maxInvalidRate: z.number().optional(),
});

export const measureSpec = z.strictObject({
  expr: sqlExpression,
  type: columnType.optional(),
});

export const completenessSpec = z.strictObject({
  /** Regions that must have reported past the period end; `"all"` = the bundle's configured regions. */
  regions: z.union([z.literal("all"), z.array(z.string()).min(1)]).default("all"),
  /** How long after a period ends late events are still waited for. */
  lateness: duration.default("30 minutes"),
  /**
   * How far an event's time may lie ahead of its arrival (ingest time) and still advance its region's
   * watermark. Events further ahead are valid and counted, but a producer with a wrong clock must not
   * make an incomplete period complete.
   */
  maxClockSkew: duration.default("5 minutes"),
  /** Silver datasets whose valid events advance region watermarks; default: all silver of the same path. */
  watermarkFrom: z.array(identifier).optional(),
});

export const periodSpec = z.strictObject({
  /** Output column holding the period start (a groupBy column). */
  column: identifier,
  grain: z.enum(["hour", "day"]),
});

/** Aggregates for analysts. */
export const goldDataset = z.strictObject({
  ...datasetBase,
  layer: z.literal("gold"),
  from: identifier,
  groupBy: z.record(identifier, sqlExpression),
  measures: z.record(identifier, measureSpec),
  period: periodSpec,
  completeness: completenessSpec.optional(),
  /** CP: late events for a published period restate it, audited in this table (same schema). */
  restatements: z.strictObject({ table: identifier }).optional(),
});

export const datasetSpec = z.discriminatedUnion("layer", [bronzeDataset, silverDataset, goldDataset]);

export type Consistency = z.infer<typeof consistency>;
export type BronzeDatasetSpec = z.infer<typeof bronzeDataset>;
export type SilverDatasetSpec = z.infer<typeof silverDataset>;
export type GoldDatasetSpec = z.infer<typeof goldDataset>;
export type DatasetSpec = z.infer<typeof datasetSpec>;
export type Layer = DatasetSpec["layer"];
