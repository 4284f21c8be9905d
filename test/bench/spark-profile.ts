/**
 * Where a run's time goes, per task and per kind of Spark SQL execution, read from the engine's Spark
 * event log (LAKEBUNDLE_EVENT_LOG, set by the bench). Executions of concurrent streams overlap, so a
 * task's summed seconds can exceed its wall time; a micro-batch's own execution encloses the calls its
 * batch function makes and is reported apart.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface TaskWindow {
  task: string;
  startedMs: number;
  endedMs: number;
}

interface Execution {
  startMs: number;
  endMs: number;
  label: string;
}

/** Task windows from `ops.task_runs` rows of [task, started_at, ended_at] (UTC timestamps). */
export function taskWindows(rows: unknown[][]): TaskWindow[] {
  const ms = (v: unknown) => Date.parse(`${String(v).replace(" ", "T")}Z`);
  return rows.map(([task, started, ended]) => ({ task: String(task), startedMs: ms(started), endedMs: ms(ended) }));
}

/** The kind of work one root SQL execution did, from its description and physical plan. */
export function executionLabel(description: string, plan: string): string {
  const root = (plan.split("\n")[1] ?? "").replace(/[*]|\(\d+\)/g, "").trim();
  if (description.startsWith("Delta:") || /DeltaLogFileIndex|Delta Table State|Delta Source Snapshot/.test(plan)) return "Delta log replay (snapshot state)";
  if (root.includes("MergeIntoCommand")) return "MERGE";
  if (root.startsWith("AppendDataExec")) {
    const m = /Database: (\S+)\nTable: (\S+)/.exec(plan);
    return `append ${m ? `${m[1]}.${m[2]}` : ""}`.trim();
  }
  const command = /^(?:Execute )?(CreateTable|CreateNamespace|ShowTables|ShowTableProperties|AtomicReplaceTableAsSelect|OverwriteByExpressionExecV1|DescribeDeltaHistoryCommand|CreateViewCommand)/.exec(root);
  if (command) return command[1]!;
  const aggregate = plan.includes("HashAggregate") ? "aggregate" : "scan";
  if (plan.includes("from_json(")) return `JSON parse + ${aggregate}`;
  if (plan.includes("instr(")) return "file stats (NUL / UTF-8 lines)";
  // a streaming micro-batch: its execution spans the batch function's own calls
  if (/\nbatch = \d+/.test(description)) return "micro-batch (spans its batch function)";
  return `${root.split(" ")[0] || "other"} ${aggregate}`;
}

function readExecutions(dir: string): Execution[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.startsWith("events_") || f.startsWith("local-")) files.push(p);
    }
  };
  walk(dir);
  const starts = new Map<number, { time: number; label: string }>();
  const out: Execution[] = [];
  for (const file of files.sort()) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line.includes("SQLExecution")) continue;
      const e = JSON.parse(line) as { Event: string; executionId: number; rootExecutionId?: number; time: number; description?: string; physicalPlanDescription?: string };
      if (e.Event.endsWith("SQLExecutionStart")) {
        // nested executions (a command's own queries) are counted in their root
        if (e.rootExecutionId !== undefined && e.rootExecutionId !== e.executionId) continue;
        starts.set(e.executionId, { time: e.time, label: executionLabel(e.description ?? "", e.physicalPlanDescription ?? "") });
      } else if (e.Event.endsWith("SQLExecutionEnd")) {
        const s = starts.get(e.executionId);
        if (s) out.push({ startMs: s.time, endMs: e.time, label: s.label });
      }
    }
  }
  return out;
}

/** Lines to print: each task's wall time, then its kinds of work by summed seconds (the top `top`). */
export function profileLines(eventLogDir: string, tasks: TaskWindow[], top = 7): string[] {
  const executions = readExecutions(eventLogDir);
  const lines: string[] = [];
  for (const t of tasks) {
    const inside = executions.filter((e) => e.startMs >= t.startedMs - 200 && e.startMs <= t.endedMs);
    const byLabel = new Map<string, { ms: number; n: number }>();
    for (const e of inside) {
      const v = byLabel.get(e.label) ?? { ms: 0, n: 0 };
      v.ms += e.endMs - e.startMs;
      v.n += 1;
      byLabel.set(e.label, v);
    }
    const ranked = [...byLabel.entries()].sort((a, b) => b[1].ms - a[1].ms || a[0].localeCompare(b[0])).slice(0, top);
    lines.push(`${t.task} (${((t.endedMs - t.startedMs) / 1000).toFixed(1)} s wall, ${inside.length} Spark SQL executions):`);
    lines.push(`  ${ranked.map(([label, v]) => `${label} ${(v.ms / 1000).toFixed(1)} s ×${v.n}`).join("; ")}`);
  }
  return lines;
}
