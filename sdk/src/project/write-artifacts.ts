import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { Artifact } from "../targets/target.ts";

/** Folders of a bundle that lakebundle owns entirely; files there that it no longer emits are stale. */
export const GENERATED_DIRS = ["resources", "src", "local"] as const;

export interface WriteReport {
  written: string[];
  unchanged: string[];
  removed: string[];
}

export function writeArtifacts(root: string, artifacts: readonly Artifact[], bundleDirs: readonly string[]): WriteReport {
  const report: WriteReport = { written: [], unchanged: [], removed: [] };
  for (const a of artifacts) {
    const file = join(root, a.path);
    if (existsSync(file) && readFileSync(file, "utf8") === a.content) {
      report.unchanged.push(a.path);
      continue;
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, a.content);
    report.written.push(a.path);
  }
  for (const stale of staleFiles(root, artifacts, bundleDirs)) {
    rmSync(join(root, stale));
    report.removed.push(stale);
  }
  return report;
}

export interface DriftReport {
  changed: string[];
  missing: string[];
  stale: string[];
}

/** Compares generated output with what is on disk, touching nothing. */
export function checkDrift(root: string, artifacts: readonly Artifact[], bundleDirs: readonly string[]): DriftReport {
  const report: DriftReport = { changed: [], missing: [], stale: staleFiles(root, artifacts, bundleDirs) };
  for (const a of artifacts) {
    const file = join(root, a.path);
    if (!existsSync(file)) report.missing.push(a.path);
    else if (readFileSync(file, "utf8") !== a.content) report.changed.push(a.path);
  }
  return report;
}

function staleFiles(root: string, artifacts: readonly Artifact[], bundleDirs: readonly string[]): string[] {
  const expected = new Set(artifacts.map((a) => a.path));
  const out: string[] = [];
  for (const bundleDir of bundleDirs) {
    for (const sub of GENERATED_DIRS) {
      for (const file of walk(join(root, bundleDir, sub))) {
        const rel = relative(root, file).split("\\").join("/");
        if (!expected.has(rel)) out.push(rel);
      }
    }
  }
  return out.sort();
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}
