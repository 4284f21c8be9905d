/**
 * Platform telemetry — contract: shared/contracts/platform-telemetry.md.
 * Four landed sources feed two paths: AP (a continuous pipeline: fresh, flags incomplete days) and
 * CP (an hourly job: dedup by event_id, exactly-once, publishes complete days only).
 */
import { defineBundle } from "../../sdk/src/spec/index.ts";
import type { BundleSpecInput } from "../../sdk/src/spec/index.ts";

const common = {
  event_id: { type: "string", required: true, nonEmpty: true, description: "primary key" },
  event_time: { type: "timestamp", required: true },
  region: { type: "string", required: true, allowed: "regions" },
  workspace_id: { type: "string", required: true },
} as const;

const withAccount = { ...common, account_id: { type: "string", required: true, tags: { owner: "finance" } } } as const;

const sources: BundleSpecInput["sources"] = {
  audit_logs: {
    kind: "file", path: "audit_logs", format: "json", key: "event_id", eventTime: "event_time", region: "region",
    columns: {
      ...withAccount,
      service_name: { type: "string" },
      action_name: { type: "string" },
      user_id: { type: "string", tags: { pii: true, owner: "security" } },
      response_status: { type: "int" },
      request_params: { type: "json" },
    },
  },
  job_events: {
    kind: "file", path: "job_events", format: "json", key: "event_id", eventTime: "event_time", region: "region",
    columns: {
      ...withAccount,
      job_id: { type: "string" },
      run_id: { type: "string" },
      state: { type: "string", allowed: ["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED"] },
      duration_ms: { type: "bigint" },
    },
  },
  billing_usage: {
    kind: "file", path: "billing_usage", format: "json", key: "event_id", eventTime: "event_time", region: "region",
    columns: {
      ...withAccount,
      sku: { type: "string", required: true },
      dbus: { type: "decimal(38,6)", required: true, min: 0 },
    },
  },
  cluster_metrics: {
    kind: "file", path: "cluster_metrics", format: "json", key: "event_id", eventTime: "event_time", region: "region",
    columns: {
      ...common,
      cluster_id: { type: "string" },
      cpu_pct: { type: "double", min: 0, max: 100 },
      mem_pct: { type: "double", min: 0, max: 100 },
    },
  },
};

type Datasets = BundleSpecInput["datasets"];

/** Application ids of the service principals staging and production run as (deploy as them too). */
const stagingServicePrincipal = "3f2b7c1e-5d4a-4e8b-9c61-2a7d0e9f4b13";
const prodServicePrincipal = "8a91d4e2-0c3b-47f5-a6e8-51b2c9d7f030";

/** bronze → silver for every source, on one path. AP tables carry a `_live` suffix. */
function ingestion(path: "AP" | "CP"): Datasets {
  const out: Datasets = {};
  for (const source of Object.keys(sources)) {
    const silver = path === "AP" ? `${source}_live` : source;
    out[`raw_${silver}`] = { layer: "bronze", consistency: path, source, retentionDays: 30, description: `raw ${source} lines as landed` };
    out[silver] = {
      layer: "silver", consistency: path, from: `raw_${silver}`,
      expect: [{ suite: "telemetry-common" }],
      dedup: { keys: ["event_id"], sequenceBy: "event_time" },
      ...(path === "CP" ? { maxInvalidRate: 0.2 } : {}),
      description: `valid, deduplicated ${source}`,
    };
  }
  return out;
}

const billingDaily = {
  groupBy: { usage_date: "to_date(event_time)", account_id: "account_id", workspace_id: "workspace_id", sku: "sku" },
  measures: { total_dbus: { expr: "sum(dbus)", type: "decimal(38,6)" }, event_count: { expr: "count(*)", type: "bigint" } },
  period: { column: "usage_date", grain: "day" },
  completeness: { regions: "all", lateness: "30 minutes" },
} as const;

function hourly(from: string, groupBy: Record<string, string>, measures: Record<string, { expr: string; type?: string }>, description: string) {
  return {
    layer: "gold", consistency: "AP", from, description,
    groupBy: { hour: "date_trunc('HOUR', event_time)", region: "region", ...groupBy },
    measures,
    period: { column: "hour", grain: "hour" },
    completeness: { regions: "all", lateness: "30 minutes" },
  } as const;
}

export default defineBundle({
  name: "platform-telemetry",
  description: "Workspace audit logs, job run events, billing usage and cluster metrics from several regions.",
  regions: ["us-east-1", "us-west-2", "eu-west-1"],
  landing: { root: "${var.landing_root}" },
  sources,
  datasets: {
    ...ingestion("AP"),
    ...ingestion("CP"),
    billing_daily: {
      layer: "gold", consistency: "CP", from: "billing_usage", ...billingDaily,
      restatements: { table: "billing_restatements" },
      description: "billing-grade daily DBUs: unique valid events, complete days only",
    },
    billing_daily_live: {
      layer: "gold", consistency: "AP", from: "billing_usage_live", ...billingDaily,
      description: "daily DBUs as of now, every day, with completeness flags",
    },
    audit_hourly_live: hourly("audit_logs_live", { service_name: "service_name" }, {
      events: { expr: "count(*)", type: "bigint" },
      errors: { expr: "count_if(response_status >= 400)", type: "bigint" },
      users: { expr: "approx_count_distinct(user_id)", type: "bigint" },
    }, "audit events per hour, region and service"),
    job_runs_hourly_live: hourly("job_events_live", { state: "state" }, {
      events: { expr: "count(*)", type: "bigint" },
      runs: { expr: "approx_count_distinct(run_id)", type: "bigint" },
      p95_duration_ms: { expr: "percentile_approx(duration_ms, 0.95)", type: "bigint" },
    }, "job run events per hour, region and state"),
    cluster_metrics_hourly_live: hourly("cluster_metrics_live", {}, {
      samples: { expr: "count(*)", type: "bigint" },
      clusters: { expr: "approx_count_distinct(cluster_id)", type: "bigint" },
      avg_cpu_pct: { expr: "avg(cpu_pct)", type: "double" },
      max_mem_pct: { expr: "max(mem_pct)", type: "double" },
    }, "cluster utilisation per hour and region"),
  },
  execution: {
    AP: { trigger: { kind: "continuous" }, notifyOnFailure: ["platform-oncall@example.com"] },
    CP: {
      trigger: { kind: "cron", cron: "0 15 * * * ?", timezone: "UTC" },
      retries: { max: 3, minIntervalSeconds: 120, onTimeout: true },
      timeoutSeconds: 7200,
      backlogAlert: { files: 500, bytes: 10 * 1024 ** 3 },
      notifyOnFailure: ["billing-oncall@example.com"],
    },
  },
  variables: {
    landing_root: { description: "Landing zone root (immutable raw files)", default: "s3://lakebundle-landing/platform-telemetry" },
  },
  targets: {
    dev: { mode: "development", default: true, workspaceHost: "https://dev.cloud.databricks.com", catalog: "dev_telemetry", warehouse: "Serverless Starter Warehouse" },
    staging: {
      mode: "production", workspaceHost: "https://staging.cloud.databricks.com", catalog: "staging_telemetry", warehouse: "platform-telemetry",
      runAsServicePrincipal: stagingServicePrincipal, permissions: [{ level: "CAN_VIEW", group: "platform-engineers" }],
    },
    prod_us_east_1: {
      mode: "production", region: "us-east-1", workspaceHost: "https://prod-us-east-1.cloud.databricks.com", catalog: "telemetry", warehouse: "platform-telemetry",
      runAsServicePrincipal: prodServicePrincipal, permissions: [{ level: "CAN_VIEW", group: "platform-engineers" }],
      variables: { landing_root: "s3://lakebundle-landing-us-east-1/platform-telemetry" },
    },
    prod_eu_west_1: {
      mode: "production", region: "eu-west-1", workspaceHost: "https://prod-eu-west-1.cloud.databricks.com", catalog: "telemetry", warehouse: "platform-telemetry",
      runAsServicePrincipal: prodServicePrincipal, permissions: [{ level: "CAN_VIEW", group: "platform-engineers" }],
      variables: { landing_root: "s3://lakebundle-landing-eu-west-1/platform-telemetry" },
    },
  },
  // the platform's monthly compute budget; freshness SLAs and the rest are the contract's defaults
  monitors: { cost: { monthlyBudget: 35_000 } },
  tags: { system: "platform-telemetry" },
});
