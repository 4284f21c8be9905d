export type { Diagnostic, Severity } from "./diagnostic.ts";
export { hasErrors, show, sortDiagnostics } from "./diagnostic.ts";
export { codes } from "./codes.ts";
export type { Code } from "./codes.ts";
export { renderDiagnostic, renderDiagnostics } from "./render.ts";
