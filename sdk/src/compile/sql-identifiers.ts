/**
 * Best-effort scan of a Spark SQL expression for column references, so a misspelt column is caught
 * at compile time instead of at the first pipeline update. Functions (`name(`), keywords, literals,
 * map keys (`m['k']`) and lambda parameters are not column references.
 */
const keywords = new Set(
  (
    "and or not is null true false in between like ilike rlike regexp case when then else end as cast try_cast " +
    "interval distinct exists any all some string int integer bigint smallint tinyint double float decimal date " +
    "timestamp timestamp_ntz boolean binary array map struct year years month months week weeks day days hour hours " +
    "minute minutes second seconds millisecond milliseconds microsecond microseconds over partition by order asc desc " +
    "nulls first last rows range unbounded preceding following current row filter within group escape"
  ).split(" "),
);

export function referencedColumns(expr: string): string[] {
  const withoutStrings = expr.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
  const lambdaParams = new Set<string>();
  for (const m of withoutStrings.matchAll(/\(?\s*([a-z_][a-z0-9_]*(?:\s*,\s*[a-z_][a-z0-9_]*)*)\s*\)?\s*->/gi)) {
    for (const p of (m[1] ?? "").split(",")) lambdaParams.add(p.trim().toLowerCase());
  }
  const found = new Set<string>();
  for (const m of withoutStrings.matchAll(/(?<![.\w`])`?([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_])`?(?!\s*\()/g)) {
    const name = m[1]!;
    const lower = name.toLowerCase();
    const start = m.index ?? 0;
    if (start > 0 && /[0-9]/.test(withoutStrings[start - 1] ?? "")) continue;
    if (keywords.has(lower) || lambdaParams.has(lower)) continue;
    found.add(name);
  }
  return [...found].sort();
}
