import { codes } from "../../diagnostics/codes.ts";
import type { Diagnostic } from "../../diagnostics/diagnostic.ts";
import type { BundleIR } from "../../ir/index.ts";
import type { TargetSpec } from "../../spec/index.ts";
import type { Artifact } from "../target.ts";
import { yamlText } from "../yaml-text.ts";

/**
 * The project's root `databricks.yml`: one deployable bundle that includes every system's
 * resources, with the union of their targets and variables. Systems that define the same target
 * must agree on it.
 */
export function rootConfig(irs: readonly BundleIR[]): { artifact: Artifact; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const targets = new Map<string, { spec: TargetSpec; from: string }>();
  const variables: Record<string, Record<string, string>> = {
    catalog: { description: "Unity Catalog catalog the tables live in (set per target)" },
  };
  for (const ir of [...irs].sort((a, b) => (a.name < b.name ? -1 : 1))) {
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
  const schemas = new Set<string>();
  for (const ir of irs) for (const d of ir.datasets) schemas.add(d.schema);
  const config = {
    bundle: { name: "lakebundle" },
    include: [...irs].map((ir) => `bundles/${ir.name}/resources/*.yml`).sort(),
    sync: { include: ["jobs/**", ...[...irs].map((ir) => `bundles/${ir.name}/src/**`).sort()] },
    variables,
    resources: {
      schemas: Object.fromEntries(
        [...schemas].sort().map((s) => [s, { catalog_name: "${var.catalog}", name: s, comment: `${s} tables (managed by lakebundle)` }]),
      ),
    },
    targets: Object.fromEntries([...targets.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, { spec }]) => [name, targetConfig(spec)])),
  };
  return { artifact: { path: "databricks.yml", content: yamlText(config) }, diagnostics };
}

function targetConfig(t: TargetSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    mode: t.mode,
    workspace: {
      host: t.workspaceHost,
      ...(t.mode === "production" ? { root_path: "/Workspace/Shared/.bundle/${bundle.name}/${bundle.target}" } : {}),
    },
    variables: { catalog: t.catalog, ...t.variables },
  };
  if (t.default) out.default = true;
  if (t.runAsServicePrincipal) out.run_as = { service_principal_name: t.runAsServicePrincipal };
  return out;
}
