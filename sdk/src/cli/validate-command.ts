import type { Command } from "commander";
import { codes } from "../diagnostics/codes.ts";
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { checkBundleYaml, checkDrift, checkServerlessCode, generateProject, loadProject } from "../project/index.ts";
import { exitCodes } from "./exit-codes.ts";
import { handleErrors } from "./handle-errors.ts";
import { printDiagnostics, printJson, type Io } from "./output.ts";
import { analyzeOnEngine } from "../project/sql-analysis.ts";
import { projectRoot } from "./project-root.ts";

interface Options { json?: boolean; project?: string; schema?: string; engine?: boolean }

export function registerValidate(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("validate")
    .description("check specs, check every generated YAML against the official bundle schema, and check committed files for drift")
    .argument("[bundle...]", "bundle names under bundles/")
    .option("--json", "machine-readable output")
    .option("--schema <file>", "bundle JSON schema to check against (default: vendored databricks CLI v1.13.0 schema)")
    .option("--no-engine", "skip analyzing every SQL statement on the local engine (static checks only)")
    .option("--project <dir>", "project root (default: found from the current folder)")
    .action((bundles: string[], opts: Options) => handleErrors(io, setExit, async () => {
      const root = projectRoot(io, opts.project);
      if (!root) return exitCodes.usage;
      const project = await loadProject(root, bundles);
      const output = generateProject(project, bundles);
      const diagnostics: Diagnostic[] = [...output.diagnostics];
      if (!hasErrors(diagnostics)) {
        diagnostics.push(...checkBundleYaml(output.artifacts, opts.schema));
        diagnostics.push(...checkServerlessCode(root));
        if (opts.engine !== false && !hasErrors(diagnostics)) {
          diagnostics.push(...(await analyzeOnEngine(root, output, (m) => io.err(m))));
        }
        const drift = checkDrift(root, output.artifacts, output.bundleDirs);
        for (const [label, files] of Object.entries(drift)) {
          for (const f of files) {
            diagnostics.push({ code: codes.driftDetected, severity: "error", path: f, message: `${label} generated file`, hint: "run `lakebundle generate` and commit the result" });
          }
        }
      }
      const ok = !hasErrors(diagnostics);
      if (opts.json) printJson(io, { ok, bundles: output.irs.map((ir) => ir.name), files: output.artifacts.length, diagnostics });
      else if (ok) io.out(`ok: ${output.irs.length} bundle(s), ${output.artifacts.length} generated files valid and up to date`);
      else printDiagnostics(io, diagnostics);
      if (ok) return exitCodes.ok;
      return diagnostics.every((d) => d.code === codes.driftDetected) ? exitCodes.drift : exitCodes.invalidSpec;
    }));
}
