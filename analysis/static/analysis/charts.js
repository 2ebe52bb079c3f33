// Draws the figures a dashboard page embedded as JSON (<script type="application/json">)
// into their <div class="chart" data-figure="ID">. The tables next to the charts carry the
// same numbers, so without this script (or plotly.js) nothing is lost but the pictures.
(function () {
  "use strict";
  function draw() {
    if (typeof window.Plotly === "undefined") { return; }
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source || el.getAttribute("data-drawn")) { return; }
      var fig = JSON.parse(source.textContent);
      el.setAttribute("data-drawn", "1");
      el.classList.add("drawn");
      window.Plotly.newPlot(el, fig.data, fig.layout, fig.config || {});
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  // Pages whose parts htmx swaps in draw their new figures too.
  document.addEventListener("htmx:afterSettle", draw);
})();
