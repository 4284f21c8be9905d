export { compileBundle, defaultTargets } from "./compile-bundle.ts";
export type { CompileInput, CompileResult } from "./compile-bundle.ts";
export { enginePlan, PLAN_SCHEMA_VERSION } from "./engine-plan.ts";
export type { EnginePlan, GoldPlan, SilverPlan, BronzePlan, PathPlan } from "./engine-plan.ts";
export { MANIFEST_SCHEMA_VERSION } from "./manifest.ts";
export { resolve } from "./resolve.ts";
export { validate } from "./validate.ts";
