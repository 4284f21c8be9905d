import type { Diagnostic } from "./diagnostic.ts";

/** `error LB1203: ...` / `  at datasets.x.expect[0]` / `  hint: ...` — the shape every CLI command prints. */
export function renderDiagnostic(d: Diagnostic): string {
  const where = d.bundle ? `${d.bundle}: ${d.path || "(root)"}` : d.path || "(root)";
  return `${d.severity} ${d.code}: ${d.message}\n  at ${where}\n  hint: ${d.hint}`;
}

export function renderDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map(renderDiagnostic).join("\n\n");
}
