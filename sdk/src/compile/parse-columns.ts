import type { ColumnNode, SourceNode } from "../ir/index.ts";

/**
 * How a raw landed line becomes typed columns. One definition, used by the DLT SQL and by the CP task
 * plan, so both paths parse identically. JSON is parsed twice: once typed (partial results keep the
 * good fields of a row), once as a string map (`_fields`) to tell "absent" from "present but wrong
 * type" and to rescue unknown fields.
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

/** Unknown top-level fields, kept as JSON text (null when there are none). */
export function rescuedDataExpr(source: SourceNode): string {
  const known = source.columns.map((c) => `'${c.name}'`).join(", ");
  const extra = `map_filter(_fields, (k, v) -> NOT array_contains(array(${known}), k))`;
  return `CASE WHEN size(${extra}) > 0 THEN to_json(${extra}) END`;
}

/** Columns every silver table carries besides the declared ones. */
export const silverMetaColumns = ["_rescued_data", "_source_file", "_ingested_at", "_event_date"] as const;
