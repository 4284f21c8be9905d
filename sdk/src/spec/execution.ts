import { z } from "zod";
import { quartzCron } from "./primitives.ts";

export const triggerSpec = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("continuous") }),
  /** Process everything available, then stop (run on demand or by file arrival). */
  z.strictObject({ kind: z.literal("available-now") }),
  z.strictObject({ kind: z.literal("cron"), cron: quartzCron, timezone: z.string().default("UTC") }),
]);

export const retrySpec = z.strictObject({
  max: z.number().int().min(0).max(10).default(2),
  minIntervalSeconds: z.number().int().min(0).default(60),
  onTimeout: z.boolean().default(true),
});

/** How one consistency path runs: trigger, retries, timeouts, alerting. */
export const pathExecution = z.strictObject({
  trigger: triggerSpec,
  retries: retrySpec.default({ max: 2, minIntervalSeconds: 60, onTimeout: true }),
  timeoutSeconds: z.number().int().min(60).default(3600),
  /** Alert when streaming backlog exceeds this many seconds (job health rule / monitor). */
  backlogAlertSeconds: z.number().int().min(1).optional(),
  notifyOnFailure: z.array(z.email()).default([]),
});

export const executionSpec = z.strictObject({
  AP: pathExecution.optional(),
  CP: pathExecution.optional(),
});

export type TriggerSpec = z.infer<typeof triggerSpec>;
export type PathExecution = z.infer<typeof pathExecution>;
