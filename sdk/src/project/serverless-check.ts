import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { codes } from "../diagnostics/codes.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";

const rulesFile = fileURLToPath(new URL("../../engine/serverless-rules.json", import.meta.url));

interface Rule {
  readonly pattern: RegExp;
  readonly what: (m: RegExpExecArray) => string | undefined;
  readonly hint: string;
}

/**
 * The task code under `jobs/` runs on serverless compute (Spark Connect): what it refuses is found
 * here before deploy, statically, with the same rules the local engine's guard enforces at run time.
 */
export function checkServerlessCode(root: string): Diagnostic[] {
  const allowed = new Set<string>((JSON.parse(readFileSync(rulesFile, "utf8")) as { allowedConfs: string[] }).allowedConfs);
  const rules: Rule[] = [
    {
      pattern: /(?<!ctx|self|job)\.(cache|persist|unpersist)\(/,
      what: (m) => `DataFrame.${m[1]}() is not supported on serverless compute (NOT_SUPPORTED_WITH_SERVERLESS)`,
      hint: "write what you would cache to a Delta table (or restructure so one pass suffices)",
    },
    {
      pattern: /(?<!ctx|self|job)\.(checkpoint|localCheckpoint)\(/,
      what: (m) => `DataFrame.${m[1]}() is not supported on serverless compute`,
      hint: "write the frozen result to a Delta table, or collect it when it is small",
    },
    { pattern: /\bsparkContext\b|\.rdd\b/, what: (m) => `${m[0].replace(/^\./, "")} is not supported on serverless compute (Spark Connect has no RDD API)`, hint: "use DataFrame and SQL APIs only" },
    {
      pattern: /\.conf\.set\(\s*["']([^"']+)["']/,
      what: (m) => (allowed.has(m[1]!) ? undefined : `spark.conf.set("${m[1]}") is not allowed on serverless compute (CONFIG_NOT_AVAILABLE)`),
      hint: `serverless lets a job set only ${[...allowed].join(", ")}`,
    },
    { pattern: /["']\s*(CACHE|UNCACHE)\s+TABLE\b/i, what: (m) => `SQL ${m[1]!.toUpperCase()} TABLE is not supported on serverless compute`, hint: "drop the cache statement" },
  ];
  const out: Diagnostic[] = [];
  for (const file of pythonFiles(join(root, "jobs"))) {
    readFileSync(file, "utf8").split("\n").forEach((line, i) => {
      if (line.trim().startsWith("#")) return;
      for (const rule of rules) {
        const m = rule.pattern.exec(line);
        const message = m ? rule.what(m) : undefined;
        if (message) out.push({ code: codes.serverlessUnsupported, severity: "error", path: `${relative(root, file)}:${i + 1}`, message, hint: rule.hint });
      }
    });
  }
  return out;
}

function pythonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === "__pycache__" ? [] : pythonFiles(p);
    return name.endsWith(".py") ? [p] : [];
  });
}
