/**
 * The AI/BI (Lakeview) dashboard document, `.lvdash.json`: datasets (a name and the SQL as `queryLines`)
 * and pages whose layout places widgets on a 6-column grid; a widget queries one dataset by name, selects
 * fields as expressions over the dataset's columns and maps them to encodings. Shapes follow dashboards
 * exported by Databricks (databricks/bundle-examples: knowledge_base/dashboard_nyc_taxi) and the
 * dashboard API (https://docs.databricks.com/api/workspace/lakeview/create). Names are readable and
 * stable (no generated ids), so the document is byte-stable.
 */
export interface LakeviewDashboard {
  datasets: LakeviewDataset[];
  pages: LakeviewPage[];
}

export interface LakeviewDataset {
  name: string;
  displayName: string;
  queryLines: string[];
}

export interface LakeviewPage {
  name: string;
  displayName: string;
  pageType: "PAGE_TYPE_CANVAS";
  layout: { widget: LakeviewWidget; position: { x: number; y: number; width: number; height: number } }[];
}

export interface LakeviewField {
  name: string;
  expression: string;
}

export interface LakeviewWidget {
  name: string;
  queries?: { name: string; query: { datasetName: string; fields: LakeviewField[]; disaggregated: boolean } }[];
  spec?: Record<string, unknown>;
  multilineTextboxSpec?: { lines: string[] };
}

/** A dataset; its SQL as the exported format keeps it, one entry per line. */
export function dataset(name: string, displayName: string, sql: string): LakeviewDataset {
  const lines = sql.split("\n");
  return { name, displayName, queryLines: lines.map((l, i) => (i < lines.length - 1 ? `${l}\n` : l)) };
}

/** A column as a widget field; `agg` aggregates it over the widget's other fields. */
export interface Column {
  column: string;
  title: string;
  agg?: "SUM" | "MAX" | "MIN" | "AVG";
}

function field(c: Column): LakeviewField {
  return c.agg ? { name: `${c.agg.toLowerCase()}(${c.column})`, expression: `${c.agg}(\`${c.column}\`)` } : { name: c.column, expression: `\`${c.column}\`` };
}

function query(datasetName: string, fields: LakeviewField[], disaggregated: boolean): LakeviewWidget["queries"] {
  return [{ name: "main_query", query: { datasetName, fields, disaggregated } }];
}

/** A line or bar chart over time: x temporal, y one aggregated measure, optionally one series per `color` value. */
export function timeChart(kind: "line" | "bar", name: string, datasetName: string, title: string, x: Column, y: Column, color?: Column): LakeviewWidget {
  const cols = [x, y, ...(color ? [color] : [])];
  const encoding = (c: Column, scale: string) => ({ fieldName: field(c).name, displayName: c.title, scale: { type: scale } });
  return {
    name,
    queries: query(datasetName, cols.map(field), false),
    spec: {
      version: 3,
      widgetType: kind,
      encodings: {
        x: encoding(x, "temporal"),
        y: encoding(y, "quantitative"),
        ...(color ? { color: encoding(color, "categorical") } : {}),
      },
      frame: { showTitle: true, title },
    },
  };
}

/** A table of rows as the dataset returns them. */
export function tableWidget(name: string, datasetName: string, title: string, columns: readonly Column[]): LakeviewWidget {
  return {
    name,
    queries: query(datasetName, columns.map(field), true),
    spec: {
      version: 2,
      widgetType: "table",
      encodings: { columns: columns.map((c) => ({ fieldName: c.column, displayName: c.title })) },
      frame: { showTitle: true, title },
    },
  };
}

export function textWidget(name: string, lines: readonly string[]): LakeviewWidget {
  return { name, multilineTextboxSpec: { lines: [...lines] } };
}

/** Grid width of a dashboard page (columns). */
const GRID = 6;

/**
 * A page laid out top to bottom: a text widget spans the page, charts take half of it side by side,
 * tables the whole width.
 */
export function page(name: string, displayName: string, widgets: readonly LakeviewWidget[]): LakeviewPage {
  const layout: LakeviewPage["layout"] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const widget of widgets) {
    const type = widget.spec?.widgetType;
    const width = type === "line" || type === "bar" ? GRID / 2 : GRID;
    const height = widget.multilineTextboxSpec ? 2 : 6;
    if (x + width > GRID) {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    layout.push({ widget, position: { x, y, width, height } });
    x += width;
    rowHeight = Math.max(rowHeight, height);
  }
  return { name, displayName, pageType: "PAGE_TYPE_CANVAS", layout };
}
