import { z } from "zod";
import { identifier } from "./primitives.ts";

/** A deploy target: a workspace (host may be a variable), a catalog, per-target variable values. */
export const targetSpec = z.strictObject({
  mode: z.enum(["development", "production"]),
  default: z.boolean().default(false),
  workspaceHost: z.string().min(1),
  catalog: z.string().min(1),
  /** Region this target's workspace serves, for per-region deployments. */
  region: z.string().optional(),
  variables: z.record(identifier, z.string()).default({}),
  /** Production runs as a service principal, never as a person. */
  runAsServicePrincipal: z.string().optional(),
});

export const variableSpec = z.strictObject({
  description: z.string().min(1),
  default: z.string().optional(),
});

/** A secret is always a scope/key reference; its value never appears in the spec or the bundle. */
export const secretSpec = z.strictObject({ scope: z.string().min(1), key: z.string().min(1) });

export type TargetSpec = z.infer<typeof targetSpec>;
export type VariableSpec = z.infer<typeof variableSpec>;
export type SecretSpec = z.infer<typeof secretSpec>;
