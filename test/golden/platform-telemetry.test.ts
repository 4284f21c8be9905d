import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { generateProject, loadProject, type ProjectOutput } from "../../sdk/src/project/index.ts";
import { VENDORED_SCHEMA } from "../../sdk/src/project/bundle-schema-check.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const officialSchema = fileURLToPath(new URL("../../../shared/schemas/databricks-bundle.schema.json", import.meta.url));

let output: ProjectOutput;

beforeAll(async () => {
  output = generateProject(await loadProject(root));
  expect(output.diagnostics).toEqual([]);
});

describe("platform-telemetry golden files", () => {
  it("emits the expected file set", () => {
    expect(output.artifacts.map((a) => a.path)).toMatchSnapshot();
  });

  // The golden files are the committed bundle itself: a drift between generator and repo fails here.
  it("matches every committed generated file", async () => {
    for (const a of output.artifacts) await expect(a.content).toMatchFileSnapshot(`${root}/${a.path}`);
  });

  it("is byte-identical when generated twice", async () => {
    const again = generateProject(await loadProject(root));
    expect(again.artifacts).toEqual(output.artifacts);
  });
});

describe("bundle YAML against the official databricks CLI v1.13.0 schema", () => {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(JSON.parse(readFileSync(officialSchema, "utf8")) as object);

  it("the vendored schema is the official one", () => {
    expect(readFileSync(VENDORED_SCHEMA, "utf8")).toBe(readFileSync(officialSchema, "utf8"));
  });

  it("every generated YAML file validates", () => {
    const yamlFiles = output.artifacts.filter((a) => a.path.endsWith(".yml"));
    expect(yamlFiles.length).toBeGreaterThanOrEqual(3);
    for (const a of yamlFiles) {
      const ok = validate(parseYaml(a.content));
      expect(ok, `${a.path}: ${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
    }
  });

  it("the schema check is not vacuous: a wrong field type is rejected", () => {
    const job = output.artifacts.find((a) => a.path.endsWith(".job.yml"))!;
    const doc = parseYaml(job.content) as { resources: { jobs: Record<string, { max_concurrent_runs: unknown; tasks: { max_retries: unknown }[] }> } };
    const first = Object.values(doc.resources.jobs)[0]!;
    first.tasks[0]!.max_retries = "three";
    expect(validate(doc)).toBe(false);
  });
});

describe("what the bundle carries", () => {
  const file = (suffix: string) => output.artifacts.find((a) => a.path.endsWith(suffix))!.content;

  it("DLT SQL: read_files with file path and ingest time, expectations, derived quarantine, dedup", () => {
    const bronze = file("src/ap/bronze_raw_billing_usage_live.sql");
    expect(bronze).toContain("FROM STREAM read_files(");
    expect(bronze).toContain("_metadata.file_path AS _source_file");
    expect(bronze).toContain("current_timestamp() AS _ingested_at");
    const silver = file("src/ap/silver_billing_usage_live.sql");
    expect(silver).toContain("AS _rescued_data");
    // the record parse names an option, so Spark parses each line once per parser (see parseSelect)
    expect(silver).toMatch(/from_json\(_raw, '[^']+', map\('mode', 'PERMISSIVE'\)\) AS _r/);
    expect(silver).toContain("CONSTRAINT dbus_min EXPECT (coalesce((dbus IS NULL OR dbus >= 0), false)) ON VIOLATION DROP ROW");
    expect(silver).toMatch(/CONSTRAINT event_time_plausible EXPECT \(.*\)\n/); // warn: no ON VIOLATION
    expect(silver).toContain("CREATE OR REFRESH STREAMING TABLE ${lakebundle.catalog}.${lakebundle.schema.silver}.billing_usage_live_quarantine");
    expect(silver).toContain("WHERE NOT (");
    expect(silver).toContain("AS AUTO CDC INTO ${lakebundle.catalog}.${lakebundle.schema.silver}.billing_usage_live");
    const gold = file("src/ap/gold_billing_daily_live.sql");
    expect(gold).toContain("CREATE OR REFRESH MATERIALIZED VIEW ${lakebundle.catalog}.${lakebundle.schema.gold}.billing_daily_live");
    expect(gold).toContain("AS regions_reported");
    expect(gold).toContain("AS is_complete");
  });

  it("the quarantine predicate is the negation of exactly the drop/fail rules", () => {
    const silver = file("src/ap/silver_billing_usage_live.sql");
    const constraints = [...silver.matchAll(/CONSTRAINT (\w+) EXPECT \((.*)\)( ON VIOLATION (DROP ROW|FAIL UPDATE))?,?\n/g)];
    const gating = constraints.filter((c) => c[3]).map((c) => c[2]);
    const where = silver.slice(silver.indexOf("WHERE NOT ("), silver.indexOf(");", silver.indexOf("WHERE NOT (")));
    const conjuncts = where.replace("WHERE NOT (", "").split(/\n\s+AND /).map((s) => s.trim());
    expect(conjuncts).toEqual(gating);
  });

  it("CP job: task graph, retries, timeouts, one run at a time, queue, health, parameters", () => {
    const doc = parseYaml(file("platform_telemetry_cp.job.yml")) as any;
    const job = doc.resources.jobs.platform_telemetry_cp;
    expect(job.tasks.map((t: any) => [t.task_key, t.depends_on?.[0]?.task_key ?? null])).toEqual([
      ["ingest", null], ["validate", "ingest"], ["merge", "validate"], ["completeness", "merge"], ["publish", "completeness"],
    ]);
    expect(job.max_concurrent_runs).toBe(1);
    expect(job.queue).toEqual({ enabled: true });
    for (const t of job.tasks) {
      expect(t.max_retries).toBe(3);
      expect(t.min_retry_interval_millis).toBe(120000);
      expect(t.timeout_seconds).toBe(7200);
    }
    expect(job.health.rules[0]).toEqual({ metric: "STREAMING_BACKLOG_FILES", op: "GREATER_THAN", value: 500 });
    expect(job.parameters.map((p: any) => p.name)).toEqual(["catalog", "landing_root", "checkpoint_root", "replay_from", "replay_to", "replay_sources"]);
    expect(job.email_notifications.on_failure).toEqual(["billing-oncall@example.com"]);
  });

  it("no secret inline anywhere", () => {
    for (const a of output.artifacts) expect(a.content).not.toMatch(/dapi[0-9a-f]{32}|password\s*[:=]|token\s*[:=]/i);
  });

  it("root databricks.yml: development mode for dev, per-region prod targets, includes", () => {
    const doc = parseYaml(file("databricks.yml")) as any;
    expect(doc.targets.dev.mode).toBe("development");
    expect(doc.targets.dev.default).toBe(true);
    expect(doc.targets.prod_eu_west_1.variables.landing_root).toContain("eu-west-1");
    expect(doc.targets.prod_eu_west_1.variables.checkpoint_root).toBeUndefined();
    expect(doc.include).toEqual(["bundles/platform-telemetry/resources/*.yml"]);
  });
});
