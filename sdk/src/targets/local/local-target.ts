import type { BundleIR } from "../../ir/index.ts";
import type { Artifact, EmitContext, Target } from "../target.ts";
import { jsonText } from "../yaml-text.ts";

/**
 * The local engine (Apache Spark + Delta Lake). No Auto Loader and no declarative pipelines in OSS:
 * ingestion uses Spark's file stream source with a checkpoint, and expectations/quarantine are run
 * by the engine itself with the counts DLT would report. Emits the ordered flows the engine runs;
 * the SQL comes from the shared plan (`src/plan.json`).
 */
export const localTarget: Target = {
  name: "local",
  capabilities: { supportsExpectations: false, supportsAutoLoader: false, supportsAutoCdc: false, fileFormats: ["json", "jsonl"] },
  emit(ir: BundleIR, ctx: EmitContext): Artifact[] {
    const flows: Record<string, unknown>[] = [];
    for (const [consistency, path] of Object.entries(ir.paths)) {
      for (const name of path!.datasets) {
        const d = ir.datasets.find((x) => x.name === name)!;
        const step = { bronze: "ingest", silver: "validate_merge", gold: consistency === "CP" ? "complete_publish" : "refresh" }[d.kind];
        flows.push({ path: consistency, dataset: name, table: `${d.schema}.${d.name}`, step, checkpoint: `${consistency.toLowerCase()}/${d.name}` });
      }
    }
    return [{ path: `${ctx.bundleDir}/local/flows.json`, content: jsonText({ bundle: ir.name, plan: "../src/plan.json", flows }) }];
  },
};
