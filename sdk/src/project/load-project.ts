import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import { codes } from "../diagnostics/codes.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";
import { expectationSuite, type ExpectationSuite } from "../spec/index.ts";
import { formatPath } from "../spec/parse-spec.ts";

export const SPEC_FILE = "lakebundle.ts";

export interface LoadedBundle {
  readonly name: string;
  readonly dir: string;
  readonly spec: unknown;
}

export interface LoadedProject {
  readonly root: string;
  readonly bundles: LoadedBundle[];
  readonly suites: Record<string, ExpectationSuite>;
  readonly diagnostics: Diagnostic[];
}

/** Walks up from `start` to the folder holding `bundles/`. */
export function findProjectRoot(start: string): string | undefined {
  let dir = resolvePath(start);
  for (;;) {
    if (existsSync(join(dir, "bundles")) && existsSync(join(dir, "package.json"))) return dir;
    const parent = resolvePath(dir, "..");
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function listBundles(root: string): string[] {
  const dir = join(root, "bundles");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, SPEC_FILE)))
    .map((e) => e.name)
    .sort();
}

/** Reads spec modules and expectation suites. The only I/O before compile. */
export async function loadProject(root: string, only: readonly string[] = []): Promise<LoadedProject> {
  // every bundle is loaded (the root config covers them all); `only` just checks the names asked for
  const diagnostics: Diagnostic[] = [];
  const available = listBundles(root);
  for (const name of only) {
    if (!available.includes(name)) {
      diagnostics.push({
        code: codes.bundleNotFound, severity: "error", path: "", bundle: name,
        message: `no bundle "${name}" (looked for bundles/${name}/${SPEC_FILE})`,
        hint: `use one of ${available.join(", ") || "(none yet: create bundles/<name>/lakebundle.ts)"}`,
      });
    }
  }
  const names = available;
  const bundles: LoadedBundle[] = [];
  for (const name of names) {
    const file = join(root, "bundles", name, SPEC_FILE);
    try {
      const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
      if (mod.default === undefined) throw new Error("the module has no default export");
      bundles.push({ name, dir: `bundles/${name}`, spec: mod.default });
    } catch (err) {
      diagnostics.push({
        code: codes.specLoadFailed, severity: "error", path: "", bundle: name,
        message: `could not load bundles/${name}/${SPEC_FILE}: ${firstLine(err)}`,
        hint: "fix the TypeScript error; the file must `export default defineBundle({...})`",
      });
    }
  }
  return { root, bundles, suites: loadSuites(root, diagnostics), diagnostics };
}

function loadSuites(root: string, diagnostics: Diagnostic[]): Record<string, ExpectationSuite> {
  const dir = join(root, "expectations");
  const suites: Record<string, ExpectationSuite> = {};
  if (!existsSync(dir)) return suites;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
    const name = file.replace(/\.yaml$/, "");
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(join(dir, file), "utf8"));
    } catch (err) {
      diagnostics.push({ code: codes.specLoadFailed, severity: "error", path: `expectations/${file}`, message: `invalid YAML: ${firstLine(err)}`, hint: "fix the YAML syntax" });
      continue;
    }
    const parsed = expectationSuite.safeParse(raw);
    if (parsed.success) suites[name] = parsed.data;
    else {
      for (const issue of parsed.error.issues) {
        diagnostics.push({ code: codes.invalidValue, severity: "error", path: `expectations/${file}: ${formatPath(issue.path)}`, message: issue.message.toLowerCase(), hint: "each expectation needs name, expr and action (warn, drop or fail)" });
      }
    }
  }
  return suites;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split("\n")[0] ?? "").toLowerCase();
}
