import type { Diagnostic } from "../diagnostics/diagnostic.ts";
import type { BundleIR } from "../ir/index.ts";

/** A generated file, path relative to the project root. */
export interface Artifact {
  readonly path: string;
  readonly content: string;
}

/** What a target can do. Shared code asks these, never the target's name. */
export interface TargetCapabilities {
  readonly supportsExpectations: boolean;
  readonly supportsAutoLoader: boolean;
  readonly supportsAutoCdc: boolean;
  /** Landing file formats the target can ingest today. */
  readonly fileFormats: readonly string[];
}

export interface EmitContext {
  /** Where the bundle lives, relative to the project root, e.g. `bundles/platform-telemetry`. */
  readonly bundleDir: string;
}

export interface Target {
  readonly name: string;
  readonly capabilities: TargetCapabilities;
  emit(ir: BundleIR, ctx: EmitContext): Artifact[];
}

export type { Diagnostic };
