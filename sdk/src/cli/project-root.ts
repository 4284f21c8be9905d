import { findProjectRoot } from "../project/index.ts";
import type { Io } from "./output.ts";

export function projectRoot(io: Io, explicit: string | undefined): string | undefined {
  const root = findProjectRoot(explicit ?? process.cwd());
  if (!root) io.err("error LB1601: no lakebundle project here (no bundles/ folder next to a package.json)\n  hint: run inside the project or pass --project <dir>");
  return root;
}
