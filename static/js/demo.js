// Live demo pages (/demo/nli, /demo/qa, /demo/clip): runs the form over the
// /ws/infer websocket (docs/protocol.md) and renders each model's answer as
// it arrives, one column per ticked model. The note travels only inside
// websocket frames, never in a URL. Without this script the form POSTs and the
// server renders the same results.
(() => {
  "use strict";
  const root = document.getElementById("demo");
  const form = document.getElementById("demo-form");
  if (!root || !form) return;
  const task = root.dataset.task;
  const results = document.getElementById("demo-results");
  const status = document.getElementById("demo-status");
  const slider = document.getElementById("threshold");
  const sliderOut = document.getElementById("threshold-value");
  const legend = [...document.querySelectorAll(".demo-legend .chip")].map((el) => el.textContent.trim());

  let socket = null;
  let opening = null;
  let run = 0;
  const pending = new Map(); // frame id -> {column, started, model, values, sentences}
  const columns = new WeakMap(); // finished column -> its request, for re-thresholding

  const el = (tag, props = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  };
  const fmt = (x) => Number(x).toFixed(3);
  // What a text-to-text model wrote (the answer's optional "generated"),
  // quoted as text, never parsed as HTML; null when the answer has none.
  const modelWrote = (text) => (typeof text === "string"
    ? el("span", { class: "generated muted", "data-testid": "generated" }, "model wrote: ", el("q", { text }))
    : null);
  const ms = (x) => `${Number(x).toFixed(1)} ms`;

  function connect() {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
    if (opening) return opening;
    opening = new Promise((resolve, reject) => {
      const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/infer`);
      ws.addEventListener("open", () => { socket = ws; opening = null; resolve(ws); });
      ws.addEventListener("error", () => { opening = null; reject(new Error("could not open the websocket /ws/infer")); });
      ws.addEventListener("message", (ev) => onFrame(JSON.parse(ev.data)));
      ws.addEventListener("close", () => {
        socket = null;
        for (const [id, p] of pending) {
          showError(p, { code: "closed", message: "the connection closed before the answer came" });
          pending.delete(id);
        }
        updateStatus();
      });
    });
    return opening;
  }

  function inputOf(values) {
    if (task === "nli") return { premise: values.premise, hypothesis: values.hypothesis };
    if (task === "qa") return { context: values.context, question: values.question, top_k: 5 };
    return { text: values.text };
  }

  function formValues() {
    const values = {};
    for (const f of form.querySelectorAll("textarea, input[type=text]")) values[f.name] = f.value;
    return values;
  }

  function updateStatus(extra) {
    const n = pending.size;
    status.textContent = extra || (n > 0 ? `waiting for ${n} model${n > 1 ? "s" : ""}…` : "");
  }

  async function start(ev) {
    ev.preventDefault();
    const models = [...form.querySelectorAll("input[name=model]:checked")].map((x) => x.value);
    if (models.length === 0) { updateStatus("Tick at least one model."); return; }
    const values = formValues();
    const input = inputOf(values);
    run += 1;
    pending.clear();
    results.replaceChildren();
    const frames = models.map((model, i) => {
      const column = el("article", { class: "demo-result", "data-model": model, "aria-busy": "true" },
        el("h3", { text: model }), el("p", { class: "timing muted", text: "running…" }), el("div", { class: "body" }));
      results.append(column);
      const id = `r${run}-${i}`;
      pending.set(id, { column, model, started: 0, values, sentences: [] });
      return { id, model, input };
    });
    updateStatus();
    let ws;
    try {
      ws = await connect();
    } catch (err) {
      for (const p of pending.values()) showError(p, { code: "unavailable", message: err.message });
      pending.clear();
      updateStatus();
      return;
    }
    for (const f of frames) {
      const p = pending.get(f.id);
      if (!p) continue;
      p.started = performance.now();
      ws.send(JSON.stringify(f));
    }
  }

  function onFrame(frame) {
    const p = pending.get(frame.id);
    if (!p) return; // an answer to an earlier run
    if (frame.type === "partial" && frame.sentence) {
      p.sentences.push(frame.sentence);
      renderCLIP(p, p.sentences.slice().sort((a, b) => a.start - b.start));
      return;
    }
    pending.delete(frame.id);
    if (frame.type === "error") showError(p, frame.error || { code: "internal", message: "unknown error" });
    else if (frame.type === "result") showResult(p, frame);
    updateStatus();
  }

  function showError(p, err) {
    p.column.removeAttribute("aria-busy");
    p.column.querySelector(".timing").textContent = "";
    p.column.querySelector(".body").replaceChildren(el("p", { class: "error-message", text: `${err.code}: ${err.message}` }));
  }

  function showResult(p, frame) {
    const t = frame.timing || {};
    const total = performance.now() - p.started;
    p.column.querySelector(".timing").textContent =
      `queue ${ms(t.queue_ms)} · tokenize ${ms(t.tokenize_ms)} · run ${ms(t.run_ms)} · round trip ${ms(total)}`;
    p.column.removeAttribute("aria-busy");
    p.column.dataset.done = "true";
    columns.set(p.column, p);
    const out = frame.output || {};
    if (task === "nli") renderNLI(p, out);
    else if (task === "qa") renderQA(p, out);
    else {
      p.thresholds = out.thresholds || {};
      renderCLIP(p, out.sentences || []);
    }
  }

  function renderNLI(p, out) {
    const table = el("table", { class: "bars", "data-testid": "nli-bars" });
    for (const l of out.labels || []) {
      const fill = el("span");
      fill.style.width = `${(100 * l.score).toFixed(1)}%`;
      table.append(el("tr", {}, el("th", { scope: "row", text: l.label }),
        el("td", {}, el("div", { class: "bar", role: "img", "aria-label": `${l.label} ${fmt(l.score)}` }, fill)),
        el("td", { class: "num", text: fmt(l.score) })));
    }
    const top = (out.labels || [])[0];
    const body = [table];
    if (top) {
      // Words for the top probability, as the AllenNLP entailment demo puts them.
      const words = top.score >= 0.75 ? "very likely" : top.score >= 0.5 ? "somewhat likely" : "not confident";
      body.unshift(el("p", { class: "verdict", "data-testid": "nli-verdict", text: `${top.label}: ${words} (${fmt(top.score)})` }));
    }
    const wrote = modelWrote(out.generated);
    if (wrote) body.push(el("p", {}, wrote));
    p.column.querySelector(".body").replaceChildren(...body);
  }

  // Answers carry code-point offsets into the report: index an array of code
  // points, not the UTF-16 string.
  function renderQA(p, out) {
    const chars = Array.from(p.values.context || "");
    const answers = out.answers || [];
    const rank = new Array(chars.length).fill(0);
    for (let i = answers.length - 1; i >= 0; i--) {
      const a = answers[i];
      for (let j = Math.max(0, a.start); j < Math.min(a.end, chars.length); j++) rank[j] = i + 1;
    }
    const ctx = el("p", { class: "qa-context", "data-testid": "qa-context" });
    let s = 0;
    for (let j = 1; j <= chars.length; j++) {
      if (j < chars.length && rank[j] === rank[s]) continue;
      const text = chars.slice(s, j).join("");
      ctx.append(rank[s] > 0 ? el("mark", { class: `rank-${rank[s]}`, title: `answer ${rank[s]}`, text }) : text);
      s = j;
    }
    const list = el("ol", { class: "answers", "data-testid": "qa-answers" });
    for (const a of answers) {
      list.append(el("li", {}, el("q", { text: a.text }), " ",
        el("span", { class: "muted", text: `${fmt(a.score)} · characters ${a.start}–${a.end}` })));
    }
    const body = [ctx, list];
    if (out.no_answer_score !== undefined) body.push(el("p", { class: "muted", text: `no-answer score ${fmt(out.no_answer_score)}` }));
    // A text-to-text answer that is not in the report is dropped from the
    // list; what the model wrote still shows.
    const wrote = modelWrote(out.generated);
    if (wrote) body.push(el("p", {}, wrote));
    p.column.querySelector(".body").replaceChildren(...body);
  }

  function threshold() { return slider ? Number(slider.value) : 0.5; }

  // Where a label is cut: the model's own tuned threshold for it (sent with the result), unless the user
  // asked for one threshold for every label. Partial sentences arrive before the thresholds: 0.5 until then.
  const modelCuts = document.getElementById("model-thresholds");
  function cutFor(p, label) {
    if (modelCuts && !modelCuts.checked) return threshold();
    const t = p.thresholds ? p.thresholds[label] : undefined;
    return t === undefined ? 0.5 : t;
  }

  function labelClass(label) {
    const i = legend.indexOf(label);
    return `chip lab-${i < 0 ? 6 : i}`;
  }

  function renderCLIP(p, sentences) {
    p.sentences = sentences;
    const list = el("ol", { class: "sentences", "data-testid": "clip-sentences" });
    for (const s of sentences) {
      const li = el("li", {}, el("span", { text: s.text }));
      for (const l of s.labels || []) {
        if (l.score >= cutFor(p, l.label)) li.append(el("span", { class: labelClass(l.label), text: `${l.label} ${fmt(l.score)}` }));
      }
      const wrote = modelWrote(s.generated);
      if (wrote) li.append(" ", wrote);
      list.append(li);
    }
    p.column.querySelector(".body").replaceChildren(list);
  }

  // Re-threshold every CLIP column client-side, without re-running.
  function rethreshold() {
    if (sliderOut) sliderOut.textContent = threshold().toFixed(2);
    for (const column of results.querySelectorAll(".demo-result[data-done]")) {
      const p = columns.get(column);
      if (p) renderCLIP(p, p.sentences);
    }
  }
  form.addEventListener("submit", (ev) => { start(ev); });
  if (slider) slider.addEventListener("input", () => { if (modelCuts) modelCuts.checked = false; rethreshold(); });
  if (modelCuts) modelCuts.addEventListener("change", rethreshold);
  for (const a of document.querySelectorAll(".demo-gallery a.sample")) {
    a.addEventListener("click", (ev) => {
      ev.preventDefault();
      const values = JSON.parse(a.dataset.values || "{}");
      for (const [name, value] of Object.entries(values)) {
        const field = form.elements.namedItem(name);
        if (field) field.value = value;
      }
      for (const other of document.querySelectorAll(".demo-gallery a.sample")) other.removeAttribute("aria-current");
      a.setAttribute("aria-current", "true");
    });
  }
})();
