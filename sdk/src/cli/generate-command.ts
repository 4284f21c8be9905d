import type { Command } from "commander";
import { hasErrors } from "../diagnostics/diagnostic.ts";
import { checkBundleYaml, checkDrift, generateProject, loadProject, writeArtifacts } from "../project/index.ts";
import { exitCodes } from "./exit-codes.ts";
import { printDiagnostics, printJson, type Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";

interface Options { json?: boolean; check?: boolean; project?: string }

export function registerGenerate(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("generate")
    .description("compile bundle specs into Databricks Asset Bundle files (all bundles when none is named)")
    .argument("[bundle...]", "bundle names under bundles/")
    .option("--check", "write nothing; exit 3 when committed files differ from the generator")
    .option("--json", "machine-readable output")
    .option("--project <dir>", "project root (default: found from the current folder)")
    .addHelpText("after", "\nExamples:\n  lakebundle generate                       # every bundle\n  lakebundle generate platform-telemetry    # one bundle (+ root databricks.yml)\n  lakebundle generate --check               # CI: fail on drift\n")
    .action(async (bundles: string[], opts: Options) => {
      const root = projectRoot(io, opts.project);
      if (!root) return setExit(exitCodes.usage);
      const project = await loadProject(root, bundles);
      const output = generateProject(project, bundles);
      const schemaIssues = hasErrors(output.diagnostics) ? [] : checkBundleYaml(output.artifacts);
      const diagnostics = [...output.diagnostics, ...schemaIssues];
      if (hasErrors(diagnostics)) {
        if (opts.json) printJson(io, { ok: false, diagnostics });
        else printDiagnostics(io, diagnostics);
        return setExit(exitCodes.invalidSpec);
      }
      if (opts.check) {
        const drift = checkDrift(root, output.artifacts, output.bundleDirs);
        const drifted = drift.changed.length + drift.missing.length + drift.stale.length > 0;
        if (opts.json) printJson(io, { ok: !drifted, drift });
        else if (drifted) {
          for (const [label, files] of Object.entries(drift)) for (const f of files) io.err(`error LB1502: ${label} generated file ${f}`);
          io.err("hint: run `lakebundle generate` and commit the result");
        } else io.out(`generated files are up to date (${output.artifacts.length} files)`);
        return setExit(drifted ? exitCodes.drift : exitCodes.ok);
      }
      const report = writeArtifacts(root, output.artifacts, output.bundleDirs);
      if (opts.json) printJson(io, { ok: true, ...report });
      else {
        for (const f of report.written) io.out(`wrote     ${f}`);
        for (const f of report.removed) io.out(`removed   ${f}`);
        io.out(`${output.artifacts.length} files: ${report.written.length} written, ${report.unchanged.length} unchanged, ${report.removed.length} removed`);
      }
      setExit(exitCodes.ok);
    });
}
