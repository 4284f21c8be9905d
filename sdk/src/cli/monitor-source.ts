import { readFileSync } from "node:fs";
import { join } from "node:path";
import { localMonitorContext, type MonitorContext, type MonitorPlan } from "../monitors/index.ts";
import { openCompiledBundle, startLocal, UserError } from "./local-engine.ts";
import type { Io } from "./output.ts";
import { compiledResource, openRemote } from "./remote-target.ts";

/** The flags `monitor` and `report` share to say what they read. */
export interface SourceFlags { local?: boolean; warehouse?: string; landing?: string; target?: string; warehouseId?: string; profile?: string }

/** `--local --warehouse DIR [--landing DIR]` or `-t <target> [--warehouse-id ID] [--profile P]`. */
export async function openMonitorSource(root: string, bundle: string, flags: SourceFlags, io: Io): Promise<MonitorSource> {
  if (!!flags.local === !!flags.target) throw new UserError(flags.local ? "--local and -t are exclusive" : "say what to read", "pass --local --warehouse DIR (and --landing DIR for the file backlog), or -t <target> --warehouse-id ID");
  if (flags.target) return openRemoteMonitor(root, bundle, flags.target, { ...(flags.profile ? { profile: flags.profile } : {}), ...(flags.warehouseId ? { warehouseId: flags.warehouseId } : {}) }, io);
  if (!flags.warehouse) throw new UserError("--local needs --warehouse", "pass the warehouse folder `lakebundle run --local` wrote");
  return openLocalMonitor(root, bundle, flags.warehouse, flags.landing, io);
}

/** Where monitors read from, opened once and checked every --interval. */
export interface MonitorSource {
  context(): MonitorContext;
  close(): Promise<void>;
}

/**
 * Monitors over a deployed target: the deployed CP job names the catalog and schemas (per-user prefixes
 * in development mode included), a SQL warehouse runs the checks, and billing is that of the deployed
 * CP job and AP pipeline.
 */
export async function openRemoteMonitor(root: string, bundle: string, target: string, opts: { profile?: string; warehouseId?: string }, io: Io): Promise<MonitorSource> {
  const warehouseId = opts.warehouseId ?? process.env.DATABRICKS_WAREHOUSE_ID;
  if (!warehouseId) throw new UserError("monitor -t needs a SQL warehouse", "pass --warehouse-id ID (SQL Warehouses → Connection details) or set DATABRICKS_WAREHOUSE_ID");
  const remote = await openRemote(root, bundle, target, opts.profile, io);
  const thresholds = remote.compiled.manifest.monitors;
  if (!thresholds) throw new UserError(`bundles/${bundle}/manifest.json has no monitor thresholds`, `regenerate it with \`lakebundle generate ${bundle}\``);
  if (!remote.compiled.manifest.paths.CP) throw new UserError(`monitor -t reads the deployed CP job's catalog and schema names; ${bundle} has no CP path`, "monitor the AP pipeline from its event log in the workspace, or add a CP path");
  const { findDeployedJob, findDeployedPipeline } = await import("../runtime/databricks/deployed-resources.ts");
  const { deployedNames } = await import("../runtime/databricks/deployed-names.ts");
  const { openWarehouse } = await import("../runtime/databricks/sql-warehouse.ts");
  const { warehouseMonitorContext } = await import("../monitors/warehouse-context.ts");
  const { client, userName } = remote.connection;
  const query = (path: "AP" | "CP", name: string) => ({ bundle, path, name, rootBundle: remote.rootBundle, target, userName });
  const job = await findDeployedJob(client, query("CP", compiledResource(remote.compiled, "CP").name));
  const names = await deployedNames(client, job.id);
  const pipelineIds = remote.compiled.manifest.paths.AP
    ? [(await findDeployedPipeline(client, query("AP", compiledResource(remote.compiled, "AP").name))).id]
    : [];
  io.err(`monitoring ${bundle} on ${target}: catalog ${names.catalog}, schemas ${Object.entries(names.schemas).map(([k, v]) => `${k}=${v}`).join(" ")}, job ${job.id}${pipelineIds.length ? `, pipeline ${pipelineIds.join(", ")}` : ""}`);
  const plan = JSON.parse(readFileSync(join(remote.compiled.dir, "src", "plan.json"), "utf8")) as MonitorPlan;
  const session = await openWarehouse(remote.connection, { warehouseId });
  return {
    context: () => warehouseMonitorContext(session, plan, thresholds, names, { jobIds: [job.id], pipelineIds }),
    close: () => session.close(),
  };
}

export async function openLocalMonitor(root: string, bundle: string, warehouse: string, landing: string | undefined, io: Io): Promise<MonitorSource> {
  const compiled = openCompiledBundle(root, bundle);
  const thresholds = compiled.manifest.monitors;
  if (!thresholds) throw new UserError(`bundles/${bundle}/manifest.json has no monitor thresholds`, `regenerate it with \`lakebundle generate ${bundle}\``);
  const plan = JSON.parse(readFileSync(join(compiled.dir, "src", "plan.json"), "utf8")) as MonitorPlan;
  const runtime = await startLocal(root, warehouse, io);
  return { context: () => localMonitorContext(runtime, plan, thresholds, landing), close: () => runtime.close() };
}
