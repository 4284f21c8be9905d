import { hasErrors, sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { BundleIR } from "../ir/index.ts";
import type { ExpectationSuite } from "../spec/index.ts";
import { parseSpec } from "../spec/index.ts";
import { databricksTarget } from "../targets/databricks/databricks-target.ts";
import { localTarget } from "../targets/local/local-target.ts";
import type { Artifact, Target } from "../targets/target.ts";
import { checkCapabilities } from "./capabilities.ts";
import { manifestArtifact } from "./manifest.ts";
import { resolve } from "./resolve.ts";
import { validate } from "./validate.ts";

export interface CompileInput {
  /** Raw author input (validated here). */
  readonly spec: unknown;
  readonly suites?: Readonly<Record<string, ExpectationSuite>>;
  /** Defaults to `bundles/<name>`. */
  readonly bundleDir?: string;
  readonly targets?: readonly Target[];
}

export interface CompileResult {
  readonly ir?: BundleIR;
  readonly artifacts: Artifact[];
  readonly diagnostics: Diagnostic[];
}

export const defaultTargets: readonly Target[] = [databricksTarget, localTarget];

/** spec → IR → passes → target emitters → artifacts. No I/O. All diagnostics collected before failing. */
export function compileBundle(input: CompileInput): CompileResult {
  const parsed = parseSpec(input.spec);
  if (!parsed.spec) return { artifacts: [], diagnostics: sortDiagnostics(withBundle(parsed.diagnostics, input.spec)) };
  const { ir, diagnostics } = resolve(parsed.spec, input.suites ?? {});
  const targets = input.targets ?? defaultTargets;
  const all = sortDiagnostics([...diagnostics, ...validate(ir), ...checkCapabilities(ir, targets)]);
  if (hasErrors(all)) return { ir, artifacts: [], diagnostics: all };
  const bundleDir = input.bundleDir ?? `bundles/${ir.name}`;
  const artifacts = targets.flatMap((t) => t.emit(ir, { bundleDir }));
  artifacts.push(manifestArtifact(ir, bundleDir, artifacts));
  artifacts.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { ir, artifacts, diagnostics: all };
}

function withBundle(diagnostics: Diagnostic[], spec: unknown): Diagnostic[] {
  const name = spec && typeof spec === "object" && typeof (spec as { name?: unknown }).name === "string" ? (spec as { name: string }).name : undefined;
  return name ? diagnostics.map((d) => ({ ...d, bundle: name })) : diagnostics;
}
