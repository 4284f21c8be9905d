/** Fields of a Linux `/proc/<pid>/stat` (or `/proc/<pid>/task/<tid>/stat`) from the 3rd, `state`, on:
 * the command name before them may itself hold spaces and parentheses, so it is cut at the last ")". */
import { readFileSync } from "node:fs";

export function procStatFields(path: string): string[] {
  const text = readFileSync(path, "utf8");
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}
