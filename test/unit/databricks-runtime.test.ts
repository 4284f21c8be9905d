/**
 * The Databricks side of run/repair/cancel/replay, driven as a user drives it (the CLI in its own
 * process, on this machine's Node 20) against a loopback HTTPS stand-in for the workspace REST API
 * that checks every request's method, path, query, body and credentials. TLS is verified: the
 * stand-in's certificate is signed by a throwaway CA the CLI trusts through NODE_EXTRA_CA_CERTS.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, project } from "../fixtures/cli-harness.ts";
import { minimalSpec } from "../fixtures/minimal-spec.ts";
import { makeTestTls, type TestTls } from "../fixtures/test-tls.ts";
import { WorkspaceStandIn } from "../fixtures/workspace-stand-in.ts";
import { SqlWarehouseStandIn } from "../fixtures/sql-warehouse-stand-in.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const temp = mkdtempSync(join(tmpdir(), "lakebundle-remote-"));
let tls: TestTls;
afterAll(() => rmSync(temp, { recursive: true, force: true }));
beforeAll(() => { tls = makeTestTls(temp); });

const ME = "alice@example.com";
const metadata = (target: string, user = ME) => `/Workspace/Users/${user}/.bundle/lakebundle/${target}/state/metadata.json`;
const cpTags = { "lakebundle.bundle": "mini", "lakebundle.path": "CP", system: "mini" };

/** A project whose dev target is the stand-in, generated from the minimal spec. */
async function projectFor(host: string, name: string, edit: (spec: Record<string, any>) => void = () => undefined): Promise<string> {
  const spec = minimalSpec();
  edit(spec);
  spec.targets = { dev: { mode: "development", default: true, workspaceHost: host, catalog: "dev" } };
  const dir = project(temp, name, spec);
  const g = await cli("generate", "--project", dir);
  expect(g.code, g.err).toBe(0);
  return dir;
}

/** The CLI as its own process: only the environment given (plus PATH), so no credential leaks in from the machine. */
function run(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, "sdk/bin/lakebundle.js"), ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: temp, DATABRICKS_CONFIG_FILE: join(temp, "none.cfg"), LAKEBUNDLE_POLL_SECONDS: "0.05", ...env },
      timeout: 60_000,
    }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, out: stdout, err: stderr }));
  });
}

function standIn(): WorkspaceStandIn {
  return new WorkspaceStandIn(tls).route({ method: "GET", path: "/api/2.0/preview/scim/v2/Me", replies: [{ id: "1", userName: ME }] });
}

function jobsList(s: WorkspaceStandIn): void {
  s.route({
    method: "GET", path: "/api/2.2/jobs/list", query: { limit: "100", expand_tasks: "false" },
    replies: [{
      jobs: [
        // a copy by display name only (no deployment state): never chosen
        { job_id: 1, settings: { name: "mini CP (billing-grade)", tags: cpTags } },
        // the same bundle deployed to another target
        { job_id: 2, settings: { name: "mini CP (billing-grade)", tags: cpTags, deployment: { kind: "BUNDLE", metadata_file_path: metadata("staging") } } },
        // the deletion job of the same deployment carries the same tags: told apart by its compiled name
        { job_id: 3, settings: { name: "[dev alice] mini deletion requests", tags: cpTags, deployment: { kind: "BUNDLE", metadata_file_path: metadata("dev") } } },
        { job_id: 42, settings: { name: "[dev alice] mini CP (billing-grade)", tags: cpTags, deployment: { kind: "BUNDLE", metadata_file_path: metadata("dev") } } },
      ],
    }],
  });
}

const task = (key: string, runId: number, state: string, code?: string) => ({ task_key: key, run_id: runId, status: { state, ...(code ? { termination_details: { code, type: code === "SUCCESS" ? "SUCCESS" : "CLIENT_ERROR" } } : {}) } });
const tasks = ["ingest", "validate", "merge", "completeness", "publish"];

describe("lakebundle run/repair/cancel/replay -t (workspace REST stand-in over verified TLS)", () => {
  it("run --wait finds the deployed CP job by its deployment state, starts it, follows every task to success (exit 0); the PAT is sent, never printed", async () => {
    const s = standIn();
    jobsList(s);
    s.route({ method: "POST", path: "/api/2.2/jobs/run-now", body: { job_id: 42 }, replies: [{ run_id: 7, number_in_job: 7 }] });
    s.route({
      method: "GET", path: "/api/2.2/jobs/runs/get", query: { run_id: "7" }, replies: [
        { run_id: 7, status: { state: "RUNNING" }, run_page_url: "RUN-URL", tasks: [task("ingest", 70, "RUNNING"), ...tasks.slice(1).map((t, i) => task(t, 71 + i, "BLOCKED"))] },
        { run_id: 7, status: { state: "TERMINATED", termination_details: { code: "SUCCESS", type: "SUCCESS" } }, run_page_url: "RUN-URL", tasks: tasks.map((t, i) => task(t, 70 + i, "TERMINATED", "SUCCESS")) },
      ],
    });
    const host = await s.start();
    try {
      const dir = await projectFor(host, "run-ok");
      const r = await run(["run", "mini", "-t", "dev", "--path", "CP", "--wait", "--project", dir], { NODE_EXTRA_CA_CERTS: tls.caFile, DATABRICKS_HOST: host, DATABRICKS_TOKEN: s.token });
      expect(r.code, r.err).toBe(0);
      expect(s.unexpected).toEqual([]);
      expect(r.err).toContain(`connected to ${host} as ${ME} (pat)`);
      expect(r.err).toContain('CP: started run 7 of job 42 "[dev alice] mini CP (billing-grade)"');
      expect(r.err).toContain("task ingest: RUNNING");
      expect(r.err).toContain("task publish: TERMINATED SUCCESS");
      expect(r.out).toContain("CP 7: TERMINATED/SUCCESS  RUN-URL");
      expect(r.out + r.err).not.toContain(s.token);
      // the pinned SDK (0.17.0 declares Node >= 22) made every call, on this Node 20
      expect(process.version).toMatch(/^v20\./);
      expect(s.requests[0]!.userAgent).toMatch(/lakebundle\/0\.1\.0 databricks-sdk-js\/0\.17\.0 nodejs\/20\./);
    } finally {
      await s.stop();
    }
  });

  it("a data gate in a task is exit 5 with the task's error; repair re-runs the failed tasks in the same run, naming the latest repair", async () => {
    const s = standIn();
    jobsList(s);
    s.route({ method: "POST", path: "/api/2.2/jobs/run-now", body: { job_id: 42 }, replies: [{ run_id: 8 }] });
    const failed = { run_id: 8, status: { state: "TERMINATED", termination_details: { code: "RUN_EXECUTION_ERROR", type: "CLIENT_ERROR" } }, run_page_url: "RUN-URL",
      tasks: [task("ingest", 80, "TERMINATED", "SUCCESS"), task("validate", 81, "TERMINATED", "RUN_EXECUTION_ERROR"), task("merge", 82, "TERMINATED", "UPSTREAM_FAILED")] };
    s.route({ method: "GET", path: "/api/2.2/jobs/runs/get", query: { run_id: "8" }, replies: [failed] });
    s.route({ method: "GET", path: "/api/2.2/jobs/runs/get-output", query: { run_id: "81" }, replies: [{ error: "DataGateError: silver.usage: 61.0% of the batch is invalid (max 50.0%)", error_trace: "Traceback ..." }] });
    s.route({ method: "GET", path: "/api/2.2/jobs/runs/get", query: { run_id: "8", include_history: "true" }, replies: [{ ...failed, repair_history: [{ type: "ORIGINAL", id: 500 }, { type: "REPAIR", id: 501 }, { type: "REPAIR", id: 502 }] }] });
    s.route({ method: "POST", path: "/api/2.2/jobs/runs/repair", body: { run_id: 8, rerun_all_failed_tasks: true, rerun_dependent_tasks: true, latest_repair_id: 502 }, replies: [{ repair_id: 503 }] });
    const host = await s.start();
    try {
      const dir = await projectFor(host, "run-gate");
      const env = { NODE_EXTRA_CA_CERTS: tls.caFile, DATABRICKS_HOST: host, DATABRICKS_TOKEN: s.token };
      const r = await run(["run", "mini", "-t", "dev", "--path", "CP", "--wait", "--project", dir], env);
      expect(r.code, r.err).toBe(5);
      expect(r.out).toContain("failed validate: DataGateError: silver.usage: 61.0% of the batch is invalid (max 50.0%)");
      expect(r.out).toContain("lakebundle repair <bundle> 8 -t <target>");
      expect(r.out).not.toContain("failed merge");
      const repair = await run(["repair", "mini", "8", "-t", "dev", "--project", dir], env);
      expect(repair.code, repair.err).toBe(0);
      expect(repair.err).toContain("repair 503 of run 8: re-running validate, merge");
      expect(s.servedCount("POST", "/api/2.2/jobs/runs/repair")).toBe(1);
      expect(s.unexpected).toEqual([]);
    } finally {
      await s.stop();
    }
  });

  it("cancel a running run; a finished run cannot be cancelled (exit 2); the AP pipeline is found by its spec, updated and followed until a continuous pipeline runs", async () => {
    const s = standIn();
    s.route({ method: "GET", path: "/api/2.2/jobs/runs/get", query: { run_id: "9" }, replies: [{ run_id: 9, status: { state: "RUNNING" } }] });
    s.route({ method: "POST", path: "/api/2.2/jobs/runs/cancel", body: { run_id: 9 }, replies: [{}] });
    s.route({ method: "GET", path: "/api/2.2/jobs/runs/get", query: { run_id: "10" }, replies: [{ run_id: 10, status: { state: "TERMINATED", termination_details: { code: "SUCCESS" } } }] });
    s.route({ method: "GET", path: "/api/2.0/pipelines", query: { max_results: "100", filter: "name LIKE '%mini AP (operational)%'" }, replies: [{ statuses: [{ pipeline_id: "p-other" }, { pipeline_id: "p-1" }] }] });
    s.route({ method: "GET", path: "/api/2.0/pipelines/p-other", replies: [{ pipeline_id: "p-other", spec: { name: "[dev bob] mini AP (operational)", tags: { "lakebundle.bundle": "mini", "lakebundle.path": "AP" }, deployment: { kind: "BUNDLE", metadata_file_path: metadata("prod") } } }] });
    s.route({ method: "GET", path: "/api/2.0/pipelines/p-1", replies: [{ pipeline_id: "p-1", spec: { name: "[dev alice] mini AP (operational)", tags: { "lakebundle.bundle": "mini", "lakebundle.path": "AP" }, deployment: { kind: "BUNDLE", metadata_file_path: metadata("dev") } } }] });
    s.route({ method: "POST", path: "/api/2.0/pipelines/p-1/updates", body: { full_refresh: false, cause: "API_CALL" }, replies: [{ update_id: "u-1" }] });
    s.route({ method: "GET", path: "/api/2.0/pipelines/p-1/updates/u-1", replies: [{ update: { state: "INITIALIZING" } }, { update: { state: "SETTING_UP_TABLES" } }, { update: { state: "RUNNING" } }] });
    s.route({ method: "POST", path: "/api/2.0/pipelines/p-1/stop", replies: [{}] });
    const host = await s.start();
    try {
      const dir = await projectFor(host, "cancel");
      const env = { NODE_EXTRA_CA_CERTS: tls.caFile, DATABRICKS_HOST: host, DATABRICKS_TOKEN: s.token };
      const cancel = await run(["cancel", "mini", "9", "-t", "dev", "--project", dir], env);
      expect(cancel.code, cancel.err).toBe(0);
      expect(cancel.out).toContain("cancelling run 9 (was RUNNING)");
      const done = await run(["cancel", "mini", "10", "-t", "dev", "--project", dir], env);
      expect(done.code).toBe(2);
      expect(done.err).toContain("run 10 already ended (TERMINATED/SUCCESS)");
      const ap = await run(["run", "mini", "-t", "dev", "--path", "AP", "--wait", "--json", "--project", dir], env);
      expect(ap.code, ap.err).toBe(0);
      expect(ap.err).toContain("update u-1: SETTING_UP_TABLES");
      expect(JSON.parse(ap.out).outcomes[0]).toMatchObject({ path: "AP", runId: "u-1", state: "RUNNING", outcome: "ok", url: `${host}/pipelines/p-1/updates/u-1` });
      const stop = await run(["cancel", "mini", "--path", "AP", "-t", "dev", "--project", dir], env);
      expect(stop.code, stop.err).toBe(0);
      expect(s.servedCount("POST", "/api/2.0/pipelines/p-1/stop")).toBe(1);
      expect(s.unexpected).toEqual([]);
    } finally {
      await s.stop();
    }
  });

  it("replay -t runs the CP job with the window as job parameters", async () => {
    const s = standIn();
    jobsList(s);
    s.route({ method: "POST", path: "/api/2.2/jobs/run-now", body: { job_id: 42, job_parameters: { replay_from: "2026-11-01T00:00:00.000Z", replay_to: "2026-11-03T00:00:00.000Z", replay_sources: "usage" } }, replies: [{ run_id: 11 }] });
    const host = await s.start();
    try {
      const dir = await projectFor(host, "replay");
      const r = await run(["replay", "mini", "-t", "dev", "--from", "2026-11-01", "--to", "2026-11-03", "--source", "usage", "--json", "--project", dir], { NODE_EXTRA_CA_CERTS: tls.caFile, DATABRICKS_HOST: host, DATABRICKS_TOKEN: s.token });
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out).started[0]).toMatchObject({ path: "CP", id: "11", url: `${host}/jobs/42/runs/11` });
      expect(s.unexpected).toEqual([]);
    } finally {
      await s.stop();
    }
  });

  it("OAuth machine-to-machine: the client secret buys a token at the workspace's OIDC endpoint; the secret never appears", async () => {
    const s = new WorkspaceStandIn(tls, "oauth-access-token");
    s.route({ method: "GET", path: "/oidc/.well-known/oauth-authorization-server", bearer: null, replies: [(h: string) => ({ authorization_endpoint: `${h}/oidc/v1/authorize`, token_endpoint: `${h}/oidc/v1/token` })] });
    s.route({ method: "POST", path: "/oidc/v1/token", bearer: `Basic ${Buffer.from("sp-client-id:sp-client-secret").toString("base64")}`, body: { grant_type: "client_credentials", scope: "all-apis" }, replies: [{ access_token: "oauth-access-token", token_type: "Bearer", expires_in: 3600 }] });
    s.route({ method: "GET", path: "/api/2.0/preview/scim/v2/Me", replies: [{ id: "2", userName: "8a91d4e2-0c3b-47f5-a6e8-51b2c9d7f030" }] });
    s.route({ method: "GET", path: "/api/2.2/jobs/runs/get", query: { run_id: "12" }, replies: [{ run_id: 12, status: { state: "QUEUED" } }] });
    s.route({ method: "POST", path: "/api/2.2/jobs/runs/cancel", body: { run_id: 12 }, replies: [{}] });
    const host = await s.start();
    try {
      const dir = await projectFor(host, "oauth");
      const r = await run(["cancel", "mini", "12", "-t", "dev", "--project", dir], { NODE_EXTRA_CA_CERTS: tls.caFile, DATABRICKS_HOST: host, DATABRICKS_CLIENT_ID: "sp-client-id", DATABRICKS_CLIENT_SECRET: "sp-client-secret" });
      expect(r.code, `${r.err}\n${JSON.stringify(s.unexpected)}`).toBe(0);
      expect(r.err).toContain("(oauth-m2m)");
      expect(s.unexpected).toEqual([]);
      expect(r.out + r.err).not.toContain("sp-client-secret");
    } finally {
      await s.stop();
    }
  });

  it("refuses credentials for another workspace, an untrusted certificate and switched-off TLS verification, before any API call", async () => {
    const s = standIn();
    const host = await s.start();
    try {
      const dir = await projectFor(host, "refuse");
      const other = await run(["run", "mini", "-t", "dev", "--project", dir], { NODE_EXTRA_CA_CERTS: tls.caFile, DATABRICKS_HOST: "https://other.cloud.databricks.com", DATABRICKS_TOKEN: "dapi-x" });
      expect(other.code).toBe(2);
      expect(other.err).toContain(`target dev is on ${host}, but the credentials are for https://other.cloud.databricks.com (from DATABRICKS_HOST)`);
      const untrusted = await run(["run", "mini", "-t", "dev", "--project", dir], { DATABRICKS_HOST: host, DATABRICKS_TOKEN: s.token });
      expect(untrusted.code).toBe(4);
      expect(untrusted.err).toContain("NODE_EXTRA_CA_CERTS");
      expect(untrusted.err).not.toContain(s.token);
      const off = await run(["run", "mini", "-t", "dev", "--project", dir], { NODE_TLS_REJECT_UNAUTHORIZED: "0", DATABRICKS_HOST: host, DATABRICKS_TOKEN: s.token });
      expect(off.code).toBe(2);
      expect(off.err).toContain("NODE_TLS_REJECT_UNAUTHORIZED=0 switches TLS verification off");
      // the untrusted attempt never completed a TLS handshake, so nothing reached the API
      expect(s.requests).toEqual([]);
    } finally {
      await s.stop();
    }
  });

  it("query -t runs through @databricks/sql on the warehouse, in the target's catalog; exact decimals; same table and --json as local; SQL errors are clear", async () => {
    const sql = "SELECT day, region, dbus, events FROM gold.billing_daily ORDER BY day, region";
    const wh = new SqlWarehouseStandIn(tls, "wh-123", {
      [sql]: [
        { name: "day", type: "DATE_TYPE", values: ["2026-11-01", "2026-11-01"] },
        { name: "region", type: "STRING_TYPE", values: ["eu-west-1", null] },
        { name: "dbus", type: "DECIMAL_TYPE", precision: 38, scale: 6, values: ["12345678901234567890.123456", "0.000001"] },
        { name: "events", type: "BIGINT_TYPE", values: [42, 7] },
      ],
    });
    const s = standIn().mount("/sql/1.0/warehouses/", wh.listener());
    const host = await s.start();
    try {
      const dir = await projectFor(host, "query");
      const env = { NODE_EXTRA_CA_CERTS: tls.caFile, DATABRICKS_HOST: host, DATABRICKS_TOKEN: s.token };
      const json = await run(["query", "-t", "dev", "--warehouse-id", "wh-123", "--json", sql, "--project", dir], env);
      expect(json.code, json.err).toBe(0);
      expect(JSON.parse(json.out)).toEqual({
        columns: [{ name: "day", type: "date" }, { name: "region", type: "string" }, { name: "dbus", type: "decimal(38,6)" }, { name: "events", type: "bigint" }],
        rows: [["2026-11-01", "eu-west-1", "12345678901234567890.123456", 42], ["2026-11-01", null, "0.000001", 7]],
        truncated: false,
      });
      expect(wh.statements).toEqual([sql]);
      expect(wh.catalogs).toEqual(["dev"]);
      expect(wh.paths.every((p) => p === "/sql/1.0/warehouses/wh-123")).toBe(true);
      expect(wh.authorizations.length).toBeGreaterThan(3);
      expect(wh.authorizations.every((a) => a === `Bearer ${s.token}`)).toBe(true);
      expect(wh.closedOperations).toBe(1);
      expect(wh.closedSessions).toBe(1);
      const table = await run(["query", "-t", "dev", "--limit", "1", sql, "--project", dir], { ...env, DATABRICKS_WAREHOUSE_ID: "wh-123" });
      expect(table.code, table.err).toBe(0);
      expect(table.out).toContain("12345678901234567890.123456");
      expect(table.out).not.toContain("0.000001");
      const bad = await run(["query", "-t", "dev", "--warehouse-id", "wh-123", "SELECT * FROM gold.nope", "--project", dir], env);
      expect(bad.code).toBe(4);
      expect(bad.err).toContain("[TABLE_OR_VIEW_NOT_FOUND]");
      expect(bad.err).not.toMatch(/\n\s+at /);
      const none = await run(["query", "-t", "dev", sql, "--project", dir], env);
      expect(none.code).toBe(2);
      expect(none.err).toContain("--warehouse-id");
      expect(s.unexpected).toEqual([]);
      expect(json.out + json.err + bad.err).not.toContain(s.token);
    } finally {
      await s.stop();
    }
  });
  it("monitor -t reads the deployed CP job's catalog and per-user schema names, runs every check on the warehouse, prices the job's and pipeline's DBUs from system.billing.usage, exits 7 naming the breaches", async () => {
    const now = Date.now();
    const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
    const tablesIn: Record<string, string[]> = {
      dev_alice_bronze: ["raw_usage", "raw_usage_live"],
      dev_alice_silver: ["usage", "usage_live"],
      dev_alice_gold: ["usage_daily"],
      dev_alice_ops: ["batch_metrics", "write_conflicts", "quarantined_files", "task_runs", "stream_progress"],
    };
    const wh = new SqlWarehouseStandIn(tls, "wh-9", (sql: string) => {
      const show = /^SHOW TABLES IN `dev`\.`([a-z_]+)`$/.exec(sql);
      if (show) return [{ name: "database", type: "STRING_TYPE", values: tablesIn[show[1]!]!.map(() => show[1]!) }, { name: "tableName", type: "STRING_TYPE", values: tablesIn[show[1]!]! }];
      // gold was last written 2 h ago (SLA 15 min); every other table 10 s ago
      if (sql.startsWith("DESCRIBE HISTORY")) return [{ name: "version", type: "BIGINT_TYPE", values: [3] }, { name: "timestamp", type: "STRING_TYPE", values: [iso(sql.includes("usage_daily") ? 7_200_000 : 10_000)] }];
      if (sql.includes("max(event_time) AS watermark")) return [{ name: "region", type: "STRING_TYPE", values: ["r1", "r2"] }, { name: "watermark", type: "STRING_TYPE", values: [iso(0), iso(5 * 3_600_000)] }];
      if (sql.includes("system.billing.usage")) return [{ name: "usd", type: "DECIMAL_TYPE", precision: 38, scale: 6, values: ["1234.500000"] }, { name: "dbus", type: "DECIMAL_TYPE", precision: 38, scale: 6, values: ["3527.142857"] }];
      return [];
    });
    const s = standIn().mount("/sql/1.0/warehouses/", wh.listener());
    jobsList(s);
    s.route({
      method: "GET", path: "/api/2.2/jobs/get", query: { job_id: "42" },
      replies: [{ job_id: 42, settings: {
        parameters: [{ name: "catalog", default: "dev" }, { name: "landing_root", default: "/tmp/landing" }],
        tasks: [{ task_key: "ingest", spark_python_task: { python_file: "/Workspace/x/jobs/lakebundle_task.py", parameters: ["--plan", "p.json", "--catalog", "{{job.parameters.catalog}}", "--schema", "bronze=dev_alice_bronze", "--schema", "gold=dev_alice_gold", "--schema", "ops=dev_alice_ops", "--schema", "silver=dev_alice_silver"] } }],
      } }],
    });
    s.route({ method: "GET", path: "/api/2.0/pipelines", query: { max_results: "100", filter: "name LIKE '%mini AP (operational)%'" }, replies: [{ statuses: [{ pipeline_id: "p-1" }] }] });
    s.route({ method: "GET", path: "/api/2.0/pipelines/p-1", replies: [{ pipeline_id: "p-1", spec: { name: "[dev alice] mini AP (operational)", tags: { "lakebundle.bundle": "mini", "lakebundle.path": "AP" }, deployment: { kind: "BUNDLE", metadata_file_path: metadata("dev") } } }] });
    const host = await s.start();
    try {
      const dir = await projectFor(host, "monitor", (spec) => { spec.monitors = { cost: { monthlyBudget: 30_000 } }; });
      const env = { NODE_EXTRA_CA_CERTS: tls.caFile, DATABRICKS_HOST: host, DATABRICKS_TOKEN: s.token };
      const r = await run(["monitor", "all", "mini", "-t", "dev", "--warehouse-id", "wh-9", "--json", "--project", dir], env);
      expect(r.code, r.err).toBe(7);
      expect(r.err).toContain("monitoring mini on dev: catalog dev, schemas bronze=dev_alice_bronze gold=dev_alice_gold ops=dev_alice_ops silver=dev_alice_silver, job 42, pipeline p-1");
      const out = JSON.parse(r.out) as { healthy: boolean; findings: { monitor: string; subject: string; metric: string; value: number; threshold: number; breach: boolean }[] };
      const breached = out.findings.filter((f) => f.breach);
      expect(breached.map((f) => [f.monitor, f.subject, f.metric, f.threshold])).toEqual([
        ["lag", "region r2", "watermark_skew_seconds", 7200],
        ["freshness", "gold.usage_daily", "seconds_since_commit", 900],
        ["cost", "compute", "projected_monthly_usd", 30_000],
      ]);
      expect(breached[0]!.value).toBe(18_000);
      // measured when the CLI reads the answer: 2 h plus the seconds the run took
      expect(breached[1]!.value).toBeGreaterThanOrEqual(7200);
      expect(breached[1]!.value).toBeLessThan(7260);
      // $1,234.50 in the 24 h window → × 30 days
      expect(breached[2]!.value).toBe(37_035);
      expect(out.findings.filter((f) => f.monitor === "freshness" && !f.breach)).toHaveLength(4);
      // every table by its deployed three-part name; nothing of the plan's placeholders reaches the warehouse
      expect(wh.statements.some((q) => q.includes("`dev`.`dev_alice_ops`.`batch_metrics`"))).toBe(true);
      expect(wh.statements.filter((q) => q.includes("${"))).toEqual([]);
      const billing = wh.statements.find((q) => q.includes("system.billing.usage"))!;
      expect(billing).toContain("u.usage_metadata.job_id IN ('42') OR u.usage_metadata.dlt_pipeline_id IN ('p-1')");
      expect(billing).toContain("JOIN system.billing.list_prices p");
      expect(wh.closedSessions).toBe(1);
      expect(wh.authorizations.every((a) => a === `Bearer ${s.token}`)).toBe(true);
      expect(s.unexpected).toEqual([]);
      expect(r.out + r.err).not.toContain(s.token);
      const noWarehouse = await run(["monitor", "all", "mini", "-t", "dev", "--project", dir], env);
      expect(noWarehouse.code).toBe(2);
      expect(noWarehouse.err).toContain("--warehouse-id");
    } finally {
      await s.stop();
    }
  });
});
