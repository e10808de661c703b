// Leaderboard filters: submit the GET form as soon as a control changes, so
// the server re-renders the table and the URL stays the permalink. Without
// JavaScript the Apply button does the same.
(function () {
  "use strict";
  function init() {
    var form = document.querySelector("form.filters");
    if (!form) { return; }
    form.addEventListener("change", function () {
      if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
