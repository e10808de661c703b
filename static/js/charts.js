// Draws every ECharts chart on the page. The server renders each chart's
// option as JSON in a <script type="application/json"> data island next to an
// element with data-chart="<island id>", so no inline script is needed (CSP).
(function () {
  "use strict";
  function drawAll() {
    if (typeof echarts === "undefined") {
      document.querySelectorAll("[data-chart]").forEach(function (el) {
        el.textContent = "Charts need the ECharts asset, which this build does not include.";
      });
      return;
    }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var island = document.getElementById(el.getAttribute("data-chart"));
      if (!island) { return; }
      var option;
      try {
        option = JSON.parse(island.textContent);
      } catch (e) {
        el.textContent = "This chart's data could not be read.";
        return;
      }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      el.clinlmChart = chart;
      window.addEventListener("resize", function () { chart.resize(); });
    });
    document.dispatchEvent(new CustomEvent("clinlm:charts-ready"));
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
