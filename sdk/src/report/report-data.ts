import type { Finding } from "../monitors/index.ts";

/** One line of a chart: a value per x (null where that series has no point). */
export interface ReportSeries {
  label: string;
  values: (number | null)[];
}

/** A time-series chart: x in epoch seconds (ascending), one or more series, an optional threshold line. */
export interface ReportChart {
  /** Stable DOM id suffix: lag, freshness, quality, conflicts, … */
  id: string;
  title: string;
  /** Unit of the y axis: "s", "files", "rows/s", "%", "conflicts", "USD". */
  unit: string;
  x: number[];
  series: ReportSeries[];
  /** The monitor's threshold, drawn as a dashed line. */
  threshold?: number;
  /** One sentence under the chart: what it shows and where the figures come from. */
  note: string;
}

/** Everything `lakebundle report` renders; the HTML is a pure function of it (byte-stable). */
export interface ReportData {
  bundle: string;
  /** Where the figures came from, e.g. "local warehouse /tmp/wh". */
  source: string;
  /** When the figures were read (ISO-8601), shown in the header. */
  at: string;
  charts: ReportChart[];
  /** The monitors' current findings, shown as a table (breaches first). */
  findings: Finding[];
}
