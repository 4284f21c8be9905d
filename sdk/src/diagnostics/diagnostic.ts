/** A problem found in a spec or in generated output. Diagnostics are data: collected, sorted, rendered. */
export type Severity = "error" | "warning";

export interface Diagnostic {
  /** Stable code, e.g. LB1203. Codes never change meaning once released. */
  readonly code: string;
  readonly severity: Severity;
  /** Lowercase sentence that names the value received. */
  readonly message: string;
  /** Dotted path into the spec, e.g. `datasets.silver_billing.expect[0].expr`. */
  readonly path: string;
  /** What to change. */
  readonly hint: string;
  /** Bundle the diagnostic belongs to, when known. */
  readonly bundle?: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Deterministic order: by path, then code, so output is byte-stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => cmp(a.bundle ?? "", b.bundle ?? "") || cmp(a.path, b.path) || cmp(a.code, b.code) || cmp(a.message, b.message),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Formats a received value for a message: short, single line. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
