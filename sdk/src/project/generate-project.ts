import { compileBundle } from "../compile/compile-bundle.ts";
import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { BundleIR } from "../ir/index.ts";
import { rootConfig } from "../targets/databricks/root-config.ts";
import type { Artifact } from "../targets/target.ts";
import type { LoadedProject } from "./load-project.ts";

export interface ProjectOutput {
  artifacts: Artifact[];
  diagnostics: Diagnostic[];
  irs: BundleIR[];
  /** Bundle folders the artifacts cover (for stale-file checks). */
  bundleDirs: string[];
}

/**
 * Compiles bundles and the project-wide root `databricks.yml`. Every bundle is compiled, because the
 * root config covers them all; `only` narrows which bundles' files and diagnostics are returned.
 */
export function generateProject(project: LoadedProject, only: readonly string[] = []): ProjectOutput {
  const selected = (name: string) => only.length === 0 || only.includes(name);
  const diagnostics: Diagnostic[] = [...project.diagnostics];
  const artifacts: Artifact[] = [];
  const irs: BundleIR[] = [];
  const bundleDirs: string[] = [];
  for (const bundle of project.bundles) {
    const result = compileBundle({ spec: bundle.spec, suites: project.suites, bundleDir: bundle.dir });
    if (result.ir && result.artifacts.length > 0) irs.push(result.ir);
    if (!selected(bundle.name)) continue;
    diagnostics.push(...result.diagnostics);
    artifacts.push(...result.artifacts);
    bundleDirs.push(bundle.dir);
  }
  if (irs.length > 0) {
    const root = rootConfig(irs);
    diagnostics.push(...root.diagnostics);
    artifacts.push(root.artifact);
  }
  return { artifacts: artifacts.sort((a, b) => (a.path < b.path ? -1 : 1)), diagnostics: sortDiagnostics(diagnostics), irs, bundleDirs };
}
