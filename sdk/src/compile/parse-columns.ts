import type { ColumnNode, SourceNode } from "../ir/index.ts";

/**
 * How a raw landed line becomes typed columns. One definition, used by the DLT SQL and by the CP task
 * plan, so both paths parse identically. JSON is parsed typed (partial results keep the good fields of
 * a row) and as a string map (`_fields`) to tell "absent" from "present but wrong type" and to rescue
 * unknown fields. Sources with numeric columns also parse it as a VARIANT (`_v`): Spark's typed parse
 * accepts a quoted number ("12.5") for a decimal, and only the variant keeps each top-level field's
 * JSON type.
 */
export function jsonSchemaDdl(source: SourceNode): string {
  return source.columns.map((c) => `${c.name} ${jsonParseType(c)}`).join(", ");
}

function jsonParseType(column: ColumnNode): string {
  switch (column.type) {
    case "timestamp":
    case "date":
    case "json":
      return "STRING";
    default:
      return column.type.toUpperCase();
  }
}

/** The typed value of a column, given `_r` (typed struct) and `_fields` (string map). */
export function parsedColumnExpr(column: ColumnNode): string {
  const raw = `_r.${column.name}`;
  switch (column.type) {
    case "timestamp":
      return `try_to_timestamp(${raw})`;
    case "date":
      return `try_cast(${raw} AS DATE)`;
    case "json":
      return `_fields['${column.name}']`;
    default:
      return raw;
  }
}

export function isNumeric(type: string): boolean {
  return ["int", "bigint", "double"].includes(type) || type.startsWith("decimal(");
}

export function needsVariant(source: SourceNode): boolean {
  return source.columns.some((c) => isNumeric(c.type));
}

/**
 * JSON type of a top-level field, from the variant parse: 'STRING' for a quoted value, BIGINT/DECIMAL(p,s)/
 * DOUBLE for a number (schema_of_variant, Databricks Runtime 15.3+ and Spark 4). Only the top level is
 * looked at, so a nested object that reuses the name (`"meta": {"dbus": "x"}`) never decides it.
 */
export function topLevelJsonType(column: string): string {
  return `schema_of_variant(variant_get(_v, '$.${column}'))`;
}

/**
 * Unknown top-level fields, kept as JSON text (null when there are none). Whether a line has any is
 * decided on its keys: a lambda (`map_filter`) is evaluated without generated code, and it ran on every
 * line where only the rare line with unknown fields needs it (storing a 420K-line batch: 7.0 -> 6.2 s).
 */
export function rescuedDataExpr(source: SourceNode): string {
  const known = `array(${source.columns.map((c) => `'${c.name}'`).join(", ")})`;
  const extra = `map_filter(_fields, (k, v) -> NOT array_contains(${known}, k))`;
  return `CASE WHEN size(array_except(map_keys(_fields), ${known})) > 0 THEN to_json(${extra}) END`;
}

/** Columns every silver table carries besides the declared ones. */
export const silverMetaColumns = ["_rescued_data", "_source_file", "_ingested_at", "_event_date"] as const;
