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
  const explaining = new Map(); // saliency frame id -> the column's request
  let explainSeq = 0;
  const wantSaliency = document.getElementById("saliency");
  const columns = new WeakMap(); // finished column -> its request, for re-thresholding

  const { el } = window.clinlm; // static/js/dom.js
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
        for (const p of [...explaining.values()]) {
          finishSaliency(p, { type: "error", error: { code: "closed", message: "the connection closed before the answer came" } });
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
    // Word importance still running for the previous columns is no longer wanted.
    if (socket && socket.readyState === WebSocket.OPEN) {
      for (const id of explaining.keys()) socket.send(JSON.stringify({ id, type: "cancel" }));
    }
    explaining.clear();
    results.replaceChildren();
    const frames = models.map((model, i) => {
      const column = el("article", { class: "demo-result", "data-model": model, "aria-busy": "true" },
        el("h3", { text: model }), el("p", { class: "timing muted", text: "running…" }), el("div", { class: "body" }),
        el("div", { class: "unseen-box" }), el("div", { class: "saliency-box" }));
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
    const explained = explaining.get(frame.id);
    if (explained) { onSaliencyFrame(explained, frame); return; }
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
    renderTruncation(p, out);
    setupSaliency(p);
  }

  // --- Truncation and word importance (docs/protocol.md, saliency). The server renders the same for the
  // no-JavaScript form (server/demo_saliency.go, components/demo.templ).

  const fieldLabel = (name) => {
    const label = form.querySelector(`label[for="field-${name}"]`);
    return label ? label.textContent.trim() : name;
  };
  const fieldOrder = () => [...form.querySelectorAll("textarea, input[type=text]")].map((f) => f.name);
  const signed = (x) => `${x < 0 ? "-" : "+"}${Math.abs(Number(x)).toFixed(3)}`;

  // The text in pieces: words shaded by importance (tooltip: the score), the text between them, and from code
  // point cut on (cut < 0: none) the part the model never saw.
  function shadedText(text, words, field, scale, cut) {
    const chars = Array.from(text || "");
    const out = el("p", { class: "shaded" });
    const plain = (a, b) => { if (a < b) out.append(chars.slice(a, b).join("")); };
    let pos = 0;
    for (const w of words) {
      if (w.field !== field || w.start < pos || w.end > chars.length) continue;
      plain(pos, w.start);
      out.append(el("span", { class: shade(w.score, scale), title: `importance ${signed(w.score)}`, text: chars.slice(w.start, w.end).join("") }));
      pos = w.end;
    }
    if (cut < 0 || cut >= chars.length) { plain(pos, chars.length); return out; }
    plain(pos, cut);
    out.append(el("span", { class: "unseen", title: "not seen by the model", text: chars.slice(Math.max(pos, cut)).join("") }));
    return out;
  }

  function shade(score, scale) {
    const a = Math.abs(score);
    const level = Math.min(4, Math.ceil((4 * a) / scale - 1e-9));
    if (a < 0.005 || level <= 0) return "sal-0";
    return `sal-${score > 0 ? "pos" : "neg"}-${level}`;
  }

  const truncationNote = (c) => `The model saw ${c.seen_tokens} of ${c.total_tokens} tokens; the greyed part was cut at its maximum length and did not count.`;

  function renderTruncation(p, out) {
    const box = p.column.querySelector(".unseen-box");
    const parts = [];
    for (const c of out.truncation || []) {
      parts.push(el("p", { class: "shaded-label" }, el("strong", { text: fieldLabel(c.field) }), `: ${truncationNote(c)}`),
        shadedText(p.values[c.field], [], c.field, 1, c.seen_until));
    }
    for (const s of out.sentences || []) {
      const c = s.truncation;
      if (!c) continue;
      parts.push(el("p", { class: "shaded-label" }, el("strong", { text: `Sentence ${s.index + 1}` }), `: ${truncationNote(c)}`),
        shadedText(s.text, [], c.field, 1, c.seen_until - s.start));
    }
    box.replaceChildren(...(parts.length ? [el("div", { class: "truncation", "data-testid": "truncation" }, ...parts)] : []));
  }

  function saliencyLegend() {
    return el("p", { class: "saliency-legend", "data-testid": "saliency-legend" },
      el("span", { class: "muted", text: "Shade: how much the answer's probability falls without the word." }),
      el("span", { class: "sal-pos-4", text: "supports, strongest" }), el("span", { class: "sal-pos-2", text: "supports" }),
      el("span", { class: "sal-0", text: "no effect" }), el("span", { class: "sal-neg-2", text: "opposes" }),
      el("span", { class: "sal-neg-4", text: "opposes, strongest" }), el("span", { class: "unseen", text: "not seen by the model" }));
  }

  function setupSaliency(p) {
    const toggle = el("button", { type: "button", class: "saliency-toggle", "aria-expanded": "false", "data-testid": "saliency-toggle",
      text: "Show word importance" });
    const controls = el("div", { class: "saliency-controls" }, toggle, el("span", { class: "muted", text: "one model run per word" }));
    const view = el("section", { class: "saliency", "data-testid": "saliency" });
    view.hidden = true;
    p.column.querySelector(".saliency-box").replaceChildren(controls, view);
    p.sal = { state: "idle", toggle, controls, view };
    toggle.addEventListener("click", () => toggleSaliency(p));
    if (wantSaliency && wantSaliency.checked) toggleSaliency(p);
  }

  // Computed once per answer (it costs a model run per word); afterwards the button only shows or hides it.
  function toggleSaliency(p) {
    const s = p.sal;
    if (s.state === "running") return;
    if (s.state === "done") {
      const show = s.view.hidden;
      s.view.hidden = !show;
      s.toggle.setAttribute("aria-expanded", String(show));
      s.toggle.textContent = show ? "Hide word importance" : "Show word importance";
      return;
    }
    startSaliency(p);
  }

  async function startSaliency(p) {
    const s = p.sal;
    explainSeq += 1;
    const id = `s${run}-${explainSeq}`;
    s.state = "running";
    s.id = id;
    const bar = el("progress", { max: "1", value: "0", "aria-label": `word importance progress for ${p.model}`, "data-testid": "saliency-progress" });
    const label = el("span", { class: "muted", role: "status", text: "starting…" });
    const cancel = el("button", { type: "button", "data-testid": "saliency-cancel", text: "Cancel" });
    cancel.addEventListener("click", () => {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id, type: "cancel" }));
      label.textContent = "cancelling…";
      cancel.disabled = true;
    });
    s.progress = { box: el("span", { class: "saliency-progress" }, bar, " ", label, " ", cancel), bar, label };
    s.toggle.disabled = true;
    s.controls.append(s.progress.box);
    p.column.dataset.saliency = "running";
    explaining.set(id, p);
    let ws;
    try {
      ws = await connect();
    } catch (err) {
      finishSaliency(p, { type: "error", error: { code: "unavailable", message: err.message } });
      return;
    }
    if (explaining.get(id) === p) ws.send(JSON.stringify({ id, type: "saliency", model: p.model, input: inputOf(p.values) }));
  }

  function onSaliencyFrame(p, frame) {
    const s = p.sal;
    if (frame.type === "progress" && frame.progress) {
      s.progress.bar.max = frame.progress.total;
      s.progress.bar.value = frame.progress.done;
      s.progress.label.textContent = `${frame.progress.done} of ${frame.progress.total} words`;
      return;
    }
    finishSaliency(p, frame);
  }

  function finishSaliency(p, frame) {
    const s = p.sal;
    explaining.delete(s.id);
    const hadFocus = s.progress && s.progress.box.contains(document.activeElement);
    if (s.progress) s.progress.box.remove();
    s.toggle.disabled = false;
    if (hadFocus) s.toggle.focus();
    s.view.hidden = false;
    if (frame.type === "result") {
      s.state = "done";
      s.toggle.setAttribute("aria-expanded", "true");
      s.toggle.textContent = "Hide word importance";
      renderSaliency(p, frame.output || {}, frame.timing || {});
      p.column.dataset.saliency = "done";
      return;
    }
    s.state = "idle";
    const err = frame.error || { code: "internal", message: "unknown error" };
    const cancelled = err.code === "canceled";
    s.view.replaceChildren(el("h4", { text: "Word importance" }),
      el("p", { class: cancelled ? "muted" : "error-message", "data-testid": "saliency-status",
        text: cancelled ? "Cancelled; nothing was kept." : `${err.code}: ${err.message}` }));
    p.column.dataset.saliency = cancelled ? "cancelled" : "error";
  }

  function renderSaliency(p, out, timing) {
    const words = out.words || [];
    const scale = Math.max(0.05, ...words.map((w) => Math.abs(w.score)));
    const target = out.target || {};
    let what = `the label ${target.label}, in each word's sentence`;
    if (target.answer) what = `the answer “${target.answer.text}” (span probability ${fmt(out.score)})`;
    else if (out.score !== undefined) what = `the label ${target.label} (probability ${fmt(out.score)})`;
    const method = out.occlusion === "delete"
      ? `occlusion: each word's tokens deleted (the tokenizer has no mask token); ${out.runs} model runs`
      : `occlusion: each word's tokens replaced by ${out.mask_token}; ${out.runs} model runs`;
    const parts = [el("h4", { text: "Word importance" }),
      el("p", {}, `Explains ${what}. `, el("span", { class: "muted", text: `${method} in ${ms(timing.run_ms)}.` })), saliencyLegend()];
    const cuts = {};
    if (task === "nli") for (const c of out.truncation || []) cuts[c.field] = c.seen_until;
    for (const field of fieldOrder()) {
      if (!words.some((w) => w.field === field)) continue;
      parts.push(el("p", { class: "shaded-label" }, el("strong", { text: fieldLabel(field) })),
        shadedText(p.values[field], words, field, scale, cuts[field] === undefined ? -1 : cuts[field]));
    }
    const top = words.slice().sort((a, b) => Math.abs(b.score) - Math.abs(a.score)).slice(0, 8);
    const body = el("tbody");
    for (const w of top) {
      const text = Array.from(p.values[w.field] || "").slice(w.start, w.end).join("");
      body.append(el("tr", {}, el("td", {}, el("span", { class: shade(w.score, scale), text })),
        el("td", { text: fieldLabel(w.field) }), el("td", { class: "num", text: signed(w.score) })));
    }
    parts.push(el("table", { class: "top-words", "data-testid": "top-words" }, el("caption", { text: "Most important words" }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Word" }), el("th", { scope: "col", text: "Field" }),
        el("th", { scope: "col", class: "num", text: "Importance" }))), body));
    p.sal.view.replaceChildren(...parts);
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
    // Values the engine marked before the model read them (components/demo_views.go: the same words).
    if ((out.values || []).length) {
      body.push(el("div", { class: "value-readings", "data-testid": "value-readings" },
        el("p", { class: "muted", text: "Values the model was told the state of (adult reference intervals, marked in its input before it reads it):" }),
        el("ul", {}, ...out.values.map((v) => el("li", { text: `${v.text}: ${v.state} ${v.analyte}${v.term ? ` (${v.term})` : ""}` })))));
    }
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
