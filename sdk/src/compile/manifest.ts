import { createHash } from "node:crypto";
import type { BundleIR } from "../ir/index.ts";
import type { Artifact } from "../targets/target.ts";
import { jsonText } from "../targets/yaml-text.ts";
import { PLAN_SCHEMA_VERSION } from "./engine-plan.ts";

export const MANIFEST_SCHEMA_VERSION = 1;

/**
 * `manifest.json`: what deploy, run, monitor and replay read instead of the user's source, so a
 * release is reproducible. Content hashes, no timestamps.
 */
export function manifestArtifact(ir: BundleIR, bundleDir: string, artifacts: readonly Artifact[]): Artifact {
  const tables = ir.datasets.flatMap((d) => {
    const main = { table: `${d.schema}.${d.name}`, dataset: d.name, layer: d.kind, consistency: d.consistency };
    if (d.kind === "silver") return [main, { table: `${d.schema}.${d.quarantineTable}`, dataset: d.name, layer: "quarantine", consistency: d.consistency }];
    if (d.kind === "gold" && d.restatementsTable) return [main, { table: `${d.schema}.${d.restatementsTable}`, dataset: d.name, layer: "restatements", consistency: d.consistency }];
    return [main];
  });
  const manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    planSchemaVersion: PLAN_SCHEMA_VERSION,
    bundle: ir.name,
    regions: ir.regions,
    plan: "src/plan.json",
    paths: Object.fromEntries(
      Object.entries(ir.paths).map(([c, p]) => [c, {
        resource: c === "AP" ? `pipelines.${ir.resourceKey}_ap` : `jobs.${ir.resourceKey}_cp`,
        trigger: p!.execution.trigger.kind,
        datasets: p!.datasets,
      }]),
    ),
    tables,
    columns: Object.fromEntries(Object.values(ir.sources).map((src) => [src.name, src.columns.map((c) => ({
      name: c.name, type: c.type, required: c.required, pii: c.pii, ...(c.owner ? { owner: c.owner } : {}),
    }))])),
    monitors: ir.monitors,
    artifacts: artifacts
      .map((a) => ({ path: a.path.slice(bundleDir.length + 1), sha256: createHash("sha256").update(a.content).digest("hex") }))
      .sort((a, b) => (a.path < b.path ? -1 : 1)),
  };
  return { path: `${bundleDir}/manifest.json`, content: jsonText(manifest) };
}
