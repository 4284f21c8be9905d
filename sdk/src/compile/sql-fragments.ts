import type { BundleIR, ExpectationNode, GoldNode, SilverNode, SourceNode } from "../ir/index.ts";
import { jsonSchemaDdl, needsVariant, parsedColumnExpr, rescuedDataExpr } from "./parse-columns.ts";
import { qualifiedTable } from "./table-names.ts";

/**
 * SQL pieces shared by every target: the DLT SQL, the CP task plan and the local engine all embed
 * these exact strings, so a rule means the same thing wherever it runs.
 */

/** A rule that evaluates to NULL counts as violated, on every target, so valid + quarantined = landed. */
export function nullSafe(e: ExpectationNode): string {
  return `coalesce((${e.expr}), false)`;
}

/** Rules whose violation removes the row (drop) or stops the update (fail); warn rows stay. */
export function gatingExpectations(silver: SilverNode): ExpectationNode[] {
  return silver.expectations.filter((e) => e.action !== "warn");
}

/** True for rows that pass every gating rule. */
export function validPredicate(silver: SilverNode): string {
  const rules = gatingExpectations(silver);
  return rules.length === 0 ? "true" : rules.map(nullSafe).join("\n    AND ");
}

/** The first failing gating rule names the quarantine reason; the array lists all of them. */
export function reasonExpr(silver: SilverNode): string {
  const whens = gatingExpectations(silver).map((e) => `WHEN NOT ${nullSafe(e)} THEN '${e.name}'`);
  return `CASE\n    ${whens.join("\n    ")}\n  END`;
}

export function failedExpectationsExpr(silver: SilverNode): string {
  const items = gatingExpectations(silver).map((e) => `IF(${nullSafe(e)}, NULL, '${e.name}')`);
  return `array_compact(array(\n    ${items.join(",\n    ")}\n  ))`;
}

/**
 * Select list that turns a bronze row (`_raw`, `_source_file`, `_ingested_at`) into typed silver columns.
 *
 * The record parse names its mode although PERMISSIVE is the default: Spark's JSON optimizer prunes an
 * option-less `from_json` to the one field each reference reads (OptimizeCsvJsonExprs: "it does not
 * optimize when any option is set"). Once a filter on the parsed columns (the validity predicate) is
 * pushed below the parse, every reference is its own pruned parse, and each line was parsed about ten
 * times: a filtered pass over 420K lines took 5.7 s instead of 2.7 s.
 */
export function parseSelect(source: SourceNode): { inner: string[]; outer: string[] } {
  const variant = needsVariant(source);
  const inner = [
    "*", `from_json(_raw, '${jsonSchemaDdl(source)}', map('mode', 'PERMISSIVE')) AS _r`, "from_json(_raw, 'map<string,string>') AS _fields",
    ...(variant ? ["try_parse_json(_raw) AS _v"] : []),
  ];
  const outer = [
    ...source.columns.map((c) => `${parsedColumnExpr(c)} AS ${c.name}`),
    `${rescuedDataExpr(source)} AS _rescued_data`,
    "_source_file",
    "_ingested_at",
    `to_date(${parsedColumnExpr(source.columns.find((c) => c.name === source.eventTime)!)}) AS _event_date`,
    "_raw",
    "_fields",
    ...(variant ? ["_v"] : []),
  ];
  return { inner, outer };
}

/**
 * Columns a silver table stores: declared, rescued, lineage and the pruning date. Both paths keep the
 * arrival time: region watermarks ignore events stamped too far ahead of it (clock skew).
 */
export function silverStoredColumns(source: SourceNode, consistency: "AP" | "CP"): string[] {
  const lineage = consistency === "CP" ? ["_source_file", "_ingested_at"] : ["_ingested_at"];
  return [...source.columns.map((c) => c.name), "_rescued_data", ...lineage, "_event_date"];
}

export const quarantineColumns = ["_raw", "_source_file", "_ingested_at", "_reason", "_failed_expectations"] as const;

/** `SELECT groups, measures FROM silver [WHERE where] GROUP BY groups` for a gold dataset. */
export function aggregateSql(ir: BundleIR, gold: GoldNode, where?: string): string {
  const silver = ir.datasets.find((d) => d.name === gold.from)!;
  const groups = gold.groupBy.map((g) => `${g.expr} AS ${g.name}`);
  const measures = gold.measures.map((m) => (m.type ? `CAST(${m.expr} AS ${m.type.toUpperCase()}) AS ${m.name}` : `${m.expr} AS ${m.name}`));
  return [
    "SELECT",
    `  ${[...groups, ...measures].join(",\n  ")}`,
    `FROM ${tableOf(silver)}`,
    ...(where ? [`WHERE ${where}`] : []),
    `GROUP BY ${gold.groupBy.map((g) => g.expr).join(", ")}`,
  ].join("\n");
}

/** The period's groupBy expression over silver rows (e.g. `to_date(event_time)`). */
export function periodExpr(gold: GoldNode): string {
  return gold.groupBy.find((g) => g.name === gold.period.column)!.expr;
}

/**
 * True when a period holds only rows of its own event date(s): the period is the day (or hour) of the
 * silver event time, so a filter on the silver's `_event_date` (CP silver's partition) is implied by a
 * filter on the period and prunes the scan.
 */
export function periodPrunesByEventDate(ir: BundleIR, gold: GoldNode): boolean {
  const silver = ir.datasets.find((d): d is SilverNode => d.name === gold.from && d.kind === "silver");
  if (!silver) return false;
  const time = ir.sources[silver.source]!.eventTime;
  const expr = periodExpr(gold).replace(/\s+/g, "").toLowerCase();
  return gold.period.grain === "day"
    ? expr === `to_date(${time.toLowerCase()})`
    : expr === `date_trunc('hour',${time.toLowerCase()})`;
}

/**
 * CP publish's aggregate over a set of periods only: the task substitutes the period literals for
 * `:periods` and their event dates for `:event_dates`. Only those periods are recomputed and compared.
 */
export function periodsAggregateSql(ir: BundleIR, gold: GoldNode): string {
  const pruned = periodPrunesByEventDate(ir, gold) ? " AND _event_date IN (:event_dates)" : "";
  return aggregateSql(ir, gold, `${periodExpr(gold)} IN (:periods)${pruned}`);
}

/** The silver datasets a gold table's completeness watermark is taken over, in `watermarkFrom` order. */
export function watermarkSilvers(ir: BundleIR, gold: GoldNode): SilverNode[] {
  return gold.completeness!.watermarkFrom.map((name) => ir.datasets.find((d): d is SilverNode => d.name === name && d.kind === "silver")!);
}

/**
 * Per-region watermark: max event time over the valid events of the listed silver datasets, leaving out
 * events stamped further ahead of their arrival than the allowed clock skew (they are counted in `skewed`).
 * `from` names what each silver dataset is read as (default: the table itself).
 */
export function regionWatermarkSql(ir: BundleIR, gold: GoldNode, from: (silver: SilverNode, index: number) => string = (s) => tableOf(s)): string {
  const c = gold.completeness!;
  const parts = watermarkSilvers(ir, gold).map((s, i) => {
    const src = ir.sources[s.source]!;
    return `SELECT ${src.region ?? "NULL"} AS region, ${src.eventTime} AS event_time, _ingested_at FROM ${from(s, i)}`;
  });
  const regions = c.regions.map((r) => `'${r}'`).join(", ");
  const skewed = `event_time > _ingested_at + INTERVAL ${c.maxClockSkewSeconds} SECONDS`;
  return [
    `SELECT region, max(event_time) FILTER (WHERE NOT (${skewed})) AS watermark, count_if(${skewed}) AS skewed`,
    `FROM (\n  ${parts.join("\n  UNION ALL\n  ")}\n)`,
    `WHERE region IN (${regions})`,
    "GROUP BY region",
  ].join("\n");
}

/** End of the period that starts at `periodExpr`. */
export function periodEndExpr(gold: GoldNode, periodExpr: string): string {
  return gold.period.grain === "day"
    ? `CAST(${periodExpr} AS TIMESTAMP) + INTERVAL 1 DAY`
    : `CAST(${periodExpr} AS TIMESTAMP) + INTERVAL 1 HOUR`;
}

/** AP gold: the aggregate plus `regions_reported` and `is_complete`, published for every period. */
export function liveGoldSql(ir: BundleIR, gold: GoldNode): string {
  if (!gold.completeness) return aggregateSql(ir, gold);
  const c = gold.completeness;
  const cols = [...gold.groupBy.map((g) => g.name), ...gold.measures.map((m) => m.name)];
  return [
    "WITH agg AS (",
    indent(aggregateSql(ir, gold)),
    "), wm AS (",
    indent(regionWatermarkSql(ir, gold)),
    ")",
    "SELECT",
    `  ${cols.map((c2) => `a.${c2}`).join(",\n  ")},`,
    `  CAST(count(w.region) AS INT) AS regions_reported,`,
    `  count(w.region) = ${c.regions.length} AS is_complete`,
    "FROM agg a",
    `LEFT JOIN wm w ON w.watermark >= ${periodEndExpr(gold, `a.${gold.period.column}`)} + INTERVAL ${c.latenessSeconds} SECONDS`,
    `GROUP BY ${cols.map((c2) => `a.${c2}`).join(", ")}`,
  ].join("\n");
}

/** A dataset's table, catalog-qualified through the plan/pipeline parameters. */
export function tableOf(d: { readonly schema: string; readonly name: string }, name = d.name): string {
  return qualifiedTable(d.schema, name);
}

export function indent(text: string, by = "  "): string {
  return text.split("\n").map((l) => (l ? by + l : l)).join("\n");
}
