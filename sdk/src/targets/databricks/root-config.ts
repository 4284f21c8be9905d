import { codes } from "../../diagnostics/codes.ts";
import type { Diagnostic } from "../../diagnostics/diagnostic.ts";
import type { BundleIR } from "../../ir/index.ts";
import type { TargetSpec } from "../../spec/index.ts";
import type { Artifact } from "../target.ts";
import { yamlText } from "../yaml-text.ts";
import { ALERT_PAUSE_VARIABLE } from "./alert-resources.ts";
import { schemaResources } from "./schema-resources.ts";

/**
 * The project's root `databricks.yml`: one deployable bundle that includes every system's
 * resources, with the union of their targets and variables. Systems that define the same target
 * must agree on it, and no two systems may share a Unity Catalog schema.
 */
export function rootConfig(irs: readonly BundleIR[]): { artifact: Artifact; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const sorted = [...irs].sort((a, b) => (a.name < b.name ? -1 : 1));
  const targets = new Map<string, { spec: TargetSpec; from: string }>();
  const variables: Record<string, Record<string, string>> = {
    catalog: { description: "Unity Catalog catalog the tables live in (set per target)" },
    // no default: a target names its warehouse (`warehouse` in the spec), or deploy passes --var warehouse_id=<id>
    warehouse_id: { description: "SQL warehouse that runs the dashboards and alerts (looked up per target by name)" },
    [ALERT_PAUSE_VARIABLE]: { description: "PAUSED or UNPAUSED: alert schedules (development targets pause them)", default: "UNPAUSED" },
  };
  for (const ir of sorted) {
    for (const [name, v] of Object.entries(ir.variables)) {
      variables[name] = { description: v.description, ...(v.default !== undefined ? { default: v.default } : {}) };
    }
    for (const [name, spec] of Object.entries(ir.targets)) {
      const prior = targets.get(name);
      if (prior && JSON.stringify(prior.spec) !== JSON.stringify(spec)) {
        diagnostics.push({
          code: codes.targetConflict, severity: "error", bundle: ir.name, path: `targets.${name}`,
          message: `target "${name}" differs from the one in bundle "${prior.from}"`,
          hint: "targets are shared by all bundles of the project: define them identically (or rename one)",
        });
      } else if (!prior) {
        targets.set(name, { spec, from: ir.name });
      }
    }
  }
  diagnostics.push(...sharedSchemas(sorted));
  const config = {
    bundle: { name: "lakebundle" },
    include: sorted.map((ir) => `bundles/${ir.name}/resources/*.yml`),
    // upload only what tasks and pipelines read: the task code and each system's generated src/
    // (sync.paths keeps the layout relative to the bundle root: ${workspace.file_path}/jobs/...)
    sync: {
      paths: ["jobs", ...sorted.map((ir) => `bundles/${ir.name}/src`)],
      // the dashboard is deployed from its resource; a synced .lvdash.json would be a second, broken
      // dashboard in the workspace (https://github.com/databricks/cli/issues/2910)
      exclude: sorted.map((ir) => `bundles/${ir.name}/src/*.lvdash.json`),
    },
    variables,
    targets: Object.fromEntries([...targets.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, { spec }]) => [name, targetConfig(spec, sorted)])),
  };
  return { artifact: { path: "databricks.yml", content: yamlText(config) }, diagnostics };
}

/** Two systems writing one schema would own each other's tables by accident (a table has one owning pipeline). */
function sharedSchemas(irs: readonly BundleIR[]): Diagnostic[] {
  const owner = new Map<string, string>();
  const out: Diagnostic[] = [];
  for (const ir of irs) {
    for (const [logical, name] of Object.entries(ir.schemas)) {
      const prior = owner.get(name);
      if (prior === undefined) owner.set(name, ir.name);
      else {
        out.push({
          code: codes.sharedSchema, severity: "error", bundle: ir.name, path: `schemas.${logical}`,
          message: `schema ${JSON.stringify(name)} is also used by bundle "${prior}"`,
          hint: `give this system its own schema names, e.g. \`schemas: { ${logical}: "${ir.resourceKey}_${logical}" }\``,
        });
      }
    }
  }
  return out;
}

function targetConfig(t: TargetSpec, irs: readonly BundleIR[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    mode: t.mode,
    workspace: {
      host: t.workspaceHost,
      // production: one copy per deploying principal (deploy as the run-as service principal), never
      // under /Workspace/Shared, which every workspace user can write
      ...(t.mode === "production" ? { root_path: "/Workspace/Users/${workspace.current_user.userName}/.bundle/${bundle.name}/${bundle.target}" } : {}),
    },
    variables: {
      catalog: t.catalog,
      // the warehouse's id in this target's workspace, looked up by name at deploy
      // (https://docs.databricks.com/aws/en/dev-tools/bundles/variables#retrieve-an-objects-id-value)
      ...(t.warehouse ? { warehouse_id: { lookup: { warehouse: t.warehouse } } } : {}),
      ...(t.mode === "development" ? { [ALERT_PAUSE_VARIABLE]: "PAUSED" } : {}),
      ...t.variables,
    },
  };
  if (t.default) out.default = true;
  const sp = t.runAsServicePrincipal;
  if (sp) {
    out.run_as = { service_principal_name: sp };
    const grants = irs.map((ir) => schemaResources(ir, sp));
    out.resources = {
      schemas: Object.assign({}, ...grants.map((g) => g.schemas)),
      volumes: Object.assign({}, ...grants.map((g) => g.volumes)),
    };
  }
  const permissions = [
    ...(sp ? [{ level: "CAN_MANAGE", service_principal_name: sp }] : []),
    ...t.permissions.map((p) => ({
      level: p.level,
      ...(p.group ? { group_name: p.group } : {}),
      ...(p.user ? { user_name: p.user } : {}),
      ...(p.servicePrincipal ? { service_principal_name: p.servicePrincipal } : {}),
    })),
  ];
  if (permissions.length > 0) out.permissions = permissions;
  return out;
}
