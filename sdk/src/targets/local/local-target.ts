import type { BundleIR } from "../../ir/index.ts";
import type { Artifact, EmitContext, Target } from "../target.ts";

/**
 * The local engine (Apache Spark + Delta Lake). No Auto Loader and no declarative pipelines in OSS:
 * ingestion uses Spark's file stream source with a checkpoint, and expectations/quarantine are run
 * by the engine itself with the counts DLT would report. It executes the same engine plan the CP
 * job runs on Databricks (`src/plan.json`, emitted once by the Databricks target), so it adds no
 * files of its own; its capabilities still gate what a spec may ask for.
 */
export const localTarget: Target = {
  name: "local",
  capabilities: { supportsExpectations: false, supportsAutoLoader: false, supportsAutoCdc: false, fileFormats: ["json", "jsonl"] },
  emit(_ir: BundleIR, _ctx: EmitContext): Artifact[] {
    return [];
  },
};
