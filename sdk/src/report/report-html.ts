import type { Finding } from "../monitors/index.ts";
import type { ReportChart, ReportData } from "./report-data.ts";
import { reportScript } from "./report-script.ts";
import type { UplotAssets } from "./uplot-assets.ts";

// The page may load nothing: everything it uses is inline, and the policy makes any fetch fail loudly.
const contentPolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'";

const pageCss = `
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d2733; background: #fff; }
header { padding: 16px 24px; border-bottom: 1px solid #d8dee6; background: #f5f7fa; }
header h1 { margin: 0 0 6px; font-size: 20px; }
header dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
header dt { color: #5b6776; }
header dd { margin: 0; }
main { padding: 8px 24px 32px; max-width: 1200px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
h2 .unit { color: #5b6776; font-weight: normal; }
table.findings { border-collapse: collapse; width: 100%; }
table.findings th, table.findings td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e7ec; vertical-align: top; }
table.findings td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.findings tr.breach { background: #fdecea; }
table.findings tr.breach td.status { color: #b3261e; font-weight: 600; }
table.findings tr.ok td.status { color: #2e7d32; }
.plot { width: 100%; min-height: 40px; }
.plot.empty { display: flex; align-items: center; justify-content: center; min-height: 120px; border: 1px dashed #c3cad3; color: #5b6776; }
.note { color: #5b6776; margin: 4px 0 0; }
`;

/** The whole document; every string from the data is escaped, the data itself goes in as inert JSON. */
export function reportHtml(data: ReportData, assets: UplotAssets): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${contentPolicy}">`,
    `<title>lakebundle report: ${escapeHtml(data.bundle)}</title>`,
    `<style>${inlineText(assets.css, "style")}</style>`,
    `<style>${pageCss}</style>`,
    "</head>",
    "<body>",
    header(data),
    "<main>",
    findingsTable(data.findings),
    ...data.charts.map(chartSection),
    "</main>",
    `<script type="application/json" id="report-data">${scriptJson(data)}</script>`,
    `<script>${inlineText(assets.js, "script")}</script>`,
    `<script>${reportScript}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

function header(data: ReportData): string {
  return [
    "<header>",
    `<h1>lakebundle report: ${escapeHtml(data.bundle)}</h1>`,
    "<dl>",
    `<dt>bundle</dt><dd class="bundle">${escapeHtml(data.bundle)}</dd>`,
    `<dt>source</dt><dd class="source">${escapeHtml(data.source)}</dd>`,
    `<dt>at</dt><dd class="at"><time datetime="${escapeHtml(data.at)}">${escapeHtml(data.at)}</time></dd>`,
    "</dl>",
    "</header>",
  ].join("\n");
}

function findingsTable(findings: Finding[]): string {
  // breaches first; the sort is stable, so each group keeps the monitors' order
  const rows = [...findings].sort((a, b) => Number(b.breach) - Number(a.breach));
  const breaches = rows.filter((f) => f.breach).length;
  const body = rows.length
    ? rows.map(findingRow)
    : ['<tr class="none"><td colspan="7">no findings</td></tr>'];
  return [
    '<section id="findings">',
    "<h2>Findings</h2>",
    `<p class="summary">${breaches} breached, ${rows.length - breaches} ok</p>`,
    '<table class="findings">',
    "<thead><tr><th>status</th><th>monitor</th><th>subject</th><th>metric</th><th>value</th><th>threshold</th><th>message</th></tr></thead>",
    "<tbody>",
    ...body,
    "</tbody>",
    "</table>",
    "</section>",
  ].join("\n");
}

function findingRow(f: Finding): string {
  const cells = [
    `<td class="status">${f.breach ? "breach" : "ok"}</td>`,
    `<td>${escapeHtml(f.monitor)}</td>`,
    `<td>${escapeHtml(f.subject)}</td>`,
    `<td>${escapeHtml(f.metric)}</td>`,
    `<td class="num">${formatNumber(f.value)}</td>`,
    `<td class="num">${formatNumber(f.threshold)}</td>`,
    `<td>${escapeHtml(f.message)}</td>`,
  ];
  return `<tr class="${f.breach ? "breach" : "ok"}">${cells.join("")}</tr>`;
}

function chartSection(chart: ReportChart): string {
  const id = escapeHtml(chart.id);
  // what a test or a script can check without reading the canvas: data series (the threshold line aside) and points
  const attrs = `id="chart-${id}" data-series-count="${chart.series.length}" data-points="${chart.x.length}"`;
  const plot = chart.x.length === 0
    ? `<div class="plot empty" ${attrs}><p class="no-data">no data yet</p></div>`
    : `<div class="plot" ${attrs}></div>`;
  const unit = chart.unit ? ` <span class="unit">(${escapeHtml(chart.unit)})</span>` : "";
  return [
    `<section class="chart" id="section-${id}">`,
    `<h2>${escapeHtml(chart.title)}${unit}</h2>`,
    plot,
    `<p class="note">${escapeHtml(chart.note)}</p>`,
    "</section>",
  ].join("\n");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end its script element: `<` never appears literally (`</script>`, `<!--`). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/** A number as the table shows it: at most 6 significant digits, no float noise (0.30000000000000004). */
function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value);
}

// A third-party file inlined in a <script> or <style> must not close its element early.
function inlineText(text: string, element: "script" | "style"): string {
  if (text.toLowerCase().includes(`</${element}`)) throw new Error(`cannot inline a file that contains </${element}> into the report`);
  return text;
}
