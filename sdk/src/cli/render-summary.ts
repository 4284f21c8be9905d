import type { ContinuousStatus, QueryResult, RunSummary } from "../runtime/index.ts";

/** The end-of-run report: rows, expectations, quarantine, duplicates, watermarks, periods. */
export function renderSummary(s: RunSummary): string {
  const lines: string[] = [];
  lines.push(`run finished in ${s.seconds.toFixed(1)} s`, "", "rows per table:");
  for (const [t, n] of Object.entries(s.tables).sort()) lines.push(`  ${t.padEnd(44)} ${String(n).padStart(9)}`);
  lines.push("", "silver (landed = valid + quarantined; valid = unique + duplicates removed):");
  for (const [t, x] of Object.entries(s.silver)) {
    const ok = x.landed === x.valid + x.quarantined && x.valid === x.unique + x.duplicatesRemoved ? "reconciled" : "DOES NOT RECONCILE";
    lines.push(`  ${t} [${x.path}]: landed ${x.landed} = valid ${x.valid} + quarantined ${x.quarantined}; unique ${x.unique}, duplicates removed ${x.duplicatesRemoved} (${ok})`);
    const reasons = Object.entries(x.quarantinedByReason).map(([r, n]) => `${r} ${n}`).join(", ");
    if (reasons) lines.push(`    quarantined by reason: ${reasons}`);
  }
  if ((s.quarantinedFiles ?? []).length > 0) {
    lines.push("", "files quarantined whole (ops.quarantined_files; their lines are unknown and in no count above):");
    for (const f of s.quarantinedFiles) lines.push(`  ${f.source}: ${f.path} (${f.size ?? "?"} bytes): ${f.reason}`);
  }
  const exp = s.metrics.silver ?? {};
  if (Object.keys(exp).length > 0) {
    lines.push("", "expectations this run (failed rows / rows evaluated):");
    for (const [t, m] of Object.entries(exp)) {
      const failed = Object.entries(m.expectations).filter(([, n]) => n > 0).map(([e, n]) => `${e} ${n}`).join(", ") || "none failed";
      lines.push(`  ${t}: ${m.landed} evaluated; ${failed}`);
    }
  }
  if (Object.keys(s.watermarks).length > 0) {
    lines.push("", "region watermarks (CP):");
    for (const [r, w] of Object.entries(s.watermarks)) lines.push(`  ${r.padEnd(12)} ${w ?? "no data yet"}`);
  }
  const skewed = Object.entries(s.clockSkewed ?? {}).filter(([, n]) => n > 0);
  if (skewed.length > 0) {
    lines.push("", "clock-skewed events (valid, counted, never advance a watermark: event time ahead of arrival beyond the allowed skew):");
    for (const [r, n] of skewed) lines.push(`  ${r.padEnd(12)} ${n}`);
  }
  lines.push("", "gold:");
  for (const [t, g] of Object.entries(s.gold)) {
    if (g.publishedPeriods) {
      const pub = s.metrics.publish?.[t];
      lines.push(`  ${t} [CP]: ${g.publishedPeriods.length} period(s) published (${g.publishedPeriods.join(", ") || "none"}); withheld as incomplete: ${(g.withheldPeriods ?? []).join(", ") || "none"}${pub?.restated.length ? `; restated this run: ${pub.restated.join(", ")}` : ""}`);
    } else {
      lines.push(`  ${t} [AP]: ${g.completePeriods?.length ?? 0} complete, ${g.incompletePeriods?.length ?? 0} incomplete period(s) (flagged is_complete = false)`);
    }
  }
  return lines.join("\n");
}

/** A report of the continuous AP pipeline: its tables as a run reports them, then what each flow did. */
export function renderContinuous(s: ContinuousStatus): string {
  const lines = s.summary ? [renderSummary(s.summary).replace(/^run finished in .*\n/, "AP pipeline (continuous):")] : ["AP pipeline (continuous):"];
  lines.push("", "AP flows (batches since start):");
  for (const f of s.flows) lines.push(`  ${f.table.padEnd(44)} ${String(f.batches).padStart(6)}${f.active ? "" : " (stopped)"}`);
  for (const [t, g] of Object.entries(s.gold)) lines.push(`  ${t.padEnd(44)} ${String(g.refreshes).padStart(6)} refresh(es)`);
  return lines.join("\n");
}

export function renderTable(q: QueryResult): string {
  const header = q.columns.map((c) => c.name);
  const rows = q.rows.map((r) => r.map((v) => (v === null ? "NULL" : typeof v === "object" ? JSON.stringify(v) : String(v))));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ");
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("-+-"), ...rows.map(line)];
  out.push(`(${q.rows.length} row${q.rows.length === 1 ? "" : "s"}${q.truncated ? ", truncated" : ""})`);
  return out.join("\n");
}
