import { z } from "zod";
import { datasetSpec } from "./dataset.ts";
import { executionSpec } from "./execution.ts";
import { monitorsSpec } from "./monitors.ts";
import { identifier } from "./primitives.ts";
import { sourceSpec } from "./source.ts";
import { secretSpec, targetSpec, variableSpec } from "./target.ts";

/** One system: its sources, datasets on both consistency paths, how they run and where they deploy. */
export const bundleSpec = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, { message: "invalid bundle name" }),
  description: z.string().optional(),
  /** Configured regions; `allowed: "regions"` and completeness gates refer to this list. */
  regions: z.array(z.string().min(1)).min(1).optional(),
  landing: z.strictObject({ root: z.string().min(1) }).default({ root: "${var.landing_root}" }),
  sources: z.record(identifier, sourceSpec),
  datasets: z.record(identifier, datasetSpec),
  execution: executionSpec.default({}),
  variables: z.record(identifier, variableSpec).default({}),
  secrets: z.record(identifier, secretSpec).default({}),
  targets: z.record(identifier, targetSpec),
  /**
   * Unity Catalog schema name per logical schema (bronze, silver, gold, ops, or a dataset's `schema`);
   * default: the logical name. Two systems of one project must not share a schema: rename here.
   * Locally tables stay at <warehouse>/<logical schema>/<table>.
   */
  schemas: z.record(identifier, identifier).default({}),
  tags: z.record(z.string(), z.string()).default({}),
  /** Health thresholds of `lakebundle monitor` (defaults: the platform-telemetry contract's). */
  monitors: monitorsSpec.default(monitorsSpec.parse({})),
});

/** What authors write (defaults optional). */
export type BundleSpecInput = z.input<typeof bundleSpec>;
/** What compile sees (defaults applied). */
export type BundleSpec = z.infer<typeof bundleSpec>;

/** Typed helper for spec files: `export default defineBundle({...})`. */
export function defineBundle(spec: BundleSpecInput): BundleSpecInput {
  return spec;
}
