import { z } from "zod";
import { codes } from "../diagnostics/codes.ts";

/** Lowercase snake_case identifier: table, column, source and expectation names. */
export const identifier = z.string().refine((v) => /^[a-z][a-z0-9_]{0,62}$/.test(v), {
  params: { code: codes.invalidName, hint: "use lowercase snake_case: a letter, then letters, digits or _ (max 63)" },
  message: "invalid name",
});

const durationPattern = /^(\d+)\s*(second|minute|hour|day)s?$/;
const unitSeconds = { second: 1, minute: 60, hour: 3600, day: 86400 } as const;

/** `"30 minutes"`, `"2 hours"`, `"1 day"`. */
export const duration = z.string().refine((v) => durationPattern.test(v.trim()), {
  params: { code: codes.invalidDuration, hint: 'write a duration like "30 minutes", "2 hours" or "1 day"' },
  message: "invalid duration",
});

export function durationSeconds(text: string): number {
  const m = durationPattern.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * unitSeconds[m[2] as keyof typeof unitSeconds];
}

const scalarTypes = ["string", "int", "bigint", "double", "boolean", "date", "timestamp", "json"] as const;
const decimalPattern = /^decimal\((\d{1,2}),\s*(\d{1,2})\)$/;

/**
 * Column types, in Spark SQL spelling. `json` keeps a nested value as its JSON text, so schema drift
 * inside it never fails a row.
 */
export const columnType = z.string().refine(
  (v) => (scalarTypes as readonly string[]).includes(v) || isValidDecimal(v),
  {
    params: { code: codes.invalidColumnType, hint: `use one of ${scalarTypes.join(", ")} or decimal(p,s) with 1 <= p <= 38, s <= p` },
    message: "invalid column type",
  },
);

function isValidDecimal(v: string): boolean {
  const m = decimalPattern.exec(v);
  if (!m) return false;
  const p = Number(m[1]);
  const s = Number(m[2]);
  return p >= 1 && p <= 38 && s <= p;
}

/** Quartz cron as Databricks Workflows expects it: 6 or 7 fields. */
export const quartzCron = z.string().refine((v) => [6, 7].includes(v.trim().split(/\s+/).length), {
  params: { code: codes.invalidCron, hint: 'write a Quartz cron with 6 or 7 fields, e.g. "0 15 * * * ?" (minute 15 of every hour)' },
  message: "invalid cron",
});

/** A SQL boolean or scalar expression. Statement separators and comments are refused so it embeds safely. */
export const sqlExpression = z.string().refine((v) => v.trim().length > 0 && !/;|--|\/\*/.test(v), {
  params: { code: codes.unsafeExpression, hint: "give one SQL expression without ';' or comments" },
  message: "invalid expression",
});
