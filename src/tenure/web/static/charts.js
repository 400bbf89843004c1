// Draws every figure carried as <script type="application/json" data-chart="ID">
// (plotly's fig.to_json()) into the element ID, with plotly.js served from /static: no
// inline script, so the Content-Security-Policy default-src 'self' holds.
// tenureCharts.draw(root) draws those inside root (panels.js calls it on each fragment it
// inserts); the page's own are drawn once the document is parsed.
(function () {
  function draw(root) {
    root.querySelectorAll('script[type="application/json"][data-chart]').forEach(function (el) {
      var target = document.getElementById(el.dataset.chart);
      if (!target || typeof Plotly === "undefined") { return; }
      var fig = JSON.parse(el.textContent);
      Plotly.newPlot(target, fig.data, fig.layout || {}, {responsive: true, displaylogo: false});
    });
  }
  window.tenureCharts = {draw: draw};
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
})();
