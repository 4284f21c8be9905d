import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { compileBundle } from "../../sdk/src/compile/index.ts";
import { referencedColumns } from "../../sdk/src/compile/sql-identifiers.ts";
import { minimalSpec } from "../fixtures/minimal-spec.ts";

const artifact = (spec: unknown, suffix: string) => compileBundle({ spec }).artifacts.find((a) => a.path.endsWith(suffix))!.content;

describe("databricks target details", () => {
  it("secrets are emitted as secret-scope references only", () => {
    const spec = minimalSpec();
    spec.secrets = { warehouse_token: { scope: "telemetry", key: "sql-token" } };
    const yml = parseYaml(artifact(spec, ".pipeline.yml")) as any;
    expect(yml.resources.pipelines.mini_ap.configuration["lakebundle.secret.warehouse_token"]).toBe("{{secrets/telemetry/sql-token}}");
  });

  it("the trigger decides continuous pipeline, cron schedule or file-arrival job", () => {
    const spec = minimalSpec();
    spec.execution = { AP: { trigger: { kind: "cron", cron: "0 0/5 * * * ?" } }, CP: { trigger: { kind: "available-now" } } };
    const ap = parseYaml(artifact(spec, ".pipeline.yml")) as any;
    expect(ap.resources.pipelines.mini_ap.continuous).toBe(false);
    expect(ap.resources.jobs.mini_ap_refresh.schedule.quartz_cron_expression).toBe("0 0/5 * * * ?");
    const cp = parseYaml(artifact(spec, ".job.yml")) as any;
    expect(cp.resources.jobs.mini_cp.trigger.file_arrival.url).toBe("${var.landing_root}/");
  });

  it("fail expectations become FAIL UPDATE and warn ones keep the row", () => {
    const spec = minimalSpec();
    spec.datasets.usage_live.expect = [
      { name: "amount_sane", expr: "amount < 1000000", action: "fail" },
      { name: "amount_round", expr: "amount = round(amount, 2)", action: "warn" },
    ];
    const sql = artifact(spec, "silver_usage_live.sql");
    expect(sql).toContain("CONSTRAINT amount_sane EXPECT (coalesce((amount < 1000000), false)) ON VIOLATION FAIL UPDATE");
    expect(sql).toMatch(/CONSTRAINT amount_round EXPECT \(coalesce\(\(amount = round\(amount, 2\)\), false\)\)\n/);
    const where = sql.slice(sql.indexOf("WHERE NOT ("), sql.indexOf(");", sql.indexOf("WHERE NOT (")));
    expect(where).toContain("amount < 1000000");
    expect(where).not.toContain("round(amount, 2)");
  });

  it("CP MERGE tasks get the plan and idempotency parameters, nothing inline", () => {
    const job = parseYaml(artifact(minimalSpec(), ".job.yml")) as any;
    const params: string[] = job.resources.jobs.mini_cp.tasks[2].spark_python_task.parameters;
    expect(params).toEqual(expect.arrayContaining(["--task", "merge", "--run-id", "{{job.run_id}}"]));
    expect(params[params.indexOf("--plan") + 1]).toBe("${workspace.file_path}/bundles/mini/src/plan.json");
  });

  it("manifest is versioned, hashed and carries column governance tags", () => {
    const spec = minimalSpec();
    spec.sources.usage.columns.event_id.tags = { pii: true, owner: "billing" };
    const manifest = JSON.parse(artifact(spec, "manifest.json"));
    expect(manifest.schemaVersion).toBe(1);
    expect(manifest.columns.usage[0]).toEqual({ name: "event_id", type: "string", required: true, pii: true, owner: "billing" });
    for (const a of manifest.artifacts) expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(manifest)).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
  });
});

describe("column reference scanner", () => {
  it("ignores functions, keywords, literals, map keys and lambda parameters", () => {
    expect(referencedColumns("date_trunc('HOUR', event_time)")).toEqual(["event_time"]);
    expect(referencedColumns("count_if(response_status >= 400) AND x IS NOT NULL")).toEqual(["response_status", "x"]);
    expect(referencedColumns("map_filter(_fields, (k, v) -> k <> 'a')")).toEqual(["_fields"]);
    expect(referencedColumns("event_time >= TIMESTAMP '2000-01-01' + INTERVAL 30 MINUTES")).toEqual(["event_time"]);
  });
});
