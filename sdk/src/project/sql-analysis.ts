import { join } from "node:path";
import { analysisStatements } from "../compile/analysis-statements.ts";
import { codes } from "../diagnostics/codes.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";
import { LocalRuntime, setupEngine } from "../runtime/index.ts";
import type { ProjectOutput } from "./generate-project.ts";

/**
 * Every SQL statement each bundle will run, parsed and analyzed by Spark on the local engine against
 * empty tables of its declared schemas: an unknown column or function, or a type error, becomes a
 * diagnostic at the spec path it came from, before anything is deployed. Uses the warm engine of the
 * project's validation warehouse when one runs (`lakebundle engine start --warehouse .lakebundle/validate`).
 */
export async function analyzeOnEngine(root: string, output: ProjectOutput, say: (m: string) => void): Promise<Diagnostic[]> {
  await setupEngine(root, say);
  const runtime = await LocalRuntime.start({ root, warehouse: join(root, ".lakebundle", "validate"), say });
  const out: Diagnostic[] = [];
  try {
    for (const ir of output.irs) {
      const dir = output.bundleDirs.find((d) => d.endsWith(`/${ir.name}`));
      if (!dir) continue;
      const artifacts = output.artifacts.filter((a) => a.path.startsWith(`${dir}/`));
      const statements = analysisStatements(ir, artifacts);
      say(`analyzing ${statements.length} SQL statements of ${ir.name} on the local engine`);
      const result = await runtime.analyze(join(root, dir, "src", "plan.json"), statements);
      for (const e of result.errors) {
        const st = e.index !== undefined ? statements[e.index] : undefined;
        out.push({
          code: codes.sqlAnalysis, severity: "error", bundle: ir.name, path: st?.path ?? e.path ?? "",
          message: `${st?.what ?? e.what ?? "a statement"} does not analyze: ${e.message.toLowerCase().startsWith("[") ? e.message : e.message.toLowerCase()}`,
          hint: "fix the expression at this path; Spark analyzed it against empty tables of the declared columns",
        });
      }
    }
  } finally {
    await runtime.close();
  }
  return mostPrecise(out);
}

/** One mistake fails its own statement and every statement built on it: keep the most precise path. */
function mostPrecise(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => !diagnostics.some((o) => o !== d && o.bundle === d.bundle && o.path.startsWith(`${d.path}.`)));
}
