import { z } from "zod";
import { columnType, identifier } from "./primitives.ts";

/** Governance tags carried to Unity Catalog column tags and to the manifest. */
export const columnTags = z.strictObject({
  pii: z.boolean().optional(),
  owner: z.string().min(1).optional(),
});

/**
 * A declared column. Its rules (required, nonEmpty, allowed, min, max, type) become expectations
 * automatically, so nobody writes the inverse quarantine rules by hand.
 */
export const columnSpec = z.strictObject({
  type: columnType,
  required: z.boolean().default(false),
  nonEmpty: z.boolean().default(false),
  /** Allowed values; `"regions"` means the bundle's configured regions. */
  allowed: z.union([z.array(z.string()).min(1), z.literal("regions")]).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  description: z.string().optional(),
  tags: columnTags.optional(),
});

export const columnsSpec = z.record(identifier, columnSpec);

export type ColumnSpec = z.infer<typeof columnSpec>;
