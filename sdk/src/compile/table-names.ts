/**
 * Table names in everything lakebundle generates are templates over the catalog and the logical schema:
 * `${lakebundle.catalog}.${lakebundle.schema.silver}.billing_usage`. The same keys are pipeline
 * configuration in the Lakeflow SQL (text substitution: https://docs.databricks.com/aws/en/ldp/parameters),
 * CP task parameters (`--catalog`, `--schema silver=…`) filled from the bundle's schema resources (so
 * development mode's per-user prefix applies), and the local engine's own catalog and logical names.
 */
export const CATALOG_PARAM = "lakebundle.catalog";

/** Logical schema of lakebundle's own operational tables (batch metrics, checkpoints volume). */
export const OPS_SCHEMA = "ops";

export function schemaParam(logical: string): string {
  return `lakebundle.schema.${logical}`;
}

export function qualifiedTable(logicalSchema: string, table: string): string {
  return `\${${CATALOG_PARAM}}.\${${schemaParam(logicalSchema)}}.${table}`;
}

/** Resource key of a system's schema in the bundle: `platform_telemetry_silver`. */
export function schemaResourceKey(resourceKey: string, logical: string): string {
  return `${resourceKey}_${logical}`;
}

/** The deployed (possibly dev-prefixed) schema name, resolved by the databricks CLI at deploy. */
export function schemaNameRef(resourceKey: string, logical: string): string {
  return `\${resources.schemas.${schemaResourceKey(resourceKey, logical)}.name}`;
}
