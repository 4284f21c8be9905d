import { codes } from "../diagnostics/codes.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";
import type { BundleIR } from "../ir/index.ts";
import type { Target } from "../targets/target.ts";

/** What the spec asks of a target that the target cannot do. Asks capabilities, never names. */
export function checkCapabilities(ir: BundleIR, targets: readonly Target[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const source of Object.values(ir.sources)) {
    for (const target of targets) {
      if (!target.capabilities.fileFormats.includes(source.format)) {
        out.push({
          code: codes.invalidValue, severity: "error", bundle: ir.name, path: `sources.${source.name}.format`,
          message: `format "${source.format}" is not supported by the ${target.name} target yet`,
          hint: `use one of ${target.capabilities.fileFormats.join(", ")}`,
        });
      }
    }
  }
  return out;
}
