import { z } from "zod";
import { codes } from "../diagnostics/codes.ts";
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
  /**
   * CP: alert when the ingestion backlog exceeds these bounds: the job health metrics
   * STREAMING_BACKLOG_FILES / STREAMING_BACKLOG_BYTES, which Auto Loader reports (numFilesOutstanding,
   * numBytesOutstanding). A time-based backlog is not reported for file sources.
   */
  backlogAlert: z.strictObject({
    files: z.number().int().min(1).optional(),
    bytes: z.number().int().min(1).optional(),
  }).optional(),
  /** Replaced by `backlogAlert`; kept so old specs get a precise diagnostic instead of "unknown field". */
  backlogAlertSeconds: z.number().int().min(1).optional(),
  notifyOnFailure: z.array(z.email()).default([]),
  /**
   * CP: warn `notifyOnFailure` when a run takes longer than this (the job health metric
   * RUN_DURATION_SECONDS); default half of `timeoutSeconds`, so a slow run is seen before the timeout stops it.
   */
  durationWarningSeconds: z.number().int().min(1).optional(),
}).refine((e) => e.durationWarningSeconds === undefined || e.durationWarningSeconds < e.timeoutSeconds, {
  path: ["durationWarningSeconds"],
  params: { code: codes.invalidValue, hint: "give fewer seconds than `timeoutSeconds`: the timeout stops a run before a later warning could fire" },
  message: "durationWarningSeconds is not below timeoutSeconds:",
});

export const executionSpec = z.strictObject({
  AP: pathExecution.optional(),
  CP: pathExecution.optional(),
});

export type TriggerSpec = z.infer<typeof triggerSpec>;
export type PathExecution = z.infer<typeof pathExecution>;
