import { codes } from "../diagnostics/codes.ts";
import { show, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type {
  BundleIR, ColumnNode, DatasetNode, ExpectationNode, GoldNode, PathNode, SilverNode, SourceNode,
} from "../ir/index.ts";
import type { BundleSpec, DatasetSpec, ExpectationSuite, PathExecution, SourceSpec } from "../spec/index.ts";
import { durationSeconds } from "../spec/index.ts";
import { deriveColumnExpectations } from "./derive-expectations.ts";
import { OPS_SCHEMA } from "./table-names.ts";

export interface ResolveResult {
  ir: BundleIR;
  diagnostics: Diagnostic[];
}

const defaultExecution: Record<"AP" | "CP", PathExecution> = {
  AP: { trigger: { kind: "continuous" }, retries: { max: 2, minIntervalSeconds: 60, onTimeout: true }, timeoutSeconds: 3600, notifyOnFailure: [] },
  CP: { trigger: { kind: "cron", cron: "0 15 * * * ?", timezone: "UTC" }, retries: { max: 2, minIntervalSeconds: 60, onTimeout: true }, timeoutSeconds: 3600, notifyOnFailure: [] },
};

/** Resolves names into nodes, expands suites and column rules, orders datasets. Reports what does not resolve. */
export function resolve(spec: BundleSpec, suites: Readonly<Record<string, ExpectationSuite>>): ResolveResult {
  const diagnostics: Diagnostic[] = [];
  const report = (code: string, path: string, message: string, hint: string) =>
    diagnostics.push({ code, severity: "error", path, message, hint, bundle: spec.name });
  const regions = spec.regions ?? [];

  const sources: Record<string, SourceNode> = {};
  for (const [name, source] of sortedEntries(spec.sources)) sources[name] = resolveSource(name, source, regions, report);

  const datasets = new Map<string, DatasetNode>();
  for (const [name, dataset] of sortedEntries(spec.datasets)) {
    const node = resolveDataset(name, dataset, spec, sources, suites, regions, report);
    if (node) datasets.set(name, node);
  }
  checkReferences(spec, report);
  const ordered = topologicalOrder(datasets, report);

  const schemas = resolveSchemas(spec, ordered, report);
  const paths: Partial<Record<"AP" | "CP", PathNode>> = {};
  for (const consistency of ["AP", "CP"] as const) {
    const names = ordered.filter((d) => d.consistency === consistency).map((d) => d.name);
    if (names.length === 0) continue;
    const execution = spec.execution[consistency] ?? defaultExecution[consistency];
    checkBacklogAlert(consistency, execution, report);
    paths[consistency] = { consistency, execution, datasets: names };
  }

  const ir: BundleIR = {
    name: spec.name,
    resourceKey: spec.name.replace(/-/g, "_"),
    ...(spec.description ? { description: spec.description } : {}),
    regions,
    landingRoot: spec.landing.root,
    schemas,
    sources,
    datasets: ordered,
    paths,
    variables: spec.variables,
    secrets: spec.secrets,
    targets: spec.targets,
    tags: spec.tags,
    monitors: {
      freshnessSeconds: {
        bronze: durationSeconds(spec.monitors.freshness.bronze),
        silver: durationSeconds(spec.monitors.freshness.silver),
        gold: durationSeconds(spec.monitors.freshness.gold),
      },
      regionSkewSeconds: durationSeconds(spec.monitors.regionSkew),
      backlogFiles: spec.monitors.backlogFiles ?? spec.execution.CP?.backlogAlert?.files ?? 100,
      maxInputRateRatio: spec.monitors.maxInputRateRatio,
      cost: { monthlyBudgetUsd: spec.monitors.cost.monthlyBudget ?? null, dbuPerHour: spec.monitors.cost.dbuPerHour, usdPerDbu: spec.monitors.cost.usdPerDbu },
      conflicts: spec.monitors.conflicts,
      quality: spec.monitors.quality,
      failedLoads: spec.monitors.failedLoads,
      windowSeconds: durationSeconds(spec.monitors.window),
    },
  };
  return { ir, diagnostics };
}

type Report = (code: string, path: string, message: string, hint: string) => void;

function resolveSource(name: string, source: SourceSpec, regions: readonly string[], report: Report): SourceNode {
  const columns: ColumnNode[] = Object.entries(source.columns).map(([col, c]) => {
    if (c.allowed === "regions" && regions.length === 0) {
      report(codes.completenessNeedsRegions, `sources.${name}.columns.${col}.allowed`, `allowed values "regions" but the bundle declares no regions`, "add `regions: [...]` at the top of the spec or list the values");
    }
    return {
      name: col,
      type: c.type,
      required: c.required,
      nonEmpty: c.nonEmpty,
      ...(c.allowed ? { allowed: c.allowed === "regions" ? regions : c.allowed } : {}),
      ...(c.min !== undefined ? { min: c.min } : {}),
      ...(c.max !== undefined ? { max: c.max } : {}),
      ...(c.description ? { description: c.description } : {}),
      pii: c.tags?.pii ?? false,
      ...(c.tags?.owner ? { owner: c.tags.owner } : {}),
    };
  });
  const byName = new Map(columns.map((c) => [c.name, c]));
  const need = (field: "key" | "eventTime" | "region", value: string | undefined) => {
    if (value === undefined) return;
    if (!byName.has(value)) {
      report(codes.unknownColumn, `sources.${name}.${field}`, `${field} references unknown column ${show(value)}`, `declare it under sources.${name}.columns or use one of ${[...byName.keys()].join(", ")}`);
    }
  };
  need("key", source.key);
  need("eventTime", source.eventTime);
  need("region", source.region);
  const key = byName.get(source.key);
  if (key && !key.required) {
    report(codes.keyNotRequired, `sources.${name}.columns.${source.key}.required`, `key column "${source.key}" is not required`, "set `required: true` (and `nonEmpty: true` for strings): a key may never be null");
  }
  const eventTime = byName.get(source.eventTime);
  if (eventTime && eventTime.type !== "timestamp") {
    report(codes.eventTimeType, `sources.${name}.columns.${source.eventTime}.type`, `event-time column "${source.eventTime}" has type ${show(eventTime.type)}`, 'declare it as `type: "timestamp"`');
  }
  return {
    kind: "file", name, path: source.path, format: source.format, compression: source.compression, columns,
    key: source.key, eventTime: source.eventTime, ...(source.region ? { region: source.region } : {}),
  };
}

function resolveDataset(
  name: string, dataset: DatasetSpec, spec: BundleSpec, sources: Record<string, SourceNode>,
  suites: Readonly<Record<string, ExpectationSuite>>, regions: readonly string[], report: Report,
): DatasetNode | undefined {
  const base = {
    name,
    schema: dataset.schema ?? dataset.layer,
    consistency: dataset.consistency,
    ...(dataset.description ? { description: dataset.description } : {}),
    ...(dataset.retentionDays ? { retentionDays: dataset.retentionDays } : {}),
  };
  const at = `datasets.${name}`;
  switch (dataset.layer) {
    case "bronze":
      if (!sources[dataset.source]) {
        report(codes.unknownSource, `${at}.source`, `unknown source ${show(dataset.source)}`, `use one of ${Object.keys(spec.sources).sort().join(", ") || "(no sources declared)"}`);
        return undefined;
      }
      return { ...base, kind: "bronze", source: dataset.source };
    case "silver": {
      const input = spec.datasets[dataset.from];
      const sourceName = input?.layer === "bronze" ? input.source : undefined;
      const source = sourceName ? sources[sourceName] : undefined;
      if (!source) return { ...base, kind: "silver", from: dataset.from, source: "", expectations: [], quarantineTable: `${name}_quarantine` };
      const expectations: ExpectationNode[] = [...deriveColumnExpectations(source)];
      dataset.expect.forEach((e, i) => {
        if ("suite" in e) {
          const suite = suites[e.suite];
          if (!suite) {
            report(codes.unknownSuite, `${at}.expect[${i}].suite`, `unknown expectation suite ${show(e.suite)}`, `create expectations/${e.suite}.yaml or use one of ${Object.keys(suites).sort().join(", ") || "(none)"}`);
            return;
          }
          suite.expectations.forEach((s, j) => expectations.push({ ...s, origin: "suite", specPath: `${at}.expect[${i}] (expectations/${e.suite}.yaml: expectations[${j}])` }));
        } else {
          expectations.push({ ...e, origin: "inline", specPath: `${at}.expect[${i}].expr` });
        }
      });
      if (dataset.dedup?.watermark !== undefined) {
        report(codes.dedupWatermark, `${at}.dedup.watermark`, `dedup watermark ${show(dataset.dedup.watermark)} is not used any more`,
          dataset.consistency === "AP"
            ? "remove it: AP silver dedups by key over all history with an AUTO CDC flow (KEYS, SEQUENCE BY), which publishes the first copy at once and never drops a late event"
            : "remove it: CP deduplicates over all history by MERGE");
      }
      return {
        ...base, kind: "silver", from: dataset.from, source: source.name, expectations,
        ...(dataset.dedup ? {
          dedup: {
            keys: dataset.dedup.keys,
            ...(dataset.dedup.sequenceBy ?? (dataset.consistency === "AP" ? source.eventTime : undefined)
              ? { sequenceBy: dataset.dedup.sequenceBy ?? source.eventTime } : {}),
          },
        } : {}),
        ...(dataset.maxInvalidRate !== undefined ? { maxInvalidRate: dataset.maxInvalidRate } : {}),
        quarantineTable: `${name}_quarantine`,
      } satisfies SilverNode;
    }
    case "gold": {
      const c = dataset.completeness;
      return {
        ...base, kind: "gold", from: dataset.from,
        groupBy: Object.entries(dataset.groupBy).map(([n, expr]) => ({ name: n, expr })),
        measures: Object.entries(dataset.measures).map(([n, m]) => ({ name: n, expr: m.expr, ...(m.type ? { type: m.type } : {}) })),
        period: dataset.period,
        ...(c ? {
          completeness: {
            regions: c.regions === "all" ? regions : c.regions,
            latenessSeconds: durationSeconds(c.lateness),
            maxClockSkewSeconds: durationSeconds(c.maxClockSkew),
            watermarkFrom: c.watermarkFrom ?? silverNamesOnPath(spec, dataset.consistency),
          },
        } : {}),
        ...(dataset.restatements ? { restatementsTable: dataset.restatements.table } : {}),
      } satisfies GoldNode;
    }
  }
}

/** Backlog alerts are job health rules on what Auto Loader reports: outstanding files and bytes. */
function checkBacklogAlert(consistency: "AP" | "CP", execution: PathExecution, report: Report): void {
  const at = `execution.${consistency}`;
  if (execution.backlogAlertSeconds !== undefined) {
    report(codes.backlogAlert, `${at}.backlogAlertSeconds`, `backlogAlertSeconds ${show(execution.backlogAlertSeconds)} cannot be alerted on`,
      consistency === "CP"
        ? "Auto Loader reports its backlog in files and bytes (STREAMING_BACKLOG_FILES/BYTES), not seconds: write `backlogAlert: { files: 500 }` or `{ bytes: 10737418240 }`"
        : "a pipeline has no job health rules: remove it (AP lag is watched by `lakebundle monitor lag`)");
  }
  if (consistency === "AP" && execution.backlogAlert !== undefined) {
    report(codes.backlogAlert, `${at}.backlogAlert`, "backlogAlert on the AP path cannot be emitted", "a pipeline has no job health rules: remove it (backlog alerts are for the CP job)");
  }
}

/** Logical → Unity Catalog schema names; `schemas` may only rename schemas the bundle uses. */
function resolveSchemas(spec: BundleSpec, datasets: readonly DatasetNode[], report: Report): Record<string, string> {
  const logical = [...new Set([...datasets.map((d) => d.schema), OPS_SCHEMA])].sort();
  for (const name of Object.keys(spec.schemas)) {
    if (!logical.includes(name)) {
      report(codes.unknownSchema, `schemas.${name}`, `schema ${show(name)} is not used by any dataset`, `rename one of ${logical.join(", ")}`);
    }
  }
  return Object.fromEntries(logical.map((s) => [s, spec.schemas[s] ?? s]));
}

function silverNamesOnPath(spec: BundleSpec, consistency: "AP" | "CP"): string[] {
  return sortedEntries(spec.datasets).filter(([, d]) => d.layer === "silver" && d.consistency === consistency).map(([n]) => n);
}

/** Inputs must exist, be of the layer below, and stay on the same consistency path. */
function checkReferences(spec: BundleSpec, report: Report): void {
  const expected = { silver: "bronze", gold: "silver" } as const;
  for (const [name, d] of sortedEntries(spec.datasets)) {
    if (d.layer === "bronze") continue;
    const input = spec.datasets[d.from];
    const at = `datasets.${name}.from`;
    if (!input) {
      const candidates = Object.entries(spec.datasets).filter(([, x]) => x.layer === expected[d.layer]).map(([n]) => n).sort();
      report(codes.unknownDataset, at, `unknown dataset ${show(d.from)}`, `use a ${expected[d.layer]} dataset: ${candidates.join(", ") || "(none declared)"}`);
      continue;
    }
    if (input.layer !== expected[d.layer]) {
      report(codes.wrongLayer, at, `${d.layer} dataset reads ${input.layer} dataset ${show(d.from)}`, `a ${d.layer} dataset reads a ${expected[d.layer]} dataset`);
    }
    if (input.consistency !== d.consistency) {
      report(codes.mixedPathInput, at, `${d.consistency} dataset reads ${input.consistency} dataset ${show(d.from)}`, "keep each path self-contained: give the input the same consistency, or declare a separate input for this path");
    }
    if (d.layer === "gold" && d.completeness?.watermarkFrom) {
      d.completeness.watermarkFrom.forEach((w, i) => {
        const wd = spec.datasets[w];
        if (!wd || wd.layer !== "silver") {
          report(codes.unknownDataset, `datasets.${name}.completeness.watermarkFrom[${i}]`, `unknown silver dataset ${show(w)}`, "list silver datasets whose events advance region watermarks");
        }
      });
    }
  }
}

function topologicalOrder(datasets: Map<string, DatasetNode>, report: Report): DatasetNode[] {
  const out: DatasetNode[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (node: DatasetNode, trail: string[]) => {
    const s = state.get(node.name);
    if (s === "done") return;
    if (s === "visiting") {
      report(codes.cycle, `datasets.${node.name}.from`, `datasets form a cycle: ${[...trail, node.name].join(" -> ")}`, "break the cycle: bronze reads a source, silver reads bronze, gold reads silver");
      return;
    }
    state.set(node.name, "visiting");
    const input = node.kind === "bronze" ? undefined : datasets.get(node.from);
    if (input) visit(input, [...trail, node.name]);
    state.set(node.name, "done");
    out.push(node);
  };
  const layerRank = { bronze: 0, silver: 1, gold: 2 } as const;
  const roots = [...datasets.values()].sort((a, b) => layerRank[a.kind] - layerRank[b.kind] || (a.name < b.name ? -1 : 1));
  for (const node of roots) visit(node, []);
  return out;
}

export function sortedEntries<T>(record: Readonly<Record<string, T>>): [string, T][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
