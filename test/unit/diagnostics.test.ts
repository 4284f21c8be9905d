import { describe, expect, it } from "vitest";
import { compileBundle } from "../../sdk/src/compile/index.ts";
import { renderDiagnostics } from "../../sdk/src/diagnostics/index.ts";
import { minimalSpec } from "../fixtures/minimal-spec.ts";

type Mutation = (s: Record<string, any>) => void;

/** [what is wrong, mutation, expected code, expected path] */
const cases: [string, Mutation, string, string][] = [
  ["name missing", (s) => delete s.name, "LB1002", "name"],
  ["name not a string", (s) => (s.name = 42), "LB1001", "name"],
  ["unknown top-level field", (s) => (s.pipelines = {}), "LB1003", ""],
  ["unknown source field", (s) => (s.sources.usage.compresion = "gzip"), "LB1003", "sources.usage"],
  ["bad source kind", (s) => (s.sources.usage.kind = "kafka"), "LB1004", "sources.usage.kind"],
  ["bad format", (s) => (s.sources.usage.format = "xml"), "LB1004", "sources.usage.format"],
  ["bad column type", (s) => (s.sources.usage.columns.amount.type = "money"), "LB1007", "sources.usage.columns.amount.type"],
  ["decimal precision too large", (s) => (s.sources.usage.columns.amount.type = "decimal(40,2)"), "LB1007", "sources.usage.columns.amount.type"],
  ["bad column name", (s) => (s.sources.usage.columns["Amount"] = { type: "double" }), "LB1005", "sources.usage.columns.Amount"],
  ["key column undeclared", (s) => (s.sources.usage.key = "eventid"), "LB1203", "sources.usage.key"],
  ["event time undeclared", (s) => (s.sources.usage.eventTime = "ts"), "LB1203", "sources.usage.eventTime"],
  ["event time not a timestamp", (s) => (s.sources.usage.columns.event_time.type = "string"), "LB1209", "sources.usage.columns.event_time.type"],
  ["key not required", (s) => (s.sources.usage.columns.event_id.required = false), "LB1208", "sources.usage.columns.event_id.required"],
  ["bad layer", (s) => (s.datasets.raw_usage.layer = "platinum"), "LB1004", "datasets.raw_usage.layer"],
  ["bad consistency", (s) => (s.datasets.usage.consistency = "ACID"), "LB1004", "datasets.usage.consistency"],
  ["bronze reads unknown source", (s) => (s.datasets.raw_usage.source = "usages"), "LB1201", "datasets.raw_usage.source"],
  ["silver reads unknown dataset", (s) => (s.datasets.usage.from = "raw_usages"), "LB1202", "datasets.usage.from"],
  ["gold reads bronze", (s) => (s.datasets.usage_daily.from = "raw_usage"), "LB1204", "datasets.usage_daily.from"],
  ["CP reads AP", (s) => (s.datasets.usage.from = "raw_usage_live"), "LB1304", "datasets.usage.from"],
  ["expectation on unknown column", (s) => (s.datasets.usage.expect = [{ name: "valid_id", expr: "eventid IS NOT NULL", action: "drop" }]), "LB1203", "datasets.usage.expect[0].expr"],
  ["expectation bad action", (s) => (s.datasets.usage.expect = [{ name: "x", expr: "amount > 0", action: "quarantine" }]), "LB1004", "datasets.usage.expect[0].action"],
  ["expectation with a statement separator", (s) => (s.datasets.usage.expect = [{ name: "x", expr: "amount > 0; DROP TABLE t", action: "drop" }]), "LB1207", "datasets.usage.expect[0].expr"],
  ["expectation name clashes with a column rule", (s) => (s.datasets.usage.expect = [{ name: "amount_min", expr: "amount > 0", action: "warn" }]), "LB1205", "datasets.usage.expect[0].name"],
  ["unknown suite", (s) => (s.datasets.usage.expect = [{ suite: "nope" }]), "LB1210", "datasets.usage.expect[0].suite"],
  ["CP silver without dedup", (s) => delete s.datasets.usage.dedup, "LB1301", "datasets.usage.dedup"],
  ["CP gold without completeness", (s) => delete s.datasets.usage_daily.completeness, "LB1302", "datasets.usage_daily.completeness"],
  ["AP dedup with a watermark (AUTO CDC needs none)", (s) => (s.datasets.usage_live.dedup.watermark = "2 hours"), "LB1303", "datasets.usage_live.dedup.watermark"],
  ["run-as display name instead of application id", (s) => (s.targets.dev.runAsServicePrincipal = "lakebundle-prod-sp"), "LB1406", "targets.dev.runAsServicePrincipal"],
  ["backlog alert in seconds", (s) => (s.execution = { CP: { trigger: { kind: "available-now" }, backlogAlertSeconds: 60 } }), "LB1307", "execution.CP.backlogAlertSeconds"],
  ["permission without a principal", (s) => (s.targets.dev.permissions = [{ level: "CAN_VIEW" }]), "LB1004", "targets.dev.permissions[0]"],
  ["rename of a schema no dataset uses", (s) => (s.schemas = { platinum: "p" }), "LB1408", "schemas.platinum"],
  ["CP dedup with watermark", (s) => (s.datasets.usage.dedup.watermark = "1 hour"), "LB1303", "datasets.usage.dedup.watermark"],
  ["invalid rate above 1", (s) => (s.datasets.usage.maxInvalidRate = 5), "LB1305", "datasets.usage.maxInvalidRate"],
  ["invalid rate on AP", (s) => (s.datasets.usage_live.maxInvalidRate = 0.1), "LB1305", "datasets.usage_live.maxInvalidRate"],
  ["bad lateness", (s) => (s.datasets.usage_daily.completeness.lateness = "half an hour"), "LB1006", "datasets.usage_daily.completeness.lateness"],
  ["completeness region not configured", (s) => (s.datasets.usage_daily.completeness.regions = ["mars-1"]), "LB1306", "datasets.usage_daily.completeness.regions"],
  ["period column not grouped", (s) => (s.datasets.usage_daily.period.column = "hour"), "LB1203", "datasets.usage_daily.period.column"],
  ["measure on unknown column", (s) => (s.datasets.usage_daily.measures.total.expr = "sum(amt)"), "LB1203", "datasets.usage_daily.measures.total.expr"],
  ["bad cron", (s) => (s.execution = { CP: { trigger: { kind: "cron", cron: "every hour" } } }), "LB1008", "execution.CP.trigger.cron"],
  ["bad trigger kind", (s) => (s.execution = { CP: { trigger: { kind: "hourly" } } }), "LB1004", "execution.CP.trigger.kind"],
  ["bad notification email", (s) => (s.execution = { CP: { trigger: { kind: "continuous" }, notifyOnFailure: ["oncall"] } }), "LB1004", "execution.CP.notifyOnFailure[0]"],
  ["two default targets", (s) => (s.targets.prod = { ...s.targets.dev, mode: "production" }), "LB1402", "targets"],
  ["no targets", (s) => (s.targets = {}), "LB1401", "targets"],
  ["inline token in a variable", (s) => (s.targets.dev.variables = { landing_root: "dapi0123456789abcdef0123456789abcdef" }), "LB1403", "targets.dev.variables.landing_root"],
  ["undeclared variable reference", (s) => (s.landing = { root: "${var.landing}" }), "LB1404", "landing.root"],
  ["target sets undeclared variable", (s) => (s.targets.dev.variables = { warehouse_id: "abc" }), "LB1404", "targets.dev.variables.warehouse_id"],
  ["two datasets, one table", (s) => (s.datasets.usage_quarantine = { layer: "silver", consistency: "CP", from: "raw_usage", dedup: { keys: ["event_id"] } }), "LB1205", "datasets.usage_quarantine"],
  ["format the targets cannot read yet", (s) => (s.sources.usage.format = "parquet"), "LB1004", "sources.usage.format"],
];

describe("malformed specs get precise diagnostics", () => {
  it("covers at least 25 distinct malformations", () => {
    expect(new Set(cases.map((c) => c[0])).size).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)("%s", (_what, mutate, code, path) => {
    const spec = minimalSpec();
    mutate(spec);
    const result = compileBundle({ spec, suites: {} });
    expect(result.artifacts).toEqual([]);
    const hit = result.diagnostics.find((d) => d.code === code && d.path === path);
    expect(hit, `expected ${code} at "${path}", got:\n${renderDiagnostics(result.diagnostics)}`).toBeDefined();
    expect(hit!.message).not.toMatch(/^[A-Z][a-z]/); // lowercase sentences (acronyms allowed)
    expect(hit!.hint.length).toBeGreaterThan(5);
    const text = renderDiagnostics(result.diagnostics);
    expect(text).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
    expect(text).toContain(`${hit!.severity} ${code}:`);
  });

  it("collects every problem before failing", () => {
    const spec = minimalSpec();
    spec.sources.usage.key = "eventid";
    spec.datasets.usage.from = "nope";
    delete spec.datasets.usage_daily.completeness;
    const codes = compileBundle({ spec, suites: {} }).diagnostics.map((d) => d.code);
    expect(codes).toEqual(expect.arrayContaining(["LB1203", "LB1202", "LB1302"]));
  });

  it("names the value received", () => {
    const spec = minimalSpec();
    spec.sources.usage.columns.amount.type = "money";
    const d = compileBundle({ spec, suites: {} }).diagnostics[0]!;
    expect(d.message).toContain('"money"');
  });

  it("the minimal spec itself compiles cleanly", () => {
    const result = compileBundle({ spec: minimalSpec(), suites: {} });
    expect(result.diagnostics).toEqual([]);
    expect(result.artifacts.length).toBeGreaterThan(5);
  });
});
