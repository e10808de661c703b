// A running evaluation's page (/evaluations/{id}): subscribes to the
// evaluation on the /ws/infer websocket (docs/protocol.md, frames of type
// "evaluation") and moves the progress bar, the count, the ETA and the
// running metric as examples finish; once the evaluation has ended the page
// reloads to show the report. Without JavaScript the page reloads itself
// every few seconds instead (a <noscript> refresh); if the websocket
// cannot be opened or drops, this script falls back to reloading.
(() => {
  const facts = document.querySelector('[data-testid="evaluation-facts"]');
  if (!facts || !facts.hasAttribute("data-running")) return;
  const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
  const status = $("evaluation-status");
  const bar = $("evaluation-progress");
  const label = $("evaluation-progress-label");
  const eta = $("evaluation-eta");
  const metric = $("evaluation-running-metric");
  const note = $("evaluation-refresh-note");
  if (note) note.textContent = "Progress updates live.";

  const duration = (s) => {
    s = Math.round(s);
    return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  };
  let ended = false;
  const show = (j) => {
    status.textContent = j.status;
    if (bar) {
      bar.max = Math.max(j.items, 1);
      bar.value = j.done;
      bar.textContent = `${j.done} / ${j.items}`;
    }
    if (label) label.textContent = `${j.done} of ${j.items} examples`;
    if (eta) eta.textContent = j.eta_seconds != null ? `about ${duration(j.eta_seconds)} left` : "";
    if (metric) metric.textContent = j.metric ? `${j.metric.name} ${j.metric.value.toFixed(4)} so far` : "";
  };

  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/infer`);
  ws.addEventListener("open", () => {
    ws.send(JSON.stringify({ id: "progress", type: "evaluation", evaluation: facts.dataset.evaluation }));
  });
  ws.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "evaluation") {
      show(frame.evaluation);
      if (frame.evaluation.status === "queued" || frame.evaluation.status === "running") return;
    }
    // Finished (or the server no longer has it): the page itself says how it ended.
    ended = true;
    ws.close();
    location.reload();
  });
  ws.addEventListener("close", () => {
    if (!ended) setTimeout(() => location.reload(), 2000);
  });
})();
