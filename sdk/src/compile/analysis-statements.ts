import type { BundleIR, GoldNode, SilverNode } from "../ir/index.ts";
import type { Artifact } from "../targets/target.ts";
import { parse } from "yaml";
import { nullSafe, parseSelect, tableOf } from "./sql-fragments.ts";
import { CATALOG_PARAM, schemaNameRef, schemaParam } from "./table-names.ts";

/**
 * Every SQL statement the bundle will run, as the local engine analyzes it at `lakebundle validate`
 * (against empty tables of the declared schemas): each with the spec path a mistake in it comes from.
 * `query` statements are analyzed, never run; `view` statements define temporary views later ones read.
 * The CP MERGE statements are built by the task code and analyzed there (worker `analyze`).
 */
export interface AnalysisStatement {
  readonly kind: "query" | "view";
  readonly sql: string;
  /** Spec path of what the statement comes from. */
  readonly path: string;
  /** What it is, for the diagnostic: `measure "total_dbus"`, `expectation "dbus_min"`. */
  readonly what: string;
}

export function parsedView(silver: SilverNode): string {
  return `lbv_parsed_${silver.name}`;
}

export function analysisStatements(ir: BundleIR, artifacts: readonly Artifact[]): AnalysisStatement[] {
  const out: AnalysisStatement[] = [];
  for (const d of ir.datasets) {
    if (d.kind === "silver") out.push(...silverStatements(ir, d));
    if (d.kind === "gold") out.push(...goldStatements(ir, d));
  }
  for (const a of artifacts.filter((x) => x.path.includes("/src/ap/") && x.path.endsWith(".sql"))) {
    const dataset = /\/(?:bronze|silver|gold)_(\w+)\.sql$/.exec(a.path)?.[1] ?? "";
    out.push(...reduceLakeflowSql(a.content).map((s) => ({ ...s, path: `datasets.${dataset}`, what: `${s.what} in ${a.path.split("/").slice(-3).join("/")}` })));
  }
  out.push(...monitoringStatements(ir, artifacts));
  return out;
}

/**
 * The dashboard's datasets and the SQL alerts' queries, exactly as deployed (read back from the emitted
 * `.lvdash.json` and alerts YAML), with the bundle's table references mapped back to the plan's names.
 */
function monitoringStatements(ir: BundleIR, artifacts: readonly Artifact[]): AnalysisStatement[] {
  const planNames = (sql: string) => Object.keys(ir.schemas).reduce(
    (text, logical) => text.split(schemaNameRef(ir.resourceKey, logical)).join(`\${${schemaParam(logical)}}`),
    sql.split("${var.catalog}").join(`\${${CATALOG_PARAM}}`));
  const out: AnalysisStatement[] = [];
  for (const a of artifacts.filter((x) => x.path.endsWith(".lvdash.json"))) {
    const doc = JSON.parse(a.content) as { datasets: { displayName: string; queryLines: string[] }[] };
    for (const d of doc.datasets) out.push({ kind: "query", path: "monitors", what: `dashboard dataset "${d.displayName}"`, sql: planNames(d.queryLines.join("")) });
  }
  for (const a of artifacts.filter((x) => x.path.endsWith(".alerts.yml"))) {
    const doc = parse(a.content) as { resources: { alerts: Record<string, { query_text: string }> } };
    for (const [key, alert] of Object.entries(doc.resources.alerts)) out.push({ kind: "query", path: "monitors", what: `alert ${key}`, sql: planNames(alert.query_text) });
  }
  return out;
}

function silverStatements(ir: BundleIR, d: SilverNode): AnalysisStatement[] {
  const source = ir.sources[d.source]!;
  const bronze = ir.datasets.find((x) => x.name === d.from)!;
  const parse = parseSelect(source);
  const view = parsedView(d);
  const out: AnalysisStatement[] = [{
    kind: "view", path: `sources.${source.name}`, what: `the parse of ${source.name}`,
    sql: `CREATE OR REPLACE TEMPORARY VIEW ${view} AS SELECT ${parse.outer.join(", ")} FROM (SELECT ${parse.inner.join(", ")} FROM ${tableOf(bronze)})`,
  }];
  for (const e of d.expectations) {
    out.push({ kind: "query", path: e.specPath, what: `expectation "${e.name}"`, sql: `SELECT ${nullSafe(e)} FROM ${view}` });
  }
  if (d.dedup) {
    const cols = [...d.dedup.keys, ...(d.dedup.sequenceBy ? [d.dedup.sequenceBy] : [])];
    out.push({ kind: "query", path: `datasets.${d.name}.dedup`, what: "dedup keys and sequence", sql: `SELECT ${cols.join(", ")} FROM ${view}` });
  }
  return out;
}

function goldStatements(ir: BundleIR, d: GoldNode): AnalysisStatement[] {
  const silver = ir.datasets.find((x) => x.name === d.from)!;
  const from = tableOf(silver);
  return [
    ...d.groupBy.map((g) => ({ kind: "query" as const, path: `datasets.${d.name}.groupBy.${g.name}`, what: `group "${g.name}"`, sql: `SELECT ${g.expr} FROM ${from}` })),
    ...d.measures.map((m) => ({
      kind: "query" as const, path: `datasets.${d.name}.measures.${m.name}.expr`, what: `measure "${m.name}"`,
      sql: `SELECT ${m.type ? `CAST(${m.expr} AS ${m.type.toUpperCase()})` : m.expr} FROM ${from}`,
    })),
  ];
}

/**
 * A Lakeflow SQL file reduced mechanically to what OSS Spark can analyze: `CREATE OR REFRESH …
 * AS <query>` → the query; `STREAM(x)` → `x`; `STREAM read_files(…)` → `lbv_read_files` (a relation
 * with read_files' text schema); a view's `CONSTRAINT … EXPECT (e)` → `SELECT e FROM <view query>`;
 * an AUTO CDC flow → a query over its source that names its keys, sequence and excluded columns.
 */
export function reduceLakeflowSql(text: string): Omit<AnalysisStatement, "path">[] {
  const body = text.split("\n").filter((l) => !l.startsWith("--")).join("\n");
  const unstream = (sql: string) => sql.replace(/STREAM read_files\([\s\S]*?\n\)/g, "lbv_read_files").replace(/STREAM\((\S+?)\)/g, "$1");
  const out: Omit<AnalysisStatement, "path">[] = [];
  for (const raw of body.split(/;\s*(?:\n|$)/).map((s) => s.trim()).filter(Boolean)) {
    const stmt = unstream(raw);
    let m: RegExpExecArray | null;
    if ((m = /^CREATE TEMPORARY VIEW (\w+) \(\n([\s\S]*?)\n\) AS ([\s\S]*)$/.exec(stmt))) {
      for (const c of m[2]!.matchAll(/CONSTRAINT (\w+) EXPECT \((.*)\)(?: ON VIOLATION (?:DROP ROW|FAIL UPDATE))?,?$/gm)) {
        out.push({ kind: "query", what: `constraint "${c[1]}"`, sql: `SELECT ${c[2]} FROM (${m[3]})` });
      }
      out.push({ kind: "view", what: `view ${m[1]}`, sql: `CREATE OR REPLACE TEMPORARY VIEW ${m[1]} AS ${m[3]}` });
    } else if ((m = /^CREATE TEMPORARY VIEW (\w+) AS\s+([\s\S]*)$/.exec(stmt))) {
      out.push({ kind: "view", what: `view ${m[1]}`, sql: `CREATE OR REPLACE TEMPORARY VIEW ${m[1]} AS ${m[2]}` });
    } else if ((m = /^CREATE OR REFRESH (STREAMING TABLE|MATERIALIZED VIEW) (\S+)[\s\S]*?\nAS\b\s*([\s\S]*)$/.exec(stmt))) {
      out.push({ kind: "query", what: `${m[1]!.toLowerCase()} ${m[2]!.split(".").pop()}`, sql: m[3]! });
    } else if ((m = /^CREATE FLOW (\w+) AS AUTO CDC INTO \S+\nFROM (\S+)\nKEYS \(([^)]*)\)\nSEQUENCE BY (\S+)\nCOLUMNS \* EXCEPT \(([^)]*)\)/.exec(stmt))) {
      out.push({ kind: "query", what: `flow ${m[1]}`, sql: `SELECT ${m[3]}, ${m[4]}, ${m[5]} FROM ${m[2]}` });
    }
    // a streaming table without a query (the AUTO CDC target) has nothing to analyze
  }
  return out;
}
