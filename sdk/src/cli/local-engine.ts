import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MANIFEST_SCHEMA_VERSION } from "../compile/manifest.ts";
import type { MonitorThresholds } from "../ir/index.ts";
import { LocalRuntime, setupEngine } from "../runtime/index.ts";
import type { Io } from "./output.ts";

/** Sets the engine up on first use (with progress), then connects: to the warm engine of this warehouse, or one started for this command. */
export async function startLocal(root: string, warehouse: string, io: Io): Promise<LocalRuntime> {
  const setup = await setupEngine(root, (m) => io.err(m));
  if (!setup.cached) io.err("engine ready");
  const runtime = await LocalRuntime.start({ root, warehouse, say: (m) => io.err(m) });
  if (!runtime.owned) io.err(`using the warm engine (pid ${runtime.engine.pid}) for ${runtime.warehouse}`);
  return runtime;
}

export interface CompiledBundle {
  dir: string;
  manifest: {
    schemaVersion: number;
    bundle: string;
    regions: string[];
    tables: { table: string; layer: string; consistency: string }[];
    /** Per path: the deployed resource (`jobs.<key>` / `pipelines.<key>`) and its trigger. */
    paths: Partial<Record<"AP" | "CP", { resource: string; trigger: string; datasets: string[] }>>;
    /** Absent in manifests generated before monitors existed. */
    monitors?: MonitorThresholds;
  };
}

/** Runs read the compiled artifact (manifest + plan), never the TypeScript spec. */
export function openCompiledBundle(root: string, name: string): CompiledBundle {
  const dir = join(root, "bundles", name);
  const file = join(dir, "manifest.json");
  if (!existsSync(file)) throw new UserError(`no compiled bundle at bundles/${name}/manifest.json`, `run \`lakebundle generate ${name}\` first`);
  const manifest = JSON.parse(readFileSync(file, "utf8")) as CompiledBundle["manifest"];
  if (manifest.schemaVersion !== MANIFEST_SCHEMA_VERSION) {
    throw new UserError(`bundles/${name}/manifest.json has schemaVersion ${manifest.schemaVersion}, expected ${MANIFEST_SCHEMA_VERSION}`, `regenerate it with \`lakebundle generate ${name}\``);
  }
  return { dir, manifest };
}

/** An error in what the user asked for: printed as message + hint, never as a stack trace. */
export class UserError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
  }
}
