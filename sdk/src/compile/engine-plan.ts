import type { BundleIR, GoldNode, SilverNode } from "../ir/index.ts";
import {
  aggregateSql, failedExpectationsExpr, liveGoldSql, nullSafe, parseSelect, periodEndExpr, periodExpr, periodPrunesByEventDate,
  periodsAggregateSql, reasonExpr,
  regionWatermarkSql, silverStoredColumns, tableOf, validPredicate, watermarkSilvers,
} from "./sql-fragments.ts";
import { OPS_SCHEMA, qualifiedTable } from "./table-names.ts";

/** Bumped whenever the plan's shape changes; the Python side refuses plans it does not know. */
export const PLAN_SCHEMA_VERSION = 3;

/**
 * The engine-neutral plan: what the CP Workflows tasks execute on Databricks and what the local
 * engine executes for both paths. Pure data with SQL fragments; the Python side only assembles them.
 * Every table name is `${lakebundle.catalog}.${lakebundle.schema.<logical>}.<table>` (table-names.ts),
 * bound by the task from its parameters: nothing runs against a default catalog or schema.
 */
export interface EnginePlan {
  schemaVersion: number;
  bundle: string;
  regions: readonly string[];
  sessionTimeZone: "UTC";
  /** Logical schemas the plan's names use; the task needs a real name for each. */
  schemas: string[];
  ops: OpsTables;
  paths: Partial<Record<"AP" | "CP", PathPlan>>;
}

/** Ops tables the task code writes and the monitors read (all in the system's ops schema). */
export interface OpsTables {
  /** Per-batch counts and data-gate failures (batch functions run in another process on serverless). */
  batchMetricsTable: string;
  /** Landed files quarantined whole: unreadable (truncated gzip) or not text (binary under a JSON name). */
  quarantinedFilesTable: string;
  /** Every Delta write conflict met and how its retry ended. */
  writeConflictsTable: string;
  /** One row per CP gold write, written after it: the audit of that write is recoverable from it. */
  publishLogTable: string;
  /** CP completeness: the watermarks and clock-skewed counts per region and the silver versions they reflect. */
  completenessLogTable: string;
  /** Replays and backfills: window, sources, what was read and changed. */
  replaysTable: string;
  /** Deletion requests (account/workspace) and when they were carried out: ingestion and replay honour them. */
  deletionRequestsTable: string;
  /** One row per task run (CP task, AP update): start, end, seconds, status, error class. Cost and failed loads read it. */
  taskRunsTable: string;
  /** One row per streaming micro-batch's progress: input vs processed rate for the lag monitor and the report. */
  streamProgressTable: string;
}

export interface PathPlan {
  bronze: BronzePlan[];
  silver: SilverPlan[];
  gold: GoldPlan[];
}

export interface BronzePlan {
  name: string;
  table: string;
  source: string;
  /** Folder under the landing root. */
  landingPath: string;
  format: string;
  /** File-name patterns read (plain and gzip per `compression`). */
  fileGlobs: string[];
}

export interface SilverPlan {
  name: string;
  table: string;
  quarantineTable: string;
  bronzeTable: string;
  parseInner: string[];
  parseOuter: string[];
  storedColumns: string[];
  expectations: { name: string; predicate: string; action: string }[];
  validPredicate: string;
  reasonExpr: string;
  failedExpectationsExpr: string;
  key: string;
  eventTime: string;
  region: string | null;
  dedup: { keys: string[]; sequenceBy: string | null } | null;
  maxInvalidRate: number | null;
}

export interface GoldPlan {
  name: string;
  table: string;
  silverTable: string;
  selectSql: string;
  /** CP: `selectSql` over the periods in `:periods` only (and their `:event_dates`); null for AP. */
  periodsSelectSql: string | null;
  groupColumns: string[];
  measureColumns: string[];
  periodColumn: string;
  /** The period column's expression over silver rows: the periods a silver change touches. */
  periodExpr: string;
  /** Whether `periodsSelectSql` filters silver's `_event_date` (the period is the event time's day or hour). */
  prunesByEventDate: boolean;
  periodEndSql: string | null;
  periodGrain: "hour" | "day";
  /**
   * CP completeness. `watermarkSql` reads each silver table of `watermarkTables` as `:source_<i>` (its index):
   * the task substitutes the table at a fixed version, or only the rows inserted since its last watermark.
   */
  completeness: { regions: string[]; latenessSeconds: number; watermarkSql: string; watermarkTables: string[] } | null;
  restatementsTable: string | null;
}

export function enginePlan(ir: BundleIR): EnginePlan {
  const paths: EnginePlan["paths"] = {};
  for (const [consistency, path] of Object.entries(ir.paths) as ["AP" | "CP", NonNullable<BundleIR["paths"]["AP"]>][]) {
    const nodes = path.datasets.map((n) => ir.datasets.find((d) => d.name === n)!);
    paths[consistency] = {
      bronze: nodes.filter((d) => d.kind === "bronze").map((d) => {
        const source = ir.sources[d.source]!;
        return { name: d.name, table: tableOf(d), source: source.name, landingPath: source.path, format: source.format, fileGlobs: fileGlobs(source.format, source.compression) };
      }),
      silver: nodes.filter((d): d is SilverNode => d.kind === "silver").map((d) => silverPlan(ir, d)),
      gold: nodes.filter((d): d is GoldNode => d.kind === "gold").map((d) => goldPlan(ir, d)),
    };
  }
  return {
    schemaVersion: PLAN_SCHEMA_VERSION, bundle: ir.name, regions: ir.regions, sessionTimeZone: "UTC",
    schemas: Object.keys(ir.schemas), ops: opsTables(), paths,
  };
}

function fileGlobs(format: string, compression: string): string[] {
  const exts = format === "json" || format === "jsonl" ? ["json", "jsonl"] : [format];
  const plain = exts.map((e) => `*.${e}`);
  const gz = exts.map((e) => `*.${e}.gz`);
  return compression === "none" ? plain : compression === "gzip" ? gz : [...plain, ...gz];
}

function silverPlan(ir: BundleIR, d: SilverNode): SilverPlan {
  const source = ir.sources[d.source]!;
  const bronze = ir.datasets.find((x) => x.name === d.from)!;
  const parse = parseSelect(source);
  return {
    name: d.name,
    table: tableOf(d),
    quarantineTable: tableOf(d, d.quarantineTable),
    bronzeTable: tableOf(bronze),
    parseInner: parse.inner,
    parseOuter: parse.outer,
    storedColumns: silverStoredColumns(source, d.consistency),
    expectations: d.expectations.map((e) => ({ name: e.name, predicate: nullSafe(e), action: e.action })),
    validPredicate: validPredicate(d),
    reasonExpr: reasonExpr(d),
    failedExpectationsExpr: failedExpectationsExpr(d),
    key: source.key,
    eventTime: source.eventTime,
    region: source.region ?? null,
    dedup: d.dedup ? { keys: [...d.dedup.keys], sequenceBy: d.dedup.sequenceBy ?? null } : null,
    maxInvalidRate: d.maxInvalidRate ?? null,
  };
}

function goldPlan(ir: BundleIR, d: GoldNode): GoldPlan {
  const silver = ir.datasets.find((x) => x.name === d.from)!;
  return {
    name: d.name,
    table: tableOf(d),
    silverTable: tableOf(silver),
    selectSql: d.consistency === "AP" ? liveGoldSql(ir, d) : aggregateSql(ir, d),
    periodsSelectSql: d.consistency === "CP" ? periodsAggregateSql(ir, d) : null,
    groupColumns: d.groupBy.map((g) => g.name),
    measureColumns: d.measures.map((m) => m.name),
    periodColumn: d.period.column,
    periodExpr: periodExpr(d),
    prunesByEventDate: periodPrunesByEventDate(ir, d),
    periodEndSql: periodEndExpr(d, d.period.column),
    periodGrain: d.period.grain,
    completeness: d.completeness
      ? {
        regions: [...d.completeness.regions],
        latenessSeconds: d.completeness.latenessSeconds,
        watermarkSql: regionWatermarkSql(ir, d, (_, i) => `:source_${i}`),
        watermarkTables: watermarkSilvers(ir, d).map((s) => tableOf(s)),
      }
      : null,
    restatementsTable: d.restatementsTable ? tableOf(d, d.restatementsTable) : null,
  };
}

function opsTables(): OpsTables {
  return {
    batchMetricsTable: qualifiedTable(OPS_SCHEMA, "batch_metrics"),
    quarantinedFilesTable: qualifiedTable(OPS_SCHEMA, "quarantined_files"),
    writeConflictsTable: qualifiedTable(OPS_SCHEMA, "write_conflicts"),
    publishLogTable: qualifiedTable(OPS_SCHEMA, "publish_log"),
    completenessLogTable: qualifiedTable(OPS_SCHEMA, "completeness_log"),
    replaysTable: qualifiedTable(OPS_SCHEMA, "replays"),
    deletionRequestsTable: qualifiedTable(OPS_SCHEMA, "deletion_requests"),
    taskRunsTable: qualifiedTable(OPS_SCHEMA, "task_runs"),
    streamProgressTable: qualifiedTable(OPS_SCHEMA, "stream_progress"),
  };
}
