// Draws the dashboards' charts with Chart.js from the data the page carries in
// <script type="application/json" id="dashboard-charts">. Each chart has the same
// figures in a table beside it, so the page says everything without this script.
(function () {
  "use strict";

  var PALETTE = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997"];

  function draw(spec) {
    var canvas = document.getElementById("chart-" + spec.id);
    if (!canvas || typeof window.Chart === "undefined") {
      return;
    }
    var datasets = spec.datasets.map(function (dataset, index) {
      var colour = PALETTE[index % PALETTE.length];
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: spec.type === "line" ? colour : colour + "cc",
        borderColor: colour,
        borderWidth: spec.type === "line" ? 2 : 0,
        spanGaps: false,
        tension: 0.2
      };
    });
    var valueAxis = {
      beginAtZero: true,
      stacked: spec.stacked,
      ticks: spec.percent ? { callback: function (value) { return value + " %"; } } : {}
    };
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        // The height comes from .portal-chart, so a full-width chart stays as tall as the others.
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: datasets.length > 1, position: "bottom" } },
        scales: { x: { stacked: spec.stacked }, y: valueAxis }
      }
    });
  }

  function start() {
    var data = document.getElementById("dashboard-charts");
    if (!data) {
      return;
    }
    JSON.parse(data.textContent).forEach(draw);
    document.documentElement.dataset.chartsReady = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
