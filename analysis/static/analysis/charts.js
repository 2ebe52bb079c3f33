// Draws the figures a dashboard page embedded as JSON (<script type="application/json">)
// into their <div class="chart" data-figure="ID">. The tables next to the charts carry the
// same numbers, so without this script (or plotly.js) nothing is lost but the pictures.
//
// plotly.js (data-plotly on this script's tag) is 4.8 MB of JavaScript: it is fetched only on
// a page that has a figure, and only after the page's load event, so the text and tables are
// shown and usable first and the browser's load indicator stops; the charts follow.
(function () {
  "use strict";
  var script = document.currentScript;
  var plotlySrc = script ? script.getAttribute("data-plotly") : null;
  var requested = false;

  function requestPlotly() {
    if (requested || !plotlySrc) { return; }
    requested = true;
    var tag = document.createElement("script");
    tag.src = plotlySrc;
    tag.async = true;
    tag.addEventListener("load", draw);
    document.head.appendChild(tag);
  }

  function draw() {
    var figures = document.querySelectorAll("[data-figure]:not([data-drawn])");
    if (!figures.length) { return; }
    if (typeof window.Plotly === "undefined") { requestPlotly(); return; }
    figures.forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source) { return; }
      var fig = JSON.parse(source.textContent);
      el.setAttribute("data-drawn", "1");
      el.classList.add("drawn");
      window.Plotly.newPlot(el, fig.data, fig.layout, fig.config || {});
    });
  }

  if (document.readyState === "complete") {
    draw();
  } else {
    window.addEventListener("load", draw);
  }
  // Pages whose parts htmx swaps in draw their new figures too.
  document.addEventListener("htmx:afterSettle", draw);
})();
