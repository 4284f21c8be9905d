/**
 * The bundle's AI/BI dashboard and SQL alerts: a valid Lakeview document whose SQL reads only the plan's
 * tables under their deployed names, widgets that query what their datasets select, and alerts that run
 * the very SQL `lakebundle monitor` runs, with the spec's thresholds.
 */
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { compileBundle } from "../../sdk/src/compile/index.ts";
import {
  conflictCountsSql, expectationRatesSql, failedConflictRunsSql, quarantinedFilesCountSql, worstConflictSql, worstExpectationRateSql, worstWriteAgeSql,
} from "../../sdk/src/monitors/check-sql.ts";
import { conflicts } from "../../sdk/src/monitors/conflicts.ts";
import type { MonitorContext } from "../../sdk/src/monitors/monitor-context.ts";
import { quality } from "../../sdk/src/monitors/quality.ts";
import { generateProject, loadProject, type ProjectOutput } from "../../sdk/src/project/index.ts";
import { checkBundleYaml } from "../../sdk/src/project/bundle-schema-check.ts";
import { bundleTableName } from "../../sdk/src/targets/databricks/bundle-table-name.ts";
import { rootConfig } from "../../sdk/src/targets/databricks/root-config.ts";
import { lastWrites } from "../../sdk/src/targets/databricks/last-writes.ts";
import { minimalSpec } from "../fixtures/minimal-spec.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
let output: ProjectOutput;
const file = (suffix: string) => output.artifacts.find((a) => a.path.endsWith(suffix))!.content;
const yamlOf = (suffix: string) => parseYaml(file(suffix)) as any;
const artifact = (spec: unknown, suffix: string) => compileBundle({ spec }).artifacts.find((a) => a.path.endsWith(suffix))!.content;

beforeAll(async () => {
  output = generateProject(await loadProject(root));
  expect(output.diagnostics).toEqual([]);
});

/** What the databricks CLI resolves at deploy, mapped back to the plan's placeholders. */
function toPlanNames(sql: string): string {
  return sql.replaceAll("${var.catalog}", "${lakebundle.catalog}").replace(/\$\{resources\.schemas\.platform_telemetry_([a-z_]+)\.name\}/g, "${lakebundle.schema.$1}");
}

/** Every table a SQL text reads (after FROM or JOIN), minus subqueries and CTE names. */
function relations(sql: string): string[] {
  const ctes = new Set([...sql.matchAll(/(?:WITH|,)\s+(\w+) AS \(/g)].map((m) => m[1]!));
  return [...sql.matchAll(/\b(?:FROM|JOIN)\s+([A-Za-z_$][^\s(),;]*)/g)].map((m) => m[1]!).filter((n) => !ctes.has(n));
}

/** Every table name field of the engine plan. */
function planTables(): Set<string> {
  const plan = JSON.parse(file("src/plan.json"));
  const out = new Set<string>(Object.values<string>(plan.ops));
  for (const path of Object.values<any>(plan.paths)) for (const layer of ["bronze", "silver", "gold"]) for (const t of path[layer]) out.add(t.table);
  return out;
}

/** Output column names of the outermost SELECT: its items up to the first FROM at depth 0. */
function selectedColumns(sql: string): string[] {
  const body = sql.slice(sql.indexOf("SELECT") + "SELECT".length);
  const items: string[] = [];
  let depth = 0;
  let current = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "(") depth++;
    if (c === ")") depth--;
    if (depth === 0 && /^\sFROM\s/.test(body.slice(i, i + 6))) break;
    if (depth === 0 && c === ",") {
      items.push(current);
      current = "";
    } else current += c;
  }
  items.push(current);
  return items.map((item) => /(?:\bAS\s+)?(\w+)\s*$/i.exec(item.trim())![1]!);
}

describe("the AI/BI dashboard", () => {
  const doc = () => JSON.parse(file("src/platform_telemetry.lvdash.json"));

  it("is a Lakeview document, and the resource deploys exactly it, inline, on the target's warehouse", () => {
    const d = doc();
    expect(Object.keys(d).sort()).toEqual(["datasets", "pages"]);
    for (const ds of d.datasets) {
      expect(Object.keys(ds).sort()).toEqual(["displayName", "name", "queryLines"]);
      expect(ds.queryLines.slice(0, -1).every((l: string) => l.endsWith("\n"))).toBe(true);
    }
    expect(d.pages.map((p: any) => p.name)).toEqual(["gold", "operations"]);
    const dashboard = yamlOf("platform_telemetry.dashboard.yml").resources.dashboards.platform_telemetry_dashboard;
    expect(dashboard.serialized_dashboard).toBe(file("src/platform_telemetry.lvdash.json"));
    expect(dashboard).toMatchObject({ warehouse_id: "${var.warehouse_id}", embed_credentials: false });
    // a file_path dashboard is deployed as-is: no variable in it would be resolved
    expect(dashboard.file_path).toBeUndefined();
  });

  it("lays widgets on the 6-column grid without overlaps", () => {
    for (const p of doc().pages) {
      const cells = new Set<string>();
      for (const { position: { x, y, width, height } } of p.layout) {
        expect(x >= 0 && width > 0 && x + width <= 6, p.name).toBe(true);
        for (let i = x; i < x + width; i++) for (let j = y; j < y + height; j++) {
          expect(cells.has(`${i},${j}`), `${p.name} ${i},${j}`).toBe(false);
          cells.add(`${i},${j}`);
        }
      }
    }
  });

  it("every dataset reads only tables of the plan, under their deployed names", () => {
    const tables = planTables();
    const d = doc();
    expect(d.datasets.length).toBeGreaterThan(10);
    for (const ds of d.datasets) {
      const sql = ds.queryLines.join("");
      const rels = relations(sql);
      expect(rels.length, ds.name).toBeGreaterThan(0);
      for (const r of rels) expect(tables.has(toPlanNames(r)), `${ds.name}: ${r}`).toBe(true);
    }
    // every gold table and every ops table the dashboard is about
    const read = new Set(d.datasets.flatMap((ds: any) => relations(ds.queryLines.join("")).map(toPlanNames)));
    const plan = JSON.parse(file("src/plan.json"));
    for (const path of Object.values<any>(plan.paths)) for (const g of path.gold) expect(read.has(g.table), g.table).toBe(true);
    for (const t of ["batchMetricsTable", "writeConflictsTable", "quarantinedFilesTable", "taskRunsTable", "streamProgressTable"]) expect(read.has(plan.ops[t]), t).toBe(true);
  });

  it("every widget queries an existing dataset, and only columns that dataset selects", () => {
    const d = doc();
    const columns = new Map<string, string[]>(d.datasets.map((ds: any) => [ds.name, selectedColumns(ds.queryLines.join(""))]));
    const used = new Set<string>();
    for (const p of d.pages) {
      for (const { widget } of p.layout) {
        if (widget.multilineTextboxSpec) continue;
        for (const q of widget.queries) {
          const cols = columns.get(q.query.datasetName);
          expect(cols, `${widget.name}: dataset ${q.query.datasetName}`).toBeDefined();
          used.add(q.query.datasetName);
          const names = q.query.fields.map((f: any) => f.name);
          for (const f of q.query.fields) {
            for (const [, c] of f.expression.matchAll(/`([^`]+)`/g)) expect(cols, `${widget.name}: ${c}`).toContain(c);
          }
          // encodings name the query's fields
          const enc = widget.spec.encodings;
          const encoded = [...(enc.columns ?? []), ...["x", "y", "color"].map((k) => enc[k]).filter(Boolean)].map((e: any) => e.fieldName);
          for (const e of encoded) expect(names, `${widget.name}: encoding ${e}`).toContain(e);
        }
      }
    }
    expect([...used].sort()).toEqual([...columns.keys()].sort());
  });

  it("AP gold shows completeness; CP gold, which publishes complete periods only, does not", () => {
    const sql = (name: string) => doc().datasets.find((ds: any) => ds.name === name).queryLines.join("");
    expect(selectedColumns(sql("gold_billing_daily_live"))).toEqual(["period", "total_dbus", "regions_reported", "is_complete"]);
    expect(selectedColumns(sql("gold_billing_daily"))).toEqual(["period", "total_dbus"]);
    // a non-additive first measure is read at its largest, never summed
    expect(selectedColumns(sql("gold_cluster_metrics_hourly_live"))[1]).toBe("samples");
  });
});

describe("SQL alerts", () => {
  const alerts = () => yamlOf("platform_telemetry.alerts.yml").resources.alerts as Record<string, any>;
  const manifest = () => JSON.parse(file("manifest.json")).monitors;
  const name = (t: string) => bundleTableName("platform_telemetry", t);
  const ops = (t: string) => name(JSON.parse(file("src/plan.json")).ops[t]);

  it("run the monitors' own SQL with the manifest's thresholds, one row, the worst", () => {
    const a = alerts();
    const m = manifest();
    const plan = JSON.parse(file("src/plan.json"));
    const expected: Record<string, [string, string, number]> = {
      platform_telemetry_conflicts_retried: [worstConflictSql(ops("writeConflictsTable"), m.windowSeconds, "retried"), "retried", m.conflicts.maxRetried],
      platform_telemetry_conflicts_gave_up: [worstConflictSql(ops("writeConflictsTable"), m.windowSeconds, "gave_up"), "gave_up", m.conflicts.maxFailed],
      platform_telemetry_expectation_failures: [worstExpectationRateSql(ops("batchMetricsTable")), "failure_rate", m.quality.maxFailureRate],
      platform_telemetry_quarantined_files: [quarantinedFilesCountSql(ops("quarantinedFilesTable"), m.windowSeconds), "quarantined_files", m.failedLoads.maxQuarantinedFiles],
      platform_telemetry_freshness_bronze: [worstWriteAgeSql(lastWrites(plan, "bronze", name)), "seconds_since_write", m.freshnessSeconds.bronze],
      platform_telemetry_freshness_silver: [worstWriteAgeSql(lastWrites(plan, "silver", name)), "seconds_since_write", m.freshnessSeconds.silver],
      platform_telemetry_freshness_gold: [worstWriteAgeSql(lastWrites(plan, "gold", name)), "seconds_since_write", m.freshnessSeconds.gold],
    };
    expect(Object.keys(a).sort()).toEqual(Object.keys(expected).sort());
    for (const [key, [sql, column, threshold]] of Object.entries(expected)) {
      expect(a[key].query_text, key).toBe(sql);
      expect(a[key].evaluation, key).toMatchObject({
        source: { name: column }, comparison_operator: "GREATER_THAN", threshold: { value: { double_value: threshold } }, empty_result_state: "OK",
      });
      // one row: the worst, or one aggregate
      expect(a[key].query_text, key).toMatch(key.endsWith("quarantined_files") ? /^SELECT 'ops\.quarantined_files' AS subject, count\(\*\)/ : /\nLIMIT 1$/);
      expect(a[key].custom_summary, key).toContain(`{{#QUERY_RESULT_ROWS}}{{subject}} {{${column}}}{{/QUERY_RESULT_ROWS}}`);
      expect(a[key].warehouse_id).toBe("${var.warehouse_id}");
      expect(a[key].evaluation.notification.subscriptions).toEqual([{ user_email: "billing-oncall@example.com" }, { user_email: "platform-oncall@example.com" }]);
    }
  });

  it("read only tables of the plan (AP gold views are left to the pipeline's flow-failure notification)", () => {
    const tables = planTables();
    for (const [key, a] of Object.entries(alerts())) for (const r of relations(a.query_text)) expect(tables.has(toPlanNames(r)), `${key}: ${r}`).toBe(true);
    const gold = alerts().platform_telemetry_freshness_gold.query_text as string;
    expect(gold).toContain("gold_table = '${var.catalog}.${resources.schemas.platform_telemetry_gold.name}.billing_daily'");
    expect(gold).not.toContain("_live");
  });

  it("thresholds and window follow the spec's monitors block", () => {
    const spec = minimalSpec();
    spec.monitors = { conflicts: { maxRetried: 3 }, quality: { maxFailureRate: 0.5 }, freshness: { silver: "10 minutes" }, window: "1 hour" };
    const a = (parseYaml(artifact(spec, "mini.alerts.yml")) as any).resources.alerts;
    expect(a.mini_conflicts_retried.evaluation.threshold.value.double_value).toBe(3);
    expect(a.mini_conflicts_retried.query_text).toContain("INTERVAL 3600 SECONDS");
    expect(a.mini_expectation_failures.evaluation.threshold.value.double_value).toBe(0.5);
    expect(a.mini_freshness_silver.evaluation.threshold.value.double_value).toBe(600);
    // an AP-only system has no ops tables on Databricks (its path is a declarative pipeline): freshness only
    const ap = minimalSpec();
    for (const k of ["raw_usage", "usage", "usage_daily"]) delete ap.datasets[k];
    expect(Object.keys((parseYaml(artifact(ap, "mini.alerts.yml")) as any).resources.alerts).sort()).toEqual(["mini_freshness_bronze", "mini_freshness_silver"]);
  });
});

describe("names the databricks CLI resolves at deploy", () => {
  it("dashboard and alerts use only the target's variables and the system's schema resources (prefixed per user in development)", () => {
    const schemas = Object.keys(yamlOf("platform_telemetry.schemas.yml").resources.schemas);
    const allowed = new Set(["var.catalog", "var.warehouse_id", "var.alert_pause_status", ...schemas.map((s) => `resources.schemas.${s}.name`)]);
    for (const f of ["platform_telemetry.dashboard.yml", "platform_telemetry.alerts.yml"]) {
      const refs = [...file(f).matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]!);
      expect(refs.length, f).toBeGreaterThan(10);
      for (const r of refs) expect(allowed.has(r), `${f}: \${${r}}`).toBe(true);
    }
    const variables = yamlOf("databricks.yml").variables;
    expect(variables.warehouse_id.default).toBeUndefined();
    expect(yamlOf("databricks.yml").targets.dev.variables.warehouse_id).toEqual({ lookup: { warehouse: "Serverless Starter Warehouse" } });
  });

  it("a target names its warehouse by name; without one, deploy takes --var warehouse_id", () => {
    const targets = (spec: Record<string, any>) => (parseYaml(rootConfig([compileBundle({ spec }).ir!]).artifact.content) as any).targets;
    expect(targets(minimalSpec()).dev.variables).toEqual({ catalog: "dev", alert_pause_status: "PAUSED" });
    const spec = minimalSpec();
    spec.targets.dev.warehouse = "ops";
    expect(targets(spec).dev.variables.warehouse_id).toEqual({ lookup: { warehouse: "ops" } });
  });
});

describe("bundle schema (databricks CLI v1.13.0)", () => {
  it("accepts the dashboard and alert resources and would reject a broken alert", () => {
    const yml = output.artifacts.filter((a) => /\.(alerts|dashboard)\.yml$/.test(a.path));
    expect(yml).toHaveLength(2);
    expect(checkBundleYaml(yml)).toEqual([]);
    const broken = file("platform_telemetry.alerts.yml").replace(/\n {6}warehouse_id: .*/g, "").replace("comparison_operator: GREATER_THAN", "comparison_operator: ABOVE");
    const issues = checkBundleYaml([{ path: "x.alerts.yml", content: broken }]);
    expect(issues.length).toBeGreaterThan(0);
  });
});

describe("CP job and deletion job notifications", () => {
  it("a slow CP run warns before the timeout; the deletion job reports failures", () => {
    const job = yamlOf("platform_telemetry_cp.job.yml").resources.jobs.platform_telemetry_cp;
    expect(job.health.rules).toContainEqual({ metric: "RUN_DURATION_SECONDS", op: "GREATER_THAN", value: 3600 });
    expect(job.email_notifications.on_duration_warning_threshold_exceeded).toEqual(["billing-oncall@example.com"]);
    const forget = yamlOf("platform_telemetry_forget.job.yml").resources.jobs.platform_telemetry_forget;
    expect(forget.email_notifications).toEqual({ on_failure: ["billing-oncall@example.com"] });
    const spec = minimalSpec();
    spec.execution = { CP: { trigger: { kind: "available-now" }, timeoutSeconds: 600, durationWarningSeconds: 450 } };
    const mini = (parseYaml(artifact(spec, "mini_cp.job.yml")) as any).resources.jobs.mini_cp;
    expect(mini.health.rules).toEqual([{ metric: "RUN_DURATION_SECONDS", op: "GREATER_THAN", value: 450 }]);
    spec.execution.CP.durationWarningSeconds = 600;
    const [d] = compileBundle({ spec }).diagnostics;
    expect(d).toMatchObject({ code: "LB1004", path: "execution.CP.durationWarningSeconds" });
    expect(d!.hint).toContain("timeoutSeconds");
  });
});

describe("the monitors issue the shared SQL", () => {
  function recording(): { ctx: MonitorContext; sql: string[] } {
    const sql: string[] = [];
    const plan = JSON.parse(file("src/plan.json"));
    const ctx = {
      query: async (s: string) => {
        sql.push(s);
        return { columns: [], rows: [], truncated: false };
      },
      table: (t: string) => t.replace("${lakebundle.catalog}", "spark_catalog").replace(/\$\{lakebundle\.schema\.([a-z_]+)\}/g, "$1"),
      exists: async () => true,
      plan: { regions: plan.regions, paths: plan.paths, ops: plan.ops },
      thresholds: JSON.parse(file("manifest.json")).monitors,
      now: new Date(0),
    } as unknown as MonitorContext;
    return { ctx, sql };
  }

  it("conflicts and quality send exactly the builders' statements", async () => {
    const c = recording();
    await conflicts(c.ctx);
    expect(c.sql).toEqual([
      conflictCountsSql("spark_catalog.ops.write_conflicts", c.ctx.thresholds.windowSeconds),
      failedConflictRunsSql("spark_catalog.ops.task_runs", c.ctx.thresholds.windowSeconds),
    ]);
    const q = recording();
    await quality(q.ctx);
    expect(q.sql.at(-1)).toBe(expectationRatesSql("spark_catalog.ops.batch_metrics"));
  });
});
