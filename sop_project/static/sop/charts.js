// Draws the page's charts from json_script data with Chart.js (installed from npm, served
// locally). Re-runs after every htmx swap so refreshed fragments (live screens) get fresh
// charts. Printed, the charts are drawn at once, without animation, at the paper's width: a
// print preview taken mid-animation would show half-drawn bars.
(function () {
  "use strict";
  const charts = new Map();
  const print = window.matchMedia("print");
  let printing = print.matches;

  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // Every chart names its axes (the words come from the page, in its language).
  function axis(text, extra) {
    return Object.assign({ title: { display: true, text: text } }, extra || {});
  }

  function draw(canvas, config) {
    if (charts.has(canvas)) charts.get(canvas).destroy();
    if (printing) config.options.animation = false;
    charts.set(canvas, new window.Chart(canvas, config));
  }

  // A refreshed region's old canvases are gone from the page: free their charts.
  function forgetDetached() {
    charts.forEach((chart, canvas) => {
      if (!canvas.isConnected) {
        chart.destroy();
        charts.delete(canvas);
      }
    });
  }

  // Into print (the browser's beforeprint, or the print media query, which emulation and
  // some browsers' previews switch without beforeprint) and back out of it.
  function followPrint(now) {
    if (now === printing) return;
    printing = now;
    charts.forEach((chart) => {
      chart.options.animation = printing ? false : undefined;
      chart.stop();
      chart.resize();
      chart.update("none");
    });
  }

  const builders = {
    balance(canvas) {
      const d = data("analysis-data"), t = data("chart-labels");
      draw(canvas, {
        data: {
          labels: d.labels,
          datasets: [
            { type: "bar", label: t.demand, data: d.demand, backgroundColor: "#9fb8d6" },
            { type: "bar", label: t.production, data: d.production, backgroundColor: "#1f5fa8" },
            { type: "line", label: t.closing, data: d.closing, borderColor: "#c0392b", tension: 0.2 },
            { type: "line", label: t.safety, data: d.safety, borderColor: "#2e7d32", borderDash: [6, 4], pointRadius: 0 },
          ],
        },
        options: {
          responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
          scales: { x: axis(t.axis_month), y: axis(t.axis_stock) },
        },
      });
    },
    utilization(canvas) {
      const d = data("analysis-data"), t = data("chart-labels");
      draw(canvas, {
        type: "line",
        data: {
          labels: d.labels,
          datasets: [
            { label: t.utilization, data: d.utilization, borderColor: "#1f5fa8", yAxisID: "pct" },
            { label: t.capacity, data: d.capacity, borderColor: "#b26a00", borderDash: [4, 4], yAxisID: "units" },
            { label: t.production, data: d.production, borderColor: "#5f6b7a", yAxisID: "units" },
          ],
        },
        options: {
          responsive: true, maintainAspectRatio: false,
          scales: {
            x: axis(t.axis_month),
            pct: axis(t.axis_percent, { position: "left", suggestedMin: 0, suggestedMax: 100 }),
            units: axis(t.axis_units, { position: "right", grid: { drawOnChartArea: false } }),
          },
        },
      });
    },
    finance(canvas) {
      const d = data("finance-data"), t = data("chart-labels");
      draw(canvas, {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [
            { label: t.inventory, data: d.inventory, backgroundColor: "#1f5fa8" },
            { label: t.revenue, data: d.revenue, backgroundColor: "#9fb8d6" },
            { label: t.at_risk, data: d.at_risk, backgroundColor: "#c0392b" },
          ],
        },
        options: {
          responsive: true, maintainAspectRatio: false,
          scales: { x: axis(t.axis_month), y: axis(t.axis_amount) },
        },
      });
    },
    maturity(canvas) {
      const d = data("maturity-data");
      const palette = ["#1f5fa8", "#c0392b", "#2e7d32", "#b26a00"];
      draw(canvas, {
        type: "line",
        data: {
          datasets: Object.entries(d).map(([unit, points], i) => ({
            label: unit, data: points, borderColor: palette[i % palette.length], stepped: true,
          })),
        },
        options: {
          responsive: true, maintainAspectRatio: false, parsing: { xAxisKey: "x", yAxisKey: "y" },
          scales: { x: { type: "category", labels: [...new Set(Object.values(d).flat().map((p) => p.x))].sort() },
                    y: { min: 1, max: 5, ticks: { stepSize: 1, callback: (v) => "L" + v } } },
        },
      });
    },
  };

  function drawAll(root) {
    if (!window.Chart) return; // the tables carry the same numbers
    forgetDetached();
    root.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const build = builders[canvas.dataset.chart];
      if (build) build(canvas);
    });
  }

  document.addEventListener("DOMContentLoaded", () => drawAll(document));
  window.addEventListener("beforeprint", () => followPrint(true));
  window.addEventListener("afterprint", () => followPrint(print.matches));
  print.addEventListener("change", () => followPrint(print.matches));
  document.addEventListener("htmx:afterSwap", (event) => drawAll(event.detail.elt.parentNode || document));
  // A region a live screen refreshed from a fresh page (live.js).
  document.addEventListener("sop:region-refreshed", (event) => drawAll(event.detail.region));
})();
