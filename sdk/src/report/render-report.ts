import type { ReportChart, ReportData } from "./report-data.ts";
import { reportHtml } from "./report-html.ts";
import { uplotAssets } from "./uplot-assets.ts";

/**
 * The offline HTML report: one self-contained document (uPlot inlined, no network) with the header,
 * the findings table and one time-series chart per `ReportChart`. A pure function of `data` apart
 * from reading uPlot's files: the same data gives the same bytes.
 */
export function renderReport(data: ReportData): string {
  checkCharts(data.charts);
  return reportHtml(canonical(data), uplotAssets());
}

// Chart ids become DOM ids and every series must line up with x; a mistake here is the caller's bug.
function checkCharts(charts: ReportChart[]): void {
  const seen = new Set<string>();
  for (const chart of charts) {
    if (!/^[A-Za-z0-9_-]+$/.test(chart.id)) throw new Error(`report chart id "${chart.id}" must be letters, digits, "-" or "_"`);
    if (seen.has(chart.id)) throw new Error(`report chart id "${chart.id}" is used twice`);
    seen.add(chart.id);
    for (const s of chart.series) {
      if (s.values.length !== chart.x.length) {
        throw new Error(`report chart "${chart.id}": series "${s.label}" has ${s.values.length} values for ${chart.x.length} x points`);
      }
    }
  }
}

// Fixed key order (and no stray fields), so the embedded JSON does not depend on how the caller built the objects.
function canonical(data: ReportData): ReportData {
  return {
    bundle: data.bundle,
    source: data.source,
    at: data.at,
    charts: data.charts.map((c) => ({
      id: c.id,
      title: c.title,
      unit: c.unit,
      x: c.x,
      series: c.series.map((s) => ({ label: s.label, values: s.values })),
      ...(c.threshold === undefined ? {} : { threshold: c.threshold }),
      note: c.note,
    })),
    findings: data.findings.map((f) => ({
      monitor: f.monitor,
      subject: f.subject,
      metric: f.metric,
      value: f.value,
      threshold: f.threshold,
      breach: f.breach,
      message: f.message,
    })),
  };
}
