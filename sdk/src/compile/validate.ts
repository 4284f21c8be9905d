import { codes } from "../diagnostics/codes.ts";
import { show, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { BundleIR, GoldNode, SilverNode } from "../ir/index.ts";
import { silverMetaColumns } from "./parse-columns.ts";
import { referencedColumns } from "./sql-identifiers.ts";

/** Semantic checks over the resolved graph: columns, CAP rules, names, targets, secrets. Pure. */
export function validate(ir: BundleIR): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (code: string, path: string, message: string, hint: string) =>
    out.push({ code, severity: "error", path, message, hint, bundle: ir.name });
  checkTableNames(ir, report);
  for (const d of ir.datasets) {
    if (d.kind === "silver") checkSilver(ir, d, report);
    if (d.kind === "gold") checkGold(ir, d, report);
  }
  checkTargets(ir, report);
  return out;
}

type Report = (code: string, path: string, message: string, hint: string) => void;

export function silverColumns(ir: BundleIR, silver: SilverNode): string[] {
  const source = ir.sources[silver.source];
  return source ? [...source.columns.map((c) => c.name), ...silverMetaColumns] : [];
}

function checkColumns(expr: string, known: readonly string[], path: string, what: string, report: Report): void {
  for (const col of referencedColumns(expr)) {
    if (!known.includes(col)) {
      report(codes.unknownColumn, path, `${what} references unknown column ${show(col)}`, `use one of ${known.join(", ")}`);
    }
  }
}

function checkSilver(ir: BundleIR, silver: SilverNode, report: Report): void {
  const at = `datasets.${silver.name}`;
  const known = [...silverColumns(ir, silver), "_fields", "_raw"];
  if (!ir.sources[silver.source]) return;
  const seen = new Set<string>();
  let inlineIndex = 0;
  for (const e of silver.expectations) {
    if (e.origin === "column") {
      seen.add(e.name);
      continue;
    }
    const path = `${at}.expect[${inlineIndex++}]`;
    if (seen.has(e.name)) report(codes.duplicateName, `${path}.name`, `expectation name ${show(e.name)} is used twice`, "give each expectation a unique name (column rules are named <column>_type, _required, _allowed, _min, _max)");
    seen.add(e.name);
    checkColumns(e.expr, known, `${path}.expr`, `expectation "${e.name}"`, report);
  }
  if (silver.dedup) {
    silver.dedup.keys.forEach((k, i) => checkColumns(k, known, `${at}.dedup.keys[${i}]`, "dedup key", report));
    if (silver.dedup.sequenceBy) checkColumns(silver.dedup.sequenceBy, known, `${at}.dedup.sequenceBy`, "dedup sequenceBy", report);
  }
  if (silver.consistency === "CP" && !silver.dedup) {
    report(codes.cpNeedsDedup, `${at}.dedup`, "CP silver dataset has no dedup", "billing-grade data is deduplicated by key: add `dedup: { keys: [\"event_id\"] }`");
  }
  if (silver.maxInvalidRate !== undefined) {
    if (silver.consistency !== "CP") report(codes.invalidRateOutOfRange, `${at}.maxInvalidRate`, `maxInvalidRate ${show(silver.maxInvalidRate)} on an AP dataset`, "the invalid-rate gate is a CP validate-task feature; remove it or make the dataset CP");
    else if (silver.maxInvalidRate < 0 || silver.maxInvalidRate > 1) report(codes.invalidRateOutOfRange, `${at}.maxInvalidRate`, `maxInvalidRate ${show(silver.maxInvalidRate)} is not a rate`, "give a number from 0 to 1, e.g. 0.05 for 5%");
  }
}

function checkGold(ir: BundleIR, gold: GoldNode, report: Report): void {
  const at = `datasets.${gold.name}`;
  const input = ir.datasets.find((d): d is SilverNode => d.name === gold.from && d.kind === "silver");
  if (input) {
    const known = silverColumns(ir, input);
    for (const g of gold.groupBy) checkColumns(g.expr, known, `${at}.groupBy.${g.name}`, `group "${g.name}"`, report);
    for (const m of gold.measures) checkColumns(m.expr, known, `${at}.measures.${m.name}.expr`, `measure "${m.name}"`, report);
  }
  if (!gold.groupBy.some((g) => g.name === gold.period.column)) {
    report(codes.unknownColumn, `${at}.period.column`, `period column ${show(gold.period.column)} is not a groupBy column`, `use one of ${gold.groupBy.map((g) => g.name).join(", ")}`);
  }
  if (gold.consistency === "CP" && !gold.completeness) {
    report(codes.cpNeedsCompleteness, `${at}.completeness`, "CP gold dataset has no completeness gate", "CP publishes complete periods only: add `completeness: { regions: \"all\", lateness: \"30 minutes\" }`");
  }
  if (gold.restatementsTable && gold.consistency !== "CP") {
    report(codes.cpNeedsCompleteness, `${at}.restatements`, "restatements on an AP dataset", "AP gold is recomputed in place; restatements are audited for CP gold only");
  }
  if (gold.completeness) {
    if (gold.completeness.regions.length === 0) {
      report(codes.completenessNeedsRegions, `${at}.completeness.regions`, "completeness gate has no regions", "declare `regions: [...]` at the top of the spec");
    }
    for (const r of gold.completeness.regions) {
      if (ir.regions.length > 0 && !ir.regions.includes(r)) report(codes.completenessNeedsRegions, `${at}.completeness.regions`, `region ${show(r)} is not configured`, `use configured regions: ${ir.regions.join(", ")}`);
    }
  }
}

function checkTableNames(ir: BundleIR, report: Report): void {
  const tables = new Map<string, string>();
  const claim = (table: string, owner: string) => {
    const prior = tables.get(table);
    if (prior) report(codes.duplicateName, `datasets.${owner}`, `table ${show(table)} is produced by both "${prior}" and "${owner}"`, "rename one dataset or put it in another schema");
    else tables.set(table, owner);
  };
  for (const d of ir.datasets) {
    claim(`${d.schema}.${d.name}`, d.name);
    if (d.kind === "silver") claim(`${d.schema}.${d.quarantineTable}`, d.name);
    if (d.kind === "gold" && d.restatementsTable) claim(`${d.schema}.${d.restatementsTable}`, d.name);
  }
}

const secretLike = /(dapi[0-9a-f]{32}|-----BEGIN|AKIA[0-9A-Z]{16}|xox[bp]-)/;
const variableRef = /\$\{var\.([a-zA-Z0-9_]+)\}/g;

function checkTargets(ir: BundleIR, report: Report): void {
  const targets = Object.entries(ir.targets);
  if (targets.length === 0) report(codes.noTargets, "targets", "the spec declares no targets", "add at least `targets: { dev: { mode: \"development\", default: true, ... } }`");
  const defaults = targets.filter(([, t]) => t.default).map(([n]) => n);
  if (defaults.length > 1) report(codes.multipleDefaults, "targets", `several default targets: ${defaults.join(", ")}`, "mark exactly one target `default: true`");
  const declared = new Set(Object.keys(ir.variables));
  const checkValue = (value: string, path: string) => {
    if (secretLike.test(value)) report(codes.inlineSecret, path, "value looks like an inline secret", "never put secrets in a spec: declare `secrets: { name: { scope, key } }` and reference the secret scope");
    for (const m of value.matchAll(variableRef)) {
      if (!declared.has(m[1]!)) report(codes.unknownVariable, path, `reference to undeclared variable ${show(m[0])}`, `declare it under variables (${[...declared].sort().join(", ") || "none declared"})`);
    }
  };
  checkValue(ir.landingRoot, "landing.root");
  for (const [name, t] of targets) {
    checkValue(t.workspaceHost, `targets.${name}.workspaceHost`);
    for (const [v, value] of Object.entries(t.variables)) {
      if (!declared.has(v)) report(codes.unknownVariable, `targets.${name}.variables.${v}`, `value for undeclared variable ${show(v)}`, `declare it under variables (${[...declared].sort().join(", ") || "none declared"})`);
      checkValue(value, `targets.${name}.variables.${v}`);
    }
  }
  for (const [name, v] of Object.entries(ir.variables)) if (v.default) checkValue(v.default, `variables.${name}.default`);
}
