import { z } from "zod";
import { identifier, sqlExpression } from "./primitives.ts";

/** What happens to a row that violates an expectation (DLT semantics). */
export const expectationAction = z.enum(["warn", "drop", "fail"]);

export const inlineExpectation = z.strictObject({
  name: identifier,
  expr: sqlExpression,
  action: expectationAction,
  description: z.string().optional(),
});

/** A reusable suite from `expectations/<suite>.yaml`. */
export const suiteReference = z.strictObject({ suite: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: "invalid suite name" }) });

export const expectationSpec = z.union([inlineExpectation, suiteReference]);

/** The YAML shape of a suite file. */
export const expectationSuite = z.strictObject({
  description: z.string().optional(),
  expectations: z.array(inlineExpectation).min(1),
});

export type ExpectationAction = z.infer<typeof expectationAction>;
export type InlineExpectation = z.infer<typeof inlineExpectation>;
export type ExpectationSpec = z.infer<typeof expectationSpec>;
export type ExpectationSuite = z.infer<typeof expectationSuite>;
