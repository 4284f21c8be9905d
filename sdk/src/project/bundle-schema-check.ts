import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import { parse as parseYaml } from "yaml";
import { codes } from "../diagnostics/codes.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";
import type { Artifact } from "../targets/target.ts";

/** The official bundle JSON schema of the databricks CLI v1.13.0, vendored so `validate` works offline. */
export const VENDORED_SCHEMA = fileURLToPath(new URL("../../schemas/databricks-bundle.v1.13.0.schema.json", import.meta.url));

const cache = new Map<string, ValidateFunction>();

function validator(schemaPath: string): ValidateFunction {
  let fn = cache.get(schemaPath);
  if (!fn) {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    fn = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")) as object);
    cache.set(schemaPath, fn);
  }
  return fn;
}

/** Every generated YAML file, root config and resource files alike, checked against the schema. */
export function checkBundleYaml(artifacts: readonly Artifact[], schemaPath = VENDORED_SCHEMA): Diagnostic[] {
  const validate = validator(schemaPath);
  const out: Diagnostic[] = [];
  for (const a of artifacts.filter((x) => x.path.endsWith(".yml"))) {
    if (validate(parseYaml(a.content))) continue;
    for (const e of validate.errors ?? []) {
      out.push({
        code: codes.schemaViolation, severity: "error", path: `${a.path}: ${e.instancePath || "/"}`,
        message: `generated yaml violates the bundle schema: ${e.message ?? "invalid"}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`,
        hint: "this is a lakebundle bug: report it with the spec that produced it",
      });
    }
  }
  return out;
}
