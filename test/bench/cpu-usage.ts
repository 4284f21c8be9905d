/**
 * Where a run's CPU goes on this machine (Linux /proc): how busy the machine was, how much of it the engine
 * JVM spent, and how much of that was JIT compilation (its C1/C2 compiler threads, which live as long as
 * the JVM, so their counters cover the whole run) and its exited child processes (the foreachBatch Python
 * workers, counted once the JVM has reaped them). Zeros where /proc is not available.
 */
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { procStatFields } from "../proc-stat.ts";

export interface CpuSnapshot {
  atMs: number;
  machineBusyS: number;
  jvmS: number;
  jitS: number;
  childrenS: number;
}

const HZ = 100; // USER_HZ: the unit of /proc's CPU counters on Linux

export function cpuSnapshot(jvmPid: number): CpuSnapshot {
  const snap: CpuSnapshot = { atMs: performance.now(), machineBusyS: 0, jvmS: 0, jitS: 0, childrenS: 0 };
  try {
    const all = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    snap.machineBusyS = (all.reduce((a, b) => a + b, 0) - all[3]! - all[4]!) / HZ; // less idle and iowait
    const f = procStatFields(`/proc/${jvmPid}/stat`);
    snap.jvmS = (Number(f[11]) + Number(f[12])) / HZ; // utime, stime
    snap.childrenS = (Number(f[13]) + Number(f[14])) / HZ; // cutime, cstime
    for (const tid of readdirSync(`/proc/${jvmPid}/task`)) {
      try {
        if (!/^C[12] CompilerThre/.test(readFileSync(`/proc/${jvmPid}/task/${tid}/comm`, "utf8"))) continue;
        const t = procStatFields(`/proc/${jvmPid}/task/${tid}/stat`);
        snap.jitS += (Number(t[11]) + Number(t[12])) / HZ;
      } catch { /* thread ended */ }
    }
  } catch { /* no /proc */ }
  return snap;
}

/** One line: the run's wall time, the machine's busy share, the JVM's CPU split. */
export function cpuLine(before: CpuSnapshot, after: CpuSnapshot): string {
  const wall = (after.atMs - before.atMs) / 1000;
  const cores = availableParallelism();
  const busy = after.machineBusyS - before.machineBusyS;
  const jvm = after.jvmS - before.jvmS;
  const jit = after.jitS - before.jitS;
  return `CPU over ${wall.toFixed(1)} s: machine busy ${busy.toFixed(1)} of ${(wall * cores).toFixed(1)} core-s (${((busy / (wall * cores)) * 100).toFixed(0)}%); `
    + `engine JVM ${jvm.toFixed(1)} s, of which JIT compilation ${jit.toFixed(1)} s (${jvm > 0 ? ((jit / jvm) * 100).toFixed(0) : 0}%); `
    + `its exited Python workers ${(after.childrenS - before.childrenS).toFixed(1)} s`;
}
