export type { Artifact, EmitContext, Target, TargetCapabilities } from "./target.ts";
export { jsonText, yamlText } from "./yaml-text.ts";
export { databricksTarget } from "./databricks/databricks-target.ts";
export { localTarget } from "./local/local-target.ts";
