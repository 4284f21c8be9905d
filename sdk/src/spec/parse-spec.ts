import type { z } from "zod";
import { codes } from "../diagnostics/codes.ts";
import { show, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { bundleSpec, type BundleSpec } from "./bundle.ts";

export interface ParsedSpec {
  spec?: BundleSpec;
  diagnostics: Diagnostic[];
}

/** Validates raw author input. Every zod issue becomes a diagnostic with path, received value and hint. */
export function parseSpec(input: unknown): ParsedSpec {
  const result = bundleSpec.safeParse(input);
  if (result.success) return { spec: result.data, diagnostics: [] };
  return { diagnostics: result.error.issues.map((issue) => issueToDiagnostic(issue, input)) };
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const part of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

function issueToDiagnostic(issue: z.core.$ZodIssue, input: unknown): Diagnostic {
  const received = valueAt(input, issue.path);
  const base = { severity: "error" as const, path: formatPath(issue.path) };
  switch (issue.code) {
    case "invalid_type":
      if (received === undefined) {
        return { ...base, code: codes.missingField, message: `required field "${last(issue.path)}" is missing`, hint: `add "${last(issue.path)}" (${issue.expected})` };
      }
      return { ...base, code: codes.invalidType, message: `expected ${issue.expected}, received ${show(received)}`, hint: `give a ${issue.expected} here` };
    case "unrecognized_keys": {
      const keys = issue.keys.join('", "');
      return { ...base, code: codes.unknownField, message: `unknown field "${keys}"`, hint: `remove it or check its spelling; allowed here: ${allowedKeys(issue.path)}` };
    }
    case "invalid_value":
      return { ...base, code: codes.invalidValue, message: `invalid value ${show(received)}`, hint: `use one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` };
    case "invalid_union": {
      if ("discriminator" in issue && typeof issue.discriminator === "string") {
        const options = ((issue as { options?: unknown[] }).options ?? []).map((o) => JSON.stringify(o)).join(", ");
        return { ...base, code: codes.invalidValue, message: `invalid ${issue.discriminator} ${show(received)}`, hint: `use one of ${options}` };
      }
      // not discriminated: report the alternative that came closest (fewest issues)
      const branches = (issue as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
      const closest = [...branches].sort((a, b) => a.length - b.length)[0];
      if (closest && closest.length > 0) {
        const inner = closest[0]!;
        return issueToDiagnostic({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue, input);
      }
      return { ...base, code: codes.invalidType, message: `value ${show(received)} matches none of the allowed shapes`, hint: "check the field against the spec reference in the README" };
    }
    case "invalid_key": {
      const key = last(issue.path);
      const inner = (issue as { issues?: z.core.$ZodIssue[] }).issues?.[0];
      const params = (inner?.code === "custom" ? inner.params ?? {} : {}) as { code?: string; hint?: string };
      return { ...base, code: params.code ?? codes.invalidName, message: `${inner?.message ?? "invalid key"} ${show(key)}`, hint: params.hint ?? "rename the key" };
    }
    case "too_small":
    case "too_big":
      return { ...base, code: codes.tooSmall, message: `${show(received)} is out of range: ${issue.message.toLowerCase()}`, hint: "change the value to fit the stated bound" };
    case "invalid_format":
      return { ...base, code: codes.invalidValue, message: `invalid ${issue.format} ${show(received)}`, hint: `give a valid ${issue.format}` };
    case "custom": {
      const params = (issue.params ?? {}) as { code?: string; hint?: string };
      return { ...base, code: params.code ?? codes.invalidValue, message: `${issue.message} ${show(received)}`, hint: params.hint ?? "check the value" };
    }
    default:
      return { ...base, code: codes.invalidValue, message: `${issue.message.toLowerCase()}: received ${show(received)}`, hint: "check the value against the spec reference in the README" };
  }
}

function last(path: readonly PropertyKey[]): string {
  return String(path[path.length - 1] ?? "");
}

function allowedKeys(path: readonly PropertyKey[]): string {
  const top = path.length === 0;
  return top ? Object.keys(bundleSpec.shape).join(", ") : "see the spec reference in the README";
}
