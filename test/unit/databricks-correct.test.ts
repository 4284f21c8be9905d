/**
 * What a workspace needs from the generated bundle and the CP task code, one block per rule. Each
 * assertion fails on the output lakebundle produced before these rules were enforced.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { compileBundle } from "../../sdk/src/compile/index.ts";
import { generateProject, loadProject, type ProjectOutput } from "../../sdk/src/project/index.ts";
import { rootConfig } from "../../sdk/src/targets/databricks/root-config.ts";
import { minimalSpec } from "../fixtures/minimal-spec.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
let output: ProjectOutput;
const file = (suffix: string) => output.artifacts.find((a) => a.path.endsWith(suffix))!.content;
const yamlOf = (suffix: string) => parseYaml(file(suffix)) as any;
const codesOf = (spec: unknown) => compileBundle({ spec }).diagnostics.map((d) => [d.code, d.path]);

beforeAll(async () => {
  output = generateProject(await loadProject(root));
  expect(output.diagnostics).toEqual([]);
});

describe("serverless task code (jobs/)", () => {
  it("uses no DataFrame cache, checkpoint, RDD or sparkContext", () => {
    const forbidden = /(?<!ctx|self|job)\.(cache|persist|unpersist|localCheckpoint|checkpoint)\(|\.rdd\b|sparkContext/;
    const files = readdirSync(join(root, "jobs", "lakebundle_jobs")).filter((f) => f.endsWith(".py")).map((f) => join("jobs", "lakebundle_jobs", f));
    for (const f of [...files, "jobs/lakebundle_task.py"]) {
      readFileSync(join(root, f), "utf8").split("\n").forEach((line, i) => {
        if (line.trim().startsWith("#")) return;
        expect(forbidden.test(line), `${f}:${i + 1}: ${line.trim()}`).toBe(false);
      });
    }
  });

  it("functions handed to foreachBatch touch no driver state (they run in another process on serverless)", () => {
    // every nested def in the task code: what foreachBatch receives. Only plain data may cross: no ctx,
    // no driver dicts or lists mutated, no nonlocal/global.
    for (const f of readdirSync(join(root, "jobs", "lakebundle_jobs")).filter((x) => x.endsWith(".py"))) {
      const lines = readFileSync(join(root, "jobs", "lakebundle_jobs", f), "utf8").split("\n");
      lines.forEach((line, i) => {
        const m = /^(\s+)def (\w+)\((?!self)/.exec(line);
        if (!m) return;
        const body: string[] = [];
        for (let j = i + 1; j < lines.length && (lines[j]!.trim() === "" || lines[j]!.startsWith(`${m[1]} `)); j++) body.push(lines[j]!);
        expect(body.join("\n"), `${f}: ${m[2]}`).not.toMatch(/\bctx\b|metrics|nonlocal|global |\.append\(/);
      });
    }
  });
});

/** Every relation a SQL text names after FROM/JOIN/INTO/TABLE/VIEW/STREAM, minus its temporary views and CTEs. */
function relations(sql: string): string[] {
  const temp = new Set([
    ...[...sql.matchAll(/CREATE TEMPORARY VIEW (\w+)/g)].map((m) => m[1]!),
    ...[...sql.matchAll(/(?:WITH|\),)\s+(\w+) AS \(/g)].map((m) => m[1]!),
  ]);
  const names = [...sql.matchAll(/\b(?:FROM|JOIN|INTO|TABLE|VIEW|STREAM)\b\s*\(?\s*([A-Za-z_$][^\s(),;]*)/g)].map((m) => m[1]!);
  return names.filter((n) => !temp.has(n) && !/^(read_files|SELECT|VIEW|IF|STREAM)$/i.test(n));
}

describe("every table reference is catalog-qualified through parameters", () => {
  const qualified = /^\$\{lakebundle\.catalog\}\.\$\{lakebundle\.schema\.[a-z_]+\}\.[a-z_][a-z0-9_]*$/;

  it("in the Lakeflow SQL", () => {
    const sqlFiles = output.artifacts.filter((a) => a.path.endsWith(".sql"));
    expect(sqlFiles.length).toBe(12);
    for (const a of sqlFiles) {
      const rels = relations(a.content);
      expect(rels.length, a.path).toBeGreaterThan(0);
      for (const r of rels) expect(r, a.path).toMatch(qualified);
    }
  });

  it("in the CP plan: table fields and every SQL statement", () => {
    const plan = JSON.parse(file("src/plan.json"));
    const tableFields: string[] = [];
    const sqls: string[] = [];
    const walk = (v: unknown, key = ""): void => {
      if (typeof v === "string") {
        if (/table$/i.test(key)) tableFields.push(v);
        if (/Sql$/.test(key)) sqls.push(v);
      } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
    };
    walk(plan);
    expect(tableFields.length).toBeGreaterThan(20);
    for (const t of tableFields) expect(t).toMatch(qualified);
    expect(sqls.length).toBeGreaterThan(10);
    for (const sql of sqls) for (const r of relations(sql)) expect(r).toMatch(qualified);
    expect(plan.schemas).toEqual(["bronze", "gold", "ops", "silver"]);
  });

  it("the CP tasks receive the catalog and every schema the plan names", () => {
    const job = yamlOf("platform_telemetry_cp.job.yml").resources.jobs.platform_telemetry_cp;
    for (const t of job.tasks) {
      const p: string[] = t.spark_python_task.parameters;
      expect(p[p.indexOf("--catalog") + 1]).toBe("{{job.parameters.catalog}}");
      const schemas = p.flatMap((x, i) => (x === "--schema" ? [p[i + 1]] : []));
      expect(schemas).toEqual(["bronze", "gold", "ops", "silver"].map((s) => `${s}=\${resources.schemas.platform_telemetry_${s}.name}`));
    }
  });
});

describe("Lakeflow SQL", () => {
  it("AP silver dedups with an AUTO CDC flow (SCD 1), never a streaming DISTINCT with a watermark", () => {
    for (const s of ["audit_logs", "billing_usage", "cluster_metrics", "job_events"]) {
      const sql = file(`src/ap/silver_${s}_live.sql`);
      expect(sql).not.toMatch(/DISTINCT|WATERMARK/);
      expect(sql).toContain(`CREATE FLOW ${s}_live_dedup AS AUTO CDC INTO \${lakebundle.catalog}.\${lakebundle.schema.silver}.${s}_live`);
      expect(sql).toMatch(/KEYS \(event_id\)\nSEQUENCE BY event_time\nCOLUMNS \* EXCEPT \(_source_file, _raw, _fields(, _v)?\)\nSTORED AS SCD TYPE 1;/);
    }
  });

  it("a numeric type rule reads the top-level field's JSON type, not a regex over the raw line", () => {
    const sql = file("src/ap/silver_billing_usage_live.sql");
    expect(sql).not.toContain("RLIKE");
    expect(sql).toContain("CONSTRAINT dbus_type EXPECT (coalesce((_fields['dbus'] IS NULL OR (dbus IS NOT NULL AND schema_of_variant(variant_get(_v, '$.dbus')) <> 'STRING')), false)) ON VIOLATION DROP ROW");
    expect(sql).toContain("try_parse_json(_raw) AS _v");
    for (const a of output.artifacts) expect(a.content, a.path).not.toMatch(/_raw RLIKE/);
  });

  it("reads the landing zone with read_files' documented options", () => {
    const sql = file("src/ap/bronze_raw_billing_usage_live.sql");
    expect(sql).toContain("fileNamePattern => '*.{json,jsonl,json.gz,jsonl.gz}'");
    expect(sql).not.toMatch(/pathGlobFilter|recursiveFileLookup/);
  });
});

describe("schemas: per system, per user in development mode", () => {
  it("each system owns its schemas and its checkpoints volume; the pipeline and job name them by reference", () => {
    const res = yamlOf("platform_telemetry.schemas.yml").resources;
    expect(Object.keys(res.schemas)).toEqual(["platform_telemetry_bronze", "platform_telemetry_gold", "platform_telemetry_ops", "platform_telemetry_silver"]);
    expect(res.volumes.platform_telemetry_checkpoints).toMatchObject({ schema_name: "${resources.schemas.platform_telemetry_ops.name}", volume_type: "MANAGED" });
    const pipeline = yamlOf("platform_telemetry_ap.pipeline.yml").resources.pipelines.platform_telemetry_ap;
    expect(pipeline.schema).toBe("${resources.schemas.platform_telemetry_silver.name}");
    expect(pipeline.configuration).toMatchObject({
      "lakebundle.catalog": "${var.catalog}",
      "lakebundle.schema.bronze": "${resources.schemas.platform_telemetry_bronze.name}",
      "lakebundle.schema.gold": "${resources.schemas.platform_telemetry_gold.name}",
      "lakebundle.schema.silver": "${resources.schemas.platform_telemetry_silver.name}",
    });
    expect(yamlOf("databricks.yml").resources).toBeUndefined();
  });

  it("checkpoints default to the system's volume in its (dev-prefixed) ops schema, never a shared path", () => {
    const job = yamlOf("platform_telemetry_cp.job.yml").resources.jobs.platform_telemetry_cp;
    const cp = job.parameters.find((p: any) => p.name === "checkpoint_root");
    expect(cp.default).toBe("/Volumes/${var.catalog}/${resources.schemas.platform_telemetry_ops.name}/checkpoints/cp");
    expect(file("databricks.yml")).not.toContain("checkpoint_root");
  });

  it("two systems may not share a schema; `schemas` renames one", () => {
    const a = compileBundle({ spec: minimalSpec() }).ir!;
    const b = compileBundle({ spec: { ...minimalSpec(), name: "other" } }).ir!;
    const clash = rootConfig([a, b]).diagnostics;
    expect(clash.map((d) => [d.code, d.bundle, d.path])).toEqual([
      ["LB1407", "other", "schemas.bronze"], ["LB1407", "other", "schemas.gold"], ["LB1407", "other", "schemas.ops"], ["LB1407", "other", "schemas.silver"],
    ]);
    expect(clash[1]!.hint).toContain('schemas: { gold: "other_gold" }');
    const renamed = compileBundle({ spec: { ...minimalSpec(), name: "other", schemas: { bronze: "other_bronze", gold: "other_gold", ops: "other_ops", silver: "other_silver" } } }).ir!;
    expect(rootConfig([a, renamed]).diagnostics).toEqual([]);
    expect(codesOf({ ...minimalSpec(), schemas: { platinum: "x" } })).toEqual([["LB1408", "schemas.platinum"]]);
  });
});

describe("production targets", () => {
  it("run as a service principal's application id, with a clear diagnostic for a display name", () => {
    const spec = minimalSpec();
    spec.targets.prod = { mode: "production", workspaceHost: "https://p.cloud.databricks.com", catalog: "p", runAsServicePrincipal: "lakebundle-prod-sp" };
    const [d] = compileBundle({ spec }).diagnostics;
    expect(d).toMatchObject({ code: "LB1406", path: "targets.prod.runAsServicePrincipal" });
    expect(d!.message).toContain('"lakebundle-prod-sp"');
    expect(d!.hint).toContain("application id");
  });

  // the databricks CLI's production-mode rules (bundle/permissions/validate.go, validate_target_mode.go,
  // permission_diagnostics.go): these are what make `databricks bundle validate` warn
  it("grant the run-as principal what it needs, restrict permissions, and avoid /Workspace/Shared", () => {
    const doc = yamlOf("databricks.yml");
    const production = Object.entries<any>(doc.targets).filter(([, t]) => t.mode === "production");
    expect(production.map(([n]) => n)).toEqual(["prod_eu_west_1", "prod_us_east_1", "staging"]);
    for (const [name, t] of production) {
      const sp = t.run_as.service_principal_name;
      expect(sp, name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(t.workspace.root_path, name).toMatch(/^\/Workspace\/Users\/\$\{workspace\.current_user\.userName\}\//);
      expect(t.permissions, name).toContainEqual({ level: "CAN_MANAGE", service_principal_name: sp });
      expect(t.permissions.some((p: any) => p.group_name === "users"), name).toBe(false);
      for (const [key, schema] of Object.entries<any>(t.resources.schemas)) {
        const privileges = schema.grants.find((g: any) => g.principal === sp).privileges;
        expect(privileges, `${name} ${key}`).toEqual(expect.arrayContaining(["USE_SCHEMA", "SELECT", "MODIFY", "CREATE_TABLE"]));
      }
      expect(t.resources.schemas.platform_telemetry_gold.grants[0].privileges).toContain("CREATE_MATERIALIZED_VIEW");
      expect(t.resources.volumes.platform_telemetry_checkpoints.grants[0].privileges).toEqual(["READ_VOLUME", "WRITE_VOLUME"]);
    }
    expect(file("databricks.yml")).not.toContain("/Workspace/Shared");
  });
});

describe("schedules, sync, health", () => {
  it("no pause_status on jobs and pipelines: development mode pauses what production runs", () => {
    const spec = minimalSpec();
    spec.execution = { AP: { trigger: { kind: "cron", cron: "0 0/5 * * * ?" } }, CP: { trigger: { kind: "available-now" } } };
    const yml = [...output.artifacts, ...compileBundle({ spec }).artifacts].filter((a) => a.path.endsWith(".yml") && !a.path.endsWith(".alerts.yml"));
    for (const a of yml) expect(a.content.replaceAll("alert_pause_status", ""), a.path).not.toContain("pause_status");
  });

  it("alert schedules, which development mode does not pause, are paused by a variable only development targets set", () => {
    for (const alert of Object.values<any>(yamlOf("platform_telemetry.alerts.yml").resources.alerts)) {
      expect(alert.schedule).toEqual({ pause_status: "${var.alert_pause_status}", quartz_cron_schedule: "0 0/15 * * * ?", timezone_id: "UTC" });
    }
    const doc = yamlOf("databricks.yml");
    expect(doc.variables.alert_pause_status.default).toBe("UNPAUSED");
    for (const [name, t] of Object.entries<any>(doc.targets)) {
      expect(t.variables.alert_pause_status, name).toBe(t.mode === "development" ? "PAUSED" : undefined);
    }
  });

  it("deploy uploads only what tasks and pipelines read", () => {
    const sync = yamlOf("databricks.yml").sync;
    // the dashboard deploys from its resource: a synced .lvdash.json would be a second dashboard
    expect(sync).toEqual({ paths: ["jobs", "bundles/platform-telemetry/src"], exclude: ["bundles/platform-telemetry/src/*.lvdash.json"] });
    const job = yamlOf("platform_telemetry_cp.job.yml").resources.jobs.platform_telemetry_cp;
    const task = join(root, "bundles", "platform-telemetry", "resources", job.tasks[0].spark_python_task.python_file);
    expect(existsSync(task) && task.startsWith(join(root, "jobs"))).toBe(true);
    const pipeline = yamlOf("platform_telemetry_ap.pipeline.yml").resources.pipelines.platform_telemetry_ap;
    for (const lib of pipeline.libraries) expect(join("bundles/platform-telemetry/resources", lib.file.path)).toMatch(/^bundles\/platform-telemetry\/src\//);
  });

  it("backlog alerts use the metrics Auto Loader reports (files, bytes); seconds and AP alerts are diagnosed", () => {
    const job = yamlOf("platform_telemetry_cp.job.yml").resources.jobs.platform_telemetry_cp;
    expect(job.health.rules).toEqual([
      { metric: "STREAMING_BACKLOG_FILES", op: "GREATER_THAN", value: 500 },
      { metric: "STREAMING_BACKLOG_BYTES", op: "GREATER_THAN", value: 10737418240 },
      { metric: "RUN_DURATION_SECONDS", op: "GREATER_THAN", value: 3600 },
    ]);
    expect(job.email_notifications.on_streaming_backlog_exceeded).toEqual(["billing-oncall@example.com"]);
    const spec = minimalSpec();
    spec.execution = { AP: { trigger: { kind: "continuous" }, backlogAlertSeconds: 600 }, CP: { trigger: { kind: "available-now" }, backlogAlertSeconds: 1800 } };
    expect(codesOf(spec)).toEqual([["LB1307", "execution.AP.backlogAlertSeconds"], ["LB1307", "execution.CP.backlogAlertSeconds"]]);
    spec.execution = { AP: { trigger: { kind: "continuous" }, backlogAlert: { files: 10 } } };
    expect(codesOf(spec)).toEqual([["LB1307", "execution.AP.backlogAlert"]]);
  });

  it("serverless pipelines set no photon flag", () => {
    expect(yamlOf("platform_telemetry_ap.pipeline.yml").resources.pipelines.platform_telemetry_ap.photon).toBeUndefined();
  });

  it("an AP dedup watermark is diagnosed: AUTO CDC keeps every key", () => {
    const spec = minimalSpec();
    spec.datasets.usage_live.dedup = { keys: ["event_id"], watermark: "1 hour" };
    const d = compileBundle({ spec }).diagnostics;
    expect(d.map((x) => [x.code, x.path])).toEqual([["LB1303", "datasets.usage_live.dedup.watermark"]]);
    expect(d[0]!.hint).toContain("AUTO CDC");
  });
});
