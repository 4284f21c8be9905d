export { findProjectRoot, listBundles, loadProject, SPEC_FILE } from "./load-project.ts";
export type { LoadedBundle, LoadedProject } from "./load-project.ts";
export { generateProject } from "./generate-project.ts";
export type { ProjectOutput } from "./generate-project.ts";
export { checkDrift, GENERATED_DIRS, writeArtifacts } from "./write-artifacts.ts";
export type { DriftReport, WriteReport } from "./write-artifacts.ts";
export { checkBundleYaml, VENDORED_SCHEMA } from "./bundle-schema-check.ts";
export { checkServerlessCode } from "./serverless-check.ts";
