/**
 * Realistic events for the platform-telemetry contract, one generator per source. Bad variants cover
 * every kind of bad input the contract names.
 */
export type Rand = () => number;

export const telemetrySources = ["audit_logs", "job_events", "billing_usage", "cluster_metrics"] as const;
export type TelemetrySource = (typeof telemetrySources)[number];

const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

export function goodEvent(r: Rand, source: TelemetrySource, id: string, time: Date, region: string): Record<string, unknown> {
  const workspace = `ws-${100 + Math.floor(r() * 6)}`;
  const account = `acct-${1 + Math.floor(r() * 3)}`;
  const base = { event_id: id, event_time: time.toISOString().replace(".000Z", "Z"), region, workspace_id: workspace };
  switch (source) {
    case "audit_logs":
      return {
        ...base, account_id: account, service_name: pick(r, ["clusters", "jobs", "unityCatalog", "sqlPermissions"]),
        action_name: pick(r, ["create", "delete", "get", "list", "update"]), user_id: `user-${Math.floor(r() * 40)}`,
        response_status: pick(r, [200, 200, 200, 200, 403, 404, 500]),
        ...(r() < 0.5 ? { request_params: { cluster_id: `c-${Math.floor(r() * 9)}` } } : {}),
        ...(r() < 0.05 ? { source_ip: "10.0.0.1" } : {}),
      };
    case "job_events":
      return {
        ...base, account_id: account, job_id: `job-${Math.floor(r() * 20)}`, run_id: `run-${Math.floor(r() * 5000)}`,
        state: pick(r, ["PENDING", "RUNNING", "SUCCEEDED", "SUCCEEDED", "FAILED", "CANCELED"]),
        ...(r() < 0.7 ? { duration_ms: Math.floor(r() * 3_600_000) } : {}),
      };
    case "billing_usage":
      // at most 4 decimals: exact in decimal(38,6) and in the test's integer arithmetic
      return { ...base, account_id: account, sku: pick(r, ["JOBS_COMPUTE", "ALL_PURPOSE", "SQL_PRO", "DLT_CORE"]), dbus: Math.round(r() * 50_000) / 10_000 };
    case "cluster_metrics":
      return { ...base, cluster_id: `c-${Math.floor(r() * 9)}`, cpu_pct: Math.round(r() * 1000) / 10, mem_pct: Math.round(r() * 1000) / 10 };
  }
}

/** A bad line and the quarantine reason the contract expects for it. */
export function badLine(r: Rand, source: TelemetrySource, good: Record<string, unknown>): { line: string; reason: string } {
  const variants: (() => { line: string; reason: string })[] = [
    () => ({ line: `{"event_id": "${String(good.event_id)}", "truncated`, reason: "valid_record" }),
    () => ({ line: "not json at all", reason: "valid_record" }),
    () => { const { event_id: _drop, ...rest } = good; return { line: JSON.stringify(rest), reason: "event_id_required" }; },
    () => ({ line: JSON.stringify({ ...good, event_id: "" }), reason: "event_id_required" }),
    () => ({ line: JSON.stringify({ ...good, event_id: null }), reason: "event_id_required" }),
    () => ({ line: JSON.stringify({ ...good, event_time: "yesterday at noon" }), reason: "event_time_type" }),
    () => ({ line: JSON.stringify({ ...good, region: "ap-south-9" }), reason: "region_allowed" }),
  ];
  if (source === "billing_usage") {
    variants.push(
      () => ({ line: JSON.stringify({ ...good, dbus: -1.5 }), reason: "dbus_min" }),
      () => ({ line: JSON.stringify({ ...good, dbus: "12.5" }), reason: "dbus_type" }),
      () => ({ line: JSON.stringify({ ...good, dbus: null }), reason: "dbus_required" }),
    );
  }
  return pick(r, variants)();
}
