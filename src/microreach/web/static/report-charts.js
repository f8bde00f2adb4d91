/* Draws the report's charts with the vendored Chart.js from the JSON in
   <script type="application/json" data-chart="canvas id"> blocks (no inline script: the CSP
   allows only this origin's files). Each series differs by dash pattern and point shape (lines)
   or hatching (bars) as well as colour; intervals are a band (lines) or error bars (bars). */
(function () {
  "use strict";

  function hatch(kind, color) {
    var size = 8;
    var canvas = document.createElement("canvas");
    canvas.width = size;
    canvas.height = size;
    var ctx = canvas.getContext("2d");
    ctx.globalAlpha = kind === "solid" ? 0.85 : 0.3;
    ctx.fillStyle = color;
    ctx.fillRect(0, 0, size, size);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    if (kind === "diagonal") {
      ctx.moveTo(0, size); ctx.lineTo(size, 0);
      ctx.moveTo(-2, 2); ctx.lineTo(2, -2);
      ctx.moveTo(size - 2, size + 2); ctx.lineTo(size + 2, size - 2);
    } else if (kind === "horizontal" || kind === "cross") {
      ctx.moveTo(0, size / 2); ctx.lineTo(size, size / 2);
    }
    if (kind === "vertical" || kind === "cross") {
      ctx.moveTo(size / 2, 0); ctx.lineTo(size / 2, size);
    }
    ctx.stroke();
    if (kind === "dots") {
      ctx.beginPath();
      ctx.arc(size / 2, size / 2, 1.6, 0, 2 * Math.PI);
      ctx.fill();
    }
    return ctx.createPattern(canvas, "repeat");
  }

  function translucent(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  // Error bars for bar charts: a whisker from low to high with caps, drawn over each bar.
  var errorBars = {
    id: "microreachErrorBars",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var scale = chart.scales.y;
      chart.data.datasets.forEach(function (dataset, index) {
        if (!dataset.errorLow || !dataset.errorHigh || !chart.isDatasetVisible(index)) return;
        chart.getDatasetMeta(index).data.forEach(function (bar, i) {
          var low = dataset.errorLow[i], high = dataset.errorHigh[i];
          if (low === null || high === null || dataset.data[i].y === null) return;
          var yLow = scale.getPixelForValue(low), yHigh = scale.getPixelForValue(high);
          ctx.save();
          ctx.strokeStyle = getComputedStyle(chart.canvas).color || "#222";
          ctx.lineWidth = 1.5;
          ctx.beginPath();
          ctx.moveTo(bar.x, yLow); ctx.lineTo(bar.x, yHigh);
          ctx.moveTo(bar.x - 5, yLow); ctx.lineTo(bar.x + 5, yLow);
          ctx.moveTo(bar.x - 5, yHigh); ctx.lineTo(bar.x + 5, yHigh);
          ctx.stroke();
          ctx.restore();
        });
      });
    }
  };

  // Tooltips only: the exact figures are in each chart's data table, formatted by the server.
  function withUnit(value, unit) {
    if (value === null || value === undefined) return "n/a";
    var text = value.toLocaleString(undefined, { maximumFractionDigits: Math.abs(value) < 1 ? 4 : 2 });
    return unit === "%" ? text + "%" : unit ? text + " " + unit : text;
  }

  // Each series keeps its own x labels: {x, y} points on the shared category axis.
  function xy(points, values) {
    return points.map(function (p, i) { return { x: p[0], y: values ? values[i] : p[1] }; });
  }

  function lineDatasets(series) {
    var sets = [];
    series.forEach(function (s) {
      sets.push({
        label: s.label,
        data: xy(s.points),
        borderColor: s.color,
        backgroundColor: s.color,
        borderDash: s.dash,
        pointStyle: s.point,
        pointRadius: 4,
        pointHoverRadius: 6,
        borderWidth: 2,
        spanGaps: false,
        order: 1
      });
      if (s.low && s.high) {
        sets.push({ label: s.label + " (low)", data: xy(s.points, s.low), band: true, pointRadius: 0,
                    borderWidth: 0, fill: false, order: 2 });
        sets.push({ label: s.label + " (interval)", data: xy(s.points, s.high), band: true, pointRadius: 0,
                    borderWidth: 0, fill: "-1", backgroundColor: translucent(s.color, 0.18),
                    order: 2 });
      }
    });
    return sets;
  }

  function barDatasets(series) {
    return series.map(function (s) {
      return {
        label: s.label,
        data: xy(s.points),
        backgroundColor: hatch(s.hatch, s.color),
        borderColor: s.color,
        borderWidth: 1.5,
        errorLow: s.low,
        errorHigh: s.high
      };
    });
  }

  function draw(node) {
    var spec = JSON.parse(node.textContent);
    var canvas = document.getElementById(node.getAttribute("data-chart"));
    if (!canvas || typeof Chart === "undefined") return;
    var line = spec.kind === "line";
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    new Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets: line ? lineDatasets(spec.series) : barDatasets(spec.series) },
      plugins: [errorBars],
      options: {
        maintainAspectRatio: false,
        animation: still ? false : undefined,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { title: { display: true, text: spec.x_label } },
          y: { beginAtZero: true, title: { display: true, text: spec.y_label } }
        },
        plugins: {
          legend: {
            labels: {
              usePointStyle: line,
              filter: function (item, data) { return !data.datasets[item.datasetIndex].band; }
            }
          },
          tooltip: {
            filter: function (item) { return !item.dataset.band; },
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + withUnit(item.parsed.y, spec.unit);
              },
              afterLabel: function (item) {
                var d = item.dataset;
                if (!d.errorLow || d.errorLow[item.dataIndex] === null) return "";
                return "interval " + withUnit(d.errorLow[item.dataIndex], spec.unit) + " to " +
                  withUnit(d.errorHigh[item.dataIndex], spec.unit);
              }
            }
          }
        }
      }
    });
  }

  function start() {
    document.querySelectorAll("script[type='application/json'][data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
