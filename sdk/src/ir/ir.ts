/**
 * The immutable graph compile passes read. Everything is resolved: references point at nodes that
 * exist, defaults are applied, derived expectations are expanded, order is topological.
 */
import type { Consistency, ExpectationAction, PathExecution, SecretSpec, TargetSpec, VariableSpec } from "../spec/index.ts";

export type ColumnType = string;

export interface ColumnNode {
  readonly name: string;
  readonly type: ColumnType;
  readonly required: boolean;
  readonly nonEmpty: boolean;
  readonly allowed?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly description?: string;
  readonly pii: boolean;
  readonly owner?: string;
}

export interface FileSourceNode {
  readonly kind: "file";
  readonly name: string;
  readonly path: string;
  readonly format: "json" | "jsonl" | "csv" | "parquet";
  readonly compression: "auto" | "none" | "gzip";
  readonly columns: readonly ColumnNode[];
  readonly key: string;
  readonly eventTime: string;
  readonly region?: string;
}

/** Discriminated on `kind`; CDC and collector sources are added here. */
export type SourceNode = FileSourceNode;
export type SourceKind = SourceNode["kind"];

export interface ExpectationNode {
  readonly name: string;
  /** Boolean SQL over the silver columns (plus `_fields`, the raw field map). */
  readonly expr: string;
  readonly action: ExpectationAction;
  /** Where it came from: a column rule, a suite, or written inline. */
  readonly origin: "column" | "suite" | "inline";
  /** Where in the spec it came from, for diagnostics about it (a column, a suite reference, an inline rule). */
  readonly specPath: string;
  readonly description?: string;
}

interface DatasetBase {
  readonly name: string;
  readonly schema: string;
  readonly consistency: Consistency;
  readonly description?: string;
  readonly retentionDays?: number;
}

export interface BronzeNode extends DatasetBase {
  readonly kind: "bronze";
  readonly source: string;
}

export interface DedupNode {
  readonly keys: readonly string[];
  /** Latest copy wins (SCD type 1); AP always has one (AUTO CDC needs SEQUENCE BY): the event time. */
  readonly sequenceBy?: string;
}

export interface SilverNode extends DatasetBase {
  readonly kind: "silver";
  readonly from: string;
  /** The source feeding the bronze input, for column types. */
  readonly source: string;
  readonly expectations: readonly ExpectationNode[];
  readonly dedup?: DedupNode;
  readonly maxInvalidRate?: number;
  readonly quarantineTable: string;
}

export interface MeasureNode {
  readonly name: string;
  readonly expr: string;
  readonly type?: string;
}

export interface CompletenessNode {
  readonly regions: readonly string[];
  readonly latenessSeconds: number;
  /** Events with event time > ingest time + this never advance a watermark (counted as clock-skewed). */
  readonly maxClockSkewSeconds: number;
  /** Silver datasets whose valid events advance the region watermark. */
  readonly watermarkFrom: readonly string[];
}

export interface GoldNode extends DatasetBase {
  readonly kind: "gold";
  readonly from: string;
  readonly groupBy: readonly { readonly name: string; readonly expr: string }[];
  readonly measures: readonly MeasureNode[];
  readonly period: { readonly column: string; readonly grain: "hour" | "day" };
  readonly completeness?: CompletenessNode;
  readonly restatementsTable?: string;
}

export type DatasetNode = BronzeNode | SilverNode | GoldNode;
export type DatasetKind = DatasetNode["kind"];

export interface PathNode {
  readonly consistency: Consistency;
  readonly execution: PathExecution;
  /** Dataset names on this path, topological order. */
  readonly datasets: readonly string[];
}

export interface BundleIR {
  readonly name: string;
  /** `platform-telemetry` → `platform_telemetry`, for resource keys. */
  readonly resourceKey: string;
  readonly description?: string;
  readonly regions: readonly string[];
  readonly landingRoot: string;
  /** Logical schema (the datasets' schemas and `ops`) → Unity Catalog schema name. Sorted by logical name. */
  readonly schemas: Readonly<Record<string, string>>;
  readonly sources: Readonly<Record<string, SourceNode>>;
  /** Topological order: every dataset after its input. */
  readonly datasets: readonly DatasetNode[];
  readonly paths: Readonly<Partial<Record<Consistency, PathNode>>>;
  readonly variables: Readonly<Record<string, VariableSpec>>;
  readonly secrets: Readonly<Record<string, SecretSpec>>;
  readonly targets: Readonly<Record<string, TargetSpec>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly monitors: MonitorThresholds;
}

/** Monitor thresholds with durations in seconds: what `lakebundle monitor` reads from the manifest. */
export interface MonitorThresholds {
  freshnessSeconds: { bronze: number; silver: number; gold: number };
  regionSkewSeconds: number;
  backlogFiles: number;
  maxInputRateRatio: number;
  cost: { monthlyBudgetUsd: number | null; dbuPerHour: number; usdPerDbu: number };
  conflicts: { maxRetried: number; maxFailed: number };
  quality: { maxFailureRate: number; maxNullRateIncrease: number };
  failedLoads: { maxQuarantinedFiles: number; maxInvalidRateRatio: number };
  windowSeconds: number;
}

export function datasetByName(ir: BundleIR, name: string): DatasetNode {
  const found = ir.datasets.find((d) => d.name === name);
  if (!found) throw new Error(`internal: dataset ${name} not in IR`);
  return found;
}

export function sourceOf(ir: BundleIR, silver: SilverNode): SourceNode {
  const source = ir.sources[silver.source];
  if (!source) throw new Error(`internal: source ${silver.source} not in IR`);
  return source;
}
