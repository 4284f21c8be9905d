import { CATALOG_PARAM, schemaNameRef, schemaParam } from "../../compile/table-names.ts";

const catalogPlaceholder = `\${${CATALOG_PARAM}}`;
const schemaPlaceholder = new RegExp(`\\$\\{${schemaParam("([a-z_0-9]+)").replace(/\./g, "\\.")}\\}`, "g");

/**
 * A plan table name (`${lakebundle.catalog}.${lakebundle.schema.gold}.t`) as the deployed bundle names it:
 * `${var.catalog}.${resources.schemas.<key>_gold.name}.t`. The databricks CLI fills both at deploy, so
 * development mode's per-user schema prefix applies. Only YAML values are interpolated, never a file a
 * resource points at (`file_path`), so everything that names a table is written inline in the YAML.
 */
export function bundleTableName(resourceKey: string, planName: string): string {
  return planName.split(catalogPlaceholder).join("${var.catalog}").replace(schemaPlaceholder, (_, logical: string) => schemaNameRef(resourceKey, logical));
}
