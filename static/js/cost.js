// Break-even calculator (§4.1, equations 4-6): recompute the result and the
// cost chart as the inputs change. The server computes the same numbers from
// the submitted GET form, so the page works without this script.
(function () {
  "use strict";
  var BILLION = 1e9;
  var ZETTA = 1e21;

  function read(form) {
    var v = {};
    var ok = true;
    ["pc", "pg", "tpt", "tft", "tpy", "wc", "wg"].forEach(function (name) {
      var el = form.elements[name];
      var x = el ? parseFloat(el.value) : NaN;
      var positive = name !== "tpt" && name !== "tft";
      if (!isFinite(x) || x < 0 || (positive && x === 0)) { ok = false; }
      v[name] = x;
    });
    if (!ok) { return null; }
    return {
      pc: v.pc * BILLION, pg: v.pg * BILLION, tpt: v.tpt * BILLION, tft: v.tft * BILLION,
      tpy: v.tpy * BILLION, wc: v.wc, wg: v.wg
    };
  }

  // Eq. 6: T_i = 3[w_c P_c (T_pt + T_ft) - w_g P_g T_ft] / (w_g P_g - w_c P_c); null when none.
  function breakEven(x) {
    var den = x.wg * x.pg - x.wc * x.pc;
    if (den <= 0) { return null; }
    return 3 * (x.wc * x.pc * (x.tpt + x.tft) - x.wg * x.pg * x.tft) / den;
  }

  function trim(v, digits) {
    var s = v.toFixed(digits);
    if (s.indexOf(".") >= 0) { s = s.replace(/0+$/, "").replace(/\.$/, ""); }
    return s;
  }

  function count(v) {
    var a = Math.abs(v);
    if (a >= 1e12) { return trim(v / 1e12, 2) + "T"; }
    if (a >= 1e9) { return trim(v / 1e9, 1) + "B"; }
    if (a >= 1e6) { return trim(v / 1e6, 1) + "M"; }
    if (a >= 1e3) { return trim(v / 1e3, 1) + "K"; }
    return trim(v, 2);
  }

  function sci(v) {
    if (v === 0) { return "0"; }
    return v.toExponential(1).toUpperCase().replace(/E([+-])(\d)$/, "E$10$2");
  }

  function set(name, text) {
    document.querySelectorAll('[data-out="' + name + '"]').forEach(function (el) { el.textContent = text; });
  }

  function update(form) {
    var x = read(form);
    if (!x) { return; }
    var be = breakEven(x);
    set("pretrain", sci(6 * x.pc * x.wc * (x.tpt + x.tft)));
    set("clinical-per-token", sci(2 * x.pc * x.wc));
    set("general-per-token", sci(2 * x.pg * x.wg));
    if (be === null) {
      set("breakeven", "never");
      set("years", "–");
      set("message", "The general model costs no more per inference token (w_g·P_g ≤ w_c·P_c), so the clinical model's pretraining is never recovered.");
    } else if (be <= 0) {
      set("breakeven", "0");
      set("years", "0");
      set("message", "The clinical model is cheaper from the first token: finetuning the larger general model costs more than pretraining and finetuning the clinical one.");
    } else {
      set("breakeven", count(be));
      set("years", trim(be / x.tpy, 1));
      set("message", "Below this many inference tokens the general model is cheaper overall; beyond it the clinical model is.");
    }
    redraw(x, be);
  }

  // Redraws the two cost lines (equations 4 and 5) of the chart the server built.
  function redraw(x, be) {
    var el = document.querySelector('[data-chart="cost-curves"]');
    if (!el || !el.clinlmChart) { return; }
    var xmax = (be !== null && be > 0) ? 2 * be : 100 * BILLION;
    function clinical(ti) { return 6 * x.pc * x.wc * (x.tpt + x.tft) + 2 * x.pc * x.wc * ti; }
    function general(ti) { return 6 * x.pg * x.wg * x.tft + 2 * x.pg * x.wg * ti; }
    function line(f) { return [{ value: [0, f(0) / ZETTA] }, { value: [xmax / BILLION, f(xmax) / ZETTA] }]; }
    el.clinlmChart.setOption({ series: [{ data: line(clinical) }, { data: line(general) }] });
  }

  function init() {
    var form = document.querySelector('form[data-testid="cost-form"]');
    if (!form) { return; }
    form.addEventListener("input", function () { update(form); });
    // charts.js may draw before or after this runs: update now and again once it has.
    document.addEventListener("clinlm:charts-ready", function () { update(form); });
    update(form);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
