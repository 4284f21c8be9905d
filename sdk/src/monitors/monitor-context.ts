import type { MonitorThresholds } from "../ir/index.ts";
import type { QueryResult } from "../runtime/index.ts";

/** A silver table of the compiled plan, as the monitors need it. */
export interface PlanSilver {
  table: string;
  bronzeTable: string;
  quarantineTable: string;
  region: string;
  eventTime: string;
  storedColumns: string[];
  expectations: { name: string }[];
}

export interface PlanPath {
  bronze: { table: string; source: string; landingPath: string }[];
  silver: PlanSilver[];
  gold: { table: string }[];
}

/** The compiled plan's parts monitors read (src/plan.json), table names still with placeholders. */
export interface MonitorPlan {
  regions: string[];
  paths: Partial<Record<"AP" | "CP", PlanPath>>;
  ops: Record<string, string>;
}

/**
 * What a monitor may use: SQL through the Runtime's query (the local engine or a SQL warehouse),
 * table names resolved for that engine, the thresholds compiled into the manifest, and — locally — the
 * landing zone's files. Monitors hold no engine-specific code.
 */
export interface MonitorContext {
  query(sql: string): Promise<QueryResult>;
  /** `${lakebundle.catalog}.${lakebundle.schema.x}.t` → the engine's name for it. */
  table(planName: string): string;
  /** Does the table exist (a monitor on a table never written says so instead of failing)? */
  exists(planName: string): Promise<boolean>;
  plan: MonitorPlan;
  thresholds: MonitorThresholds;
  now: Date;
  /** The deployed job and pipeline ids, when the engine has Databricks billing system tables (cost). */
  billing?: { jobIds: string[]; pipelineIds: string[] };
  /** Landed files per source (absolute paths and sizes), when the engine can list the landing zone. */
  landedFiles?: (landingPath: string) => { path: string; size: number }[];
}

/** A display name (`silver.audit_logs`) for a plan name. */
export function shortName(planName: string): string {
  return planName.replace(/\$\{lakebundle\.schema\.([a-z_0-9]+)\}/g, "$1").split(".").slice(-2).join(".");
}

/** Engine timestamps: Spark prints `2026-12-04 16:05:00.123` (session time zone UTC), the warehouse ISO-8601. */
export function parseTimestamp(v: unknown): Date | null {
  if (v === null || v === undefined || v === "") return null;
  const text = String(v).trim().replace(" ", "T");
  const d = new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function num(v: unknown): number {
  const n = typeof v === "number" ? v : Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}
