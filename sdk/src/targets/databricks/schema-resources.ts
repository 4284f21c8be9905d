import { OPS_SCHEMA, schemaNameRef, schemaResourceKey } from "../../compile/table-names.ts";
import type { BundleIR } from "../../ir/index.ts";

/** The volume holding the CP job's streaming checkpoints, in the system's ops schema. */
export const CHECKPOINT_VOLUME = "checkpoints";

/**
 * A system's Unity Catalog schemas and its checkpoints volume, owned by its bundle. Development mode
 * prefixes schema names per user (`dev_<short_name>_silver`); everything that names a table reads the
 * deployed name through `${resources.schemas.<key>.name}`, so each developer writes their own schemas.
 * Volumes are not prefixed, but this one lives in the (prefixed) ops schema, so checkpoints are never
 * shared across targets or developers.
 *
 * With `runAs`, each resource also grants that principal what the job and pipeline need (a target
 * override repeats the whole definition: the bundle schema requires catalog_name and name there too).
 */
export function schemaResources(ir: BundleIR, runAs?: string): { schemas: Record<string, unknown>; volumes: Record<string, unknown> } {
  const mvSchemas = new Set(ir.datasets.filter((d) => d.kind === "gold" && d.consistency === "AP").map((d) => d.schema));
  const grant = (privileges: string[]) => (runAs ? { grants: [{ principal: runAs, privileges }] } : {});
  const schemas = Object.fromEntries(Object.entries(ir.schemas).map(([logical, name]) => [
    schemaResourceKey(ir.resourceKey, logical),
    {
      catalog_name: "${var.catalog}", name, comment: `${logical} tables of ${ir.name} (managed by lakebundle)`,
      // read and write tables (streaming tables, MERGE targets), create them, and materialized views where AP gold lives;
      // privilege names as the grants API spells them (CREATE_TABLE, not CREATE TABLE)
      ...grant(["USE_SCHEMA", "SELECT", "MODIFY", "CREATE_TABLE", ...(mvSchemas.has(logical) ? ["CREATE_MATERIALIZED_VIEW"] : [])]),
    },
  ]));
  const volumes = {
    [`${ir.resourceKey}_${CHECKPOINT_VOLUME}`]: {
      catalog_name: "${var.catalog}",
      schema_name: schemaNameRef(ir.resourceKey, OPS_SCHEMA),
      name: CHECKPOINT_VOLUME,
      volume_type: "MANAGED",
      comment: `streaming checkpoints of ${ir.name} (never shared: one per target and developer)`,
      ...grant(["READ_VOLUME", "WRITE_VOLUME"]),
    },
  };
  return { schemas, volumes };
}

/** Default checkpoint root of the CP job: its own folder in the checkpoints volume. */
export function checkpointRoot(ir: BundleIR): string {
  return `/Volumes/\${var.catalog}/${schemaNameRef(ir.resourceKey, OPS_SCHEMA)}/${CHECKPOINT_VOLUME}/cp`;
}
