import { z } from "zod";
import { columnsSpec } from "./column.ts";
import { identifier } from "./primitives.ts";

/** Files in the immutable landing zone, read incrementally (Auto Loader on Databricks). */
export const fileSource = z.strictObject({
  kind: z.literal("file"),
  /** Folder under the landing root; sub-folders below it are free. */
  path: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_./=-]*$/, { message: "invalid landing path" }),
  format: z.enum(["json", "jsonl", "csv", "parquet"]),
  /** `auto` reads plain and gzip files side by side (decided by file extension). */
  compression: z.enum(["auto", "none", "gzip"]).default("auto"),
  columns: columnsSpec,
  key: identifier,
  eventTime: identifier,
  region: identifier.optional(),
  description: z.string().optional(),
});

/**
 * Sources are a discriminated union on `kind`. CDC (`kind: "cdc"`, PostgreSQL logical replication)
 * and the landing collector (`kind: "collector"`) join here as new members.
 */
export const sourceSpec = z.discriminatedUnion("kind", [fileSource]);

export type FileSourceSpec = z.infer<typeof fileSource>;
export type SourceSpec = z.infer<typeof sourceSpec>;
