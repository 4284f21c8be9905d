// The offline report in a real headless Chromium: it loads nothing but itself, draws every non-empty
// chart with uPlot (pixels on the canvases and in a screenshot), and shows the findings escaped.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PNG } from "pngjs";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReportData } from "../../sdk/src/report/report-data.ts";
import { renderReport } from "../../sdk/src/report/render-report.ts";
import { chromiumPath } from "../fixtures/chromium.ts";

const hours = 24;
const start = Date.UTC(2026, 11, 1) / 1000;
const x = Array.from({ length: hours }, (_, i) => start + i * 3600);
const wave = (base: number, amp: number, phase: number) => x.map((_, i) => Math.round((base + amp * Math.sin(i / 3 + phase)) * 100) / 100);

const data: ReportData = {
  bundle: "platform-telemetry",
  source: "local warehouse /tmp/lakebundle-wh",
  at: "2026-12-01T23:30:00Z",
  charts: [
    {
      id: "lag",
      title: "Ingestion lag by region",
      unit: "files",
      x,
      series: [
        { label: "eu-west", values: x.map((_, i) => 20 + i * i * 0.7) },
        // us-east reported nothing at 05:00: a gap, not a zero
        { label: "us-east", values: wave(40, 25, 0).map((v, i) => (i === 5 ? null : v)) },
      ],
      threshold: 200,
      note: "Landing files not yet committed to bronze, per region, from the Auto Loader checkpoints.",
    },
    {
      id: "freshness",
      title: "Freshness of silver.events",
      unit: "s",
      x,
      series: [{ label: "silver.events", values: wave(300, 200, 1) }],
      threshold: 900,
      note: "Seconds since the last commit to silver.events, from the Delta history.",
    },
    {
      id: "quality",
      title: "Valid rows",
      unit: "%",
      x,
      series: [{ label: "bronze.events", values: wave(99.5, 0.3, 2) }],
      threshold: 99,
      note: "Share of rows passing the expectations (rows with amount < 0 are invalid), from the quarantine counts.",
    },
    {
      id: "conflicts",
      title: "Write conflicts",
      unit: "conflicts",
      x,
      series: [{ label: "gold.billing_daily", values: x.map((_, i) => [0, 0, 1, 0, 3, 0][i % 6] ?? 0) }],
      threshold: 5,
      note: "Concurrent-write conflicts retried by the MERGE task, from the retry records.",
    },
    {
      id: "failed-loads",
      title: "Failed loads",
      unit: "files",
      x: [],
      series: [{ label: "failed files", values: [] }],
      note: "Landing files the loader rejected; none recorded yet.",
    },
  ],
  findings: [
    { monitor: "freshness", subject: "silver.events", metric: "seconds_since_commit", value: 412, threshold: 900, breach: false, message: "silver.events: last commit 412 s ago (threshold 900 s)" },
    { monitor: "lag", subject: "eu-west", metric: "files_outstanding", value: 387.7, threshold: 200, breach: true, message: "eu-west: 387.7 files outstanding > 200" },
    { monitor: "quality", subject: "bronze.events", metric: "valid_rate", value: 99.61, threshold: 99, breach: false, message: "bronze.events: <b>99.61%</b> valid >= 99%" },
  ],
};
const drawnCharts = data.charts.filter((c) => c.x.length > 0);

describe("offline HTML report in headless Chromium", () => {
  let dir: string | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let fileUrl: string;
  const requests: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    const executablePath = chromiumPath();
    dir = mkdtempSync(join(tmpdir(), "lakebundle-report-"));
    const file = join(dir, "report.html");
    writeFileSync(file, renderReport(data));
    fileUrl = pathToFileURL(file).href;

    // headless: true is Chromium's new headless mode (--headless=new); root needs --no-sandbox
    browser = await puppeteer.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
    page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 900, deviceScaleFactor: 1 });
    page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
    page.on("pageerror", (e) => errors.push(`pageerror: ${String(e)}`));
    await page.setRequestInterception(true);
    page.on("request", (req) => {
      requests.push(req.url());
      if (req.url() === fileUrl) void req.continue();
      else void req.abort();
    });
    await page.goto(fileUrl, { waitUntil: "load" });
    await page.waitForSelector("body[data-rendered]", { timeout: 30_000 }).catch((e: unknown) => {
      throw new Error(`the report never finished rendering (${String(e)}); page errors: ${errors.join("; ") || "none"}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is byte-stable and keeps the data from closing its script element", () => {
    const html = renderReport(data);
    // the same data built with its keys in another order gives the same bytes
    const reversed = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reversed)
      : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)]))
      : v;
    expect(renderReport(reversed(data) as ReportData)).toBe(html);
    // nothing to fetch: no linked stylesheet, image, frame or script source (uPlot's banner names its homepage)
    expect(html).not.toMatch(/<(link|img|iframe)\b|<script[^>]*\bsrc=/i);
    const json = html.slice(html.indexOf('id="report-data">'), html.indexOf("</script>"));
    expect(json).toContain("amount \\u003c 0");
    expect(json).not.toContain("<b>");
  });

  it("loads nothing but the file itself and logs no error", () => {
    expect(requests).toEqual([fileUrl]);
    expect(errors).toEqual([]);
  });

  it("draws every non-empty chart", async () => {
    expect(await page.$eval("body", (b) => b.dataset.rendered)).toBe(String(drawnCharts.length));
    for (const chart of drawnCharts) {
      const info = await page.$eval(`#chart-${chart.id}`, (el) => ({
        series: el.getAttribute("data-series-count"),
        points: el.getAttribute("data-points"),
        legend: [...el.querySelectorAll(".u-legend .u-series .u-label")].map((l) => l.textContent),
      }));
      expect(info.series, chart.id).toBe(String(chart.series.length));
      expect(info.points, chart.id).toBe(String(chart.x.length));
      const labels = chart.series.map((s) => s.label);
      expect(info.legend, chart.id).toEqual(["time (UTC)", ...labels, ...(chart.threshold === undefined ? [] : ["threshold"])]);
    }
  });

  it("puts ink on every chart's canvas: the series and the dashed threshold", async () => {
    for (const chart of drawnCharts) {
      const ink = await page.$eval(`#chart-${chart.id}`, (el) => {
        const canvas = el.querySelector("canvas");
        if (!canvas) return null;
        const px = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
        // pixels close to a colour the report draws with: series 1 blue, series 2 orange, threshold red
        const near = (i: number, [r, g, b]: number[]) => Math.abs(px[i]! - r!) + Math.abs(px[i + 1]! - g!) + Math.abs(px[i + 2]! - b!) < 60 && px[i + 3]! > 200;
        const red = (i: number) => near(i, [0xd6, 0x27, 0x28]);
        let painted = 0, blue = 0, orange = 0, redRow = -1, redMost = 0;
        for (let i = 0; i < px.length; i += 4) {
          if (px[i + 3]! > 0) painted++;
          if (near(i, [0x1f, 0x77, 0xb4])) blue++;
          if (near(i, [0xff, 0x7f, 0x0e])) orange++;
        }
        for (let y = 0; y < canvas.height; y++) {
          let n = 0;
          for (let x = 0; x < canvas.width; x++) if (red((y * canvas.width + x) * 4)) n++;
          if (n > redMost) [redMost, redRow] = [n, y];
        }
        // the threshold is the reddest row; dashed means it breaks off into many separate runs
        let dashes = 0;
        for (let x = 0, was = false; x < canvas.width; x++) {
          const is = redRow >= 0 && red((redRow * canvas.width + x) * 4);
          if (is && !was) dashes++;
          was = is;
        }
        return { width: canvas.width, height: canvas.height, painted, blue, orange, red: redMost, dashes };
      });
      expect(ink, chart.id).not.toBeNull();
      expect(ink!.width, chart.id).toBeGreaterThan(0);
      expect(ink!.height, chart.id).toBeGreaterThan(0);
      expect(ink!.painted, chart.id).toBeGreaterThan(1000);
      expect(ink!.blue, chart.id).toBeGreaterThan(100);
      if (chart.series.length > 1) expect(ink!.orange, chart.id).toBeGreaterThan(100);
      if (chart.threshold !== undefined) {
        expect(ink!.red, chart.id).toBeGreaterThan(100);
        expect(ink!.dashes, chart.id).toBeGreaterThan(20);
      }
    }
  });

  it("shows an empty chart as 'no data yet' instead of drawing it", async () => {
    const empty = await page.$eval("#chart-failed-loads", (el) => ({ text: el.textContent?.trim(), canvas: el.querySelector("canvas") !== null }));
    expect(empty).toEqual({ text: "no data yet", canvas: false });
  });

  it("shows the header, and the findings breaches first with their text escaped", async () => {
    const header = await page.$eval("header", (h) => h.textContent ?? "");
    for (const s of [data.bundle, data.source, data.at]) expect(header).toContain(s);
    const rows = await page.$$eval("table.findings tbody tr", (trs) =>
      trs.map((tr) => ({ cls: tr.className, cells: [...tr.querySelectorAll("td")].map((td) => td.textContent), tags: tr.querySelectorAll("b").length })));
    expect(rows.map((r) => r.cls)).toEqual(["breach", "ok", "ok"]);
    expect(rows[0]!.cells).toEqual(["breach", "lag", "eu-west", "files_outstanding", "387.7", "200", "eu-west: 387.7 files outstanding > 200"]);
    expect(rows[2]!.cells[6]).toBe("bronze.events: <b>99.61%</b> valid >= 99%");
    expect(rows[2]!.tags).toBe(0);
    const titles = await page.$$eval("section.chart h2", (hs) => hs.map((h) => h.textContent));
    expect(titles).toEqual(data.charts.map((c) => `${c.title} (${c.unit})`));
  });

  it("renders a full-page screenshot that is not blank", async () => {
    const png = PNG.sync.read(Buffer.from(await page.screenshot({ fullPage: true, type: "png" })));
    expect(png.height).toBeGreaterThan(900);
    const colors = new Set<number>();
    let inked = 0, seriesBlue = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      colors.add((r << 16) | (g << 8) | b);
      if (r + g + b < 600) inked++;
      if (Math.abs(r - 0x1f) + Math.abs(g - 0x77) + Math.abs(b - 0xb4) < 60) seriesBlue++;
    }
    expect(colors.size).toBeGreaterThan(50);
    expect(inked).toBeGreaterThan(20_000);
    // the charts made it into the picture, not only the text: every drawn chart's first series is blue
    expect(seriesBlue).toBeGreaterThan(drawnCharts.length * 500);
  });
});

/** LAKEBUNDLE_CHROMIUM, /usr/bin/chromium, or chromium / chromium-browser on PATH (`npm test` installs Debian's). */
