import { z } from "zod";
import { codes } from "../diagnostics/codes.ts";
import { identifier } from "./primitives.ts";

/** The API takes a service principal's application id, never its display name. */
export const applicationId = z.string().refine((v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v), {
  params: {
    code: codes.invalidServicePrincipal,
    hint: "give the service principal's application id (a UUID such as 6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f, shown under Settings → Identity and access → Service principals), not its display name",
  },
  message: "not a service principal application id:",
});

/** Who may see, run or manage the deployed jobs and pipelines of a target, besides the run-as principal. */
export const permissionSpec = z.strictObject({
  level: z.enum(["CAN_VIEW", "CAN_RUN", "CAN_MANAGE"]),
  group: z.string().min(1).optional(),
  user: z.email().optional(),
  servicePrincipal: applicationId.optional(),
}).refine((p) => [p.group, p.user, p.servicePrincipal].filter((x) => x !== undefined).length === 1, {
  params: { code: codes.invalidValue, hint: "name exactly one principal per entry: `group`, `user` or `servicePrincipal`" },
  message: "a permission names exactly one principal; received",
});

/** A deploy target: a workspace (host may be a variable), a catalog, per-target variable values. */
export const targetSpec = z.strictObject({
  mode: z.enum(["development", "production"]),
  default: z.boolean().default(false),
  workspaceHost: z.string().min(1),
  catalog: z.string().min(1),
  /** Region this target's workspace serves, for per-region deployments. */
  region: z.string().optional(),
  variables: z.record(identifier, z.string()).default({}),
  /** Production runs as a service principal, never as a person: its application id (UUID). */
  runAsServicePrincipal: applicationId.optional(),
  /** Deployed resources are readable/runnable/manageable by these principals only (plus the run-as one). */
  permissions: z.array(permissionSpec).default([]),
  /**
   * Name of the SQL warehouse that runs the bundle's dashboard and alerts in this target's workspace; the
   * databricks CLI looks its id up at deploy. Without it, deploy needs `--var warehouse_id=<id>`.
   */
  warehouse: z.string().min(1).optional(),
});

export const variableSpec = z.strictObject({
  description: z.string().min(1),
  default: z.string().optional(),
});

/** A secret is always a scope/key reference; its value never appears in the spec or the bundle. */
export const secretSpec = z.strictObject({ scope: z.string().min(1), key: z.string().min(1) });

export type TargetSpec = z.infer<typeof targetSpec>;
export type PermissionSpec = z.infer<typeof permissionSpec>;
export type VariableSpec = z.infer<typeof variableSpec>;
export type SecretSpec = z.infer<typeof secretSpec>;
