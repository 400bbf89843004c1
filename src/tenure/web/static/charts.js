// Draws every figure the page carries as <script type="application/json" data-chart="ID">
// (plotly's fig.to_json()) into the element ID, with plotly.js served from /static: no
// inline script, so the Content-Security-Policy default-src 'self' holds.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll('script[type="application/json"][data-chart]').forEach(function (el) {
    var target = document.getElementById(el.dataset.chart);
    if (!target || typeof Plotly === "undefined") { return; }
    var fig = JSON.parse(el.textContent);
    Plotly.newPlot(target, fig.data, fig.layout || {}, {responsive: true, displaylogo: false});
  });
});
