import type { ColumnNode, ExpectationNode, SourceNode } from "../ir/index.ts";
import { isNumeric, topLevelJsonType } from "./parse-columns.ts";

/**
 * Turns declared column rules into expectations, in a fixed order so the first failing rule is a
 * stable quarantine reason: record shape, then per column type → required → allowed → range.
 * Action: drop for everything (the row goes to quarantine); CP adds its invalid-rate gate on top.
 */
export function deriveColumnExpectations(source: SourceNode): ExpectationNode[] {
  const out: ExpectationNode[] = [
    { name: "valid_record", expr: "_fields IS NOT NULL", action: "drop", origin: "column", specPath: `sources.${source.name}.format`, description: `line is a ${source.format} object` },
  ];
  for (const column of source.columns) out.push(...columnRules(column, `sources.${source.name}.columns.${column.name}`));
  return out;
}

function columnRules(column: ColumnNode, specPath: string): ExpectationNode[] {
  const c = column.name;
  const rules: ExpectationNode[] = [];
  const rule = (suffix: string, expr: string, description: string) =>
    rules.push({ name: `${c}_${suffix}`, expr, action: "drop", origin: "column", specPath, description });
  if (isNumeric(column.type)) {
    // Spark's JSON reader accepts "12.5" (a string) for a decimal; the contract wants a JSON number
    rule("type", `_fields['${c}'] IS NULL OR (${c} IS NOT NULL AND ${topLevelJsonType(c)} <> 'STRING')`, `${c}, when present, is a JSON number`);
  } else if (column.type !== "string" && column.type !== "json") {
    rule("type", `_fields['${c}'] IS NULL OR ${c} IS NOT NULL`, `${c}, when present, parses as ${column.type}`);
  }
  if (column.required) {
    rule("required", column.nonEmpty ? `${c} IS NOT NULL AND ${c} <> ''` : `${c} IS NOT NULL`, `${c} is present${column.nonEmpty ? " and non-empty" : ""}`);
  } else if (column.nonEmpty) {
    rule("non_empty", `${c} IS NULL OR ${c} <> ''`, `${c} is not an empty string`);
  }
  if (column.allowed) {
    const list = column.allowed.map((v) => `'${v.replace(/'/g, "''")}'`).join(", ");
    rule("allowed", `${c} IS NULL OR ${c} IN (${list})`, `${c} is one of ${column.allowed.join(", ")}`);
  }
  if (column.min !== undefined) rule("min", `${c} IS NULL OR ${c} >= ${column.min}`, `${c} >= ${column.min}`);
  if (column.max !== undefined) rule("max", `${c} IS NULL OR ${c} <= ${column.max}`, `${c} <= ${column.max}`);
  return rules;
}

