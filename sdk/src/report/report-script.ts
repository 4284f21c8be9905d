/**
 * The report's in-page script: reads the embedded JSON and draws one uPlot chart per non-empty chart.
 * Kept as plain browser JavaScript in a string (not a transpiled function's source) so the HTML is the
 * same bytes whatever tool runs the SDK. It sets body[data-rendered] to the number of charts drawn
 * when it is done, also when a chart failed (that chart shows the error and logs it to the console).
 */
export const reportScript = `(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var HEIGHT = 260;
  var palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf"];
  var number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
  var fmt = function (v) { return v == null ? "" : number.format(v); };
  // the report states times in UTC (as the header's ISO timestamp), whatever the viewer's time zone
  var utc = function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); };
  // 24-hour ISO-style tick labels (uPlot's default is US 12-hour): [min tick secs, label, on a new
  // year, month, day, hour, minute, second, 1 = append the roll-over part to the label]
  var m = 60, h = 3600, d = 86400;
  var timeTicks = [
    [365 * d, "{YYYY}", null, null, null, null, null, null, 1],
    [28 * d, "{YYYY}-{MM}", null, null, null, null, null, null, 1],
    [d, "{MM}-{DD}", "\\n{YYYY}", null, null, null, null, null, 1],
    [h, "{HH}:{mm}", "\\n{YYYY}-{MM}-{DD}", null, "\\n{MM}-{DD}", null, null, null, 1],
    [m, "{HH}:{mm}", "\\n{YYYY}-{MM}-{DD}", null, "\\n{MM}-{DD}", null, null, null, 1],
    [1, "{HH}:{mm}:{ss}", "\\n{YYYY}-{MM}-{DD}", null, "\\n{MM}-{DD}", null, null, null, 1],
  ];
  var plots = [];
  var drawn = 0;

  data.charts.forEach(function (chart) {
    if (chart.x.length === 0) return;
    var el = document.getElementById("chart-" + chart.id);
    try {
      var plot = new uPlot(options(chart, el.clientWidth), columns(chart), el);
      plots.push([plot, el]);
      drawn++;
    } catch (err) {
      el.textContent = "this chart could not be drawn: " + err;
      console.error("chart " + chart.id + ":", err);
    }
  });

  function options(chart, width) {
    var unit = chart.unit ? " " + chart.unit : "";
    var legendValue = function (u, v) { return v == null ? "--" : fmt(v) + unit; };
    var series = [{ label: "time (UTC)", value: "{YYYY}-{MM}-{DD} {HH}:{mm}" }];
    chart.series.forEach(function (s, i) {
      series.push({ label: s.label, stroke: palette[i % palette.length], width: 2, value: legendValue });
    });
    if (chart.threshold != null) {
      series.push({ label: "threshold", stroke: "#d62728", width: 1.5, dash: [6, 4], points: { show: false }, value: legendValue });
    }
    return {
      width: width,
      height: HEIGHT,
      tzDate: utc,
      scales: { x: { time: true } },
      axes: [{ values: timeTicks }, { label: chart.unit, values: function (u, splits) { return splits.map(fmt); } }],
      series: series,
    };
  }

  // uPlot's columnar data: x, then one column per series, then the threshold as a constant column
  function columns(chart) {
    var cols = [chart.x].concat(chart.series.map(function (s) { return s.values; }));
    if (chart.threshold != null) cols.push(chart.x.map(function () { return chart.threshold; }));
    return cols;
  }

  addEventListener("resize", function () {
    plots.forEach(function (p) { p[0].setSize({ width: p[1].clientWidth, height: HEIGHT }); });
  });
  document.body.dataset.rendered = String(drawn);
})();
`;
