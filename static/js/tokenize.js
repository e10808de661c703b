// The tokenizer inspector (/tokenize). The note text stays in this page and
// its Web Worker (tokenize-worker.js, which runs clinlm's Go tokenizer as
// WebAssembly): nothing here sends it over the network. Share links carry it
// in the URL fragment, which browsers never send to a server.
"use strict";

(() => {
  // Token flags from wasm/pack.go.
  const FLAG_SPECIAL = 1; // added by the post-processor (special_tokens_mask)
  const FLAG_UNK = 2; // the model's unknown token
  const FLAG_ADDED_SPECIAL = 4; // a special token written in the note itself
  const COLOURS = 6;
  const TYPING_DELAY_MS = 120;

  const boot = JSON.parse(document.getElementById("tokenize-boot").textContent);
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
  const { el } = window.clinlm; // static/js/dom.js

  const form = $("#tk-form");
  const textBox = $("#tk-text");
  const sampleSelect = $("#tk-sample");
  const status = $("#tk-status");
  const resultsBox = $("#tk-results");
  const detailBox = $("#tk-detail");
  const choiceList = $(".tk-choices");

  /** Catalogue entries and local files, by key. */
  const tokenizers = new Map();
  for (const t of boot.tokenizers) tokenizers.set(t.name, { ...t, local: false });
  /** Keys loaded into the worker (or failed, with the reason). */
  const loadState = new Map();
  /** Latest results by key, for export, details and diffs. */
  let current = { text: "", results: {} };
  let requestSeq = 0;
  let latestShown = 0;
  const pending = new Map();

  // ---------------------------------------------------------------- worker
  const worker = new Worker(boot.worker);
  const workerReady = new Promise((resolve, reject) => {
    pending.set("init", { resolve, reject });
  });
  worker.onmessage = (ev) => {
    const m = ev.data;
    switch (m.type) {
      case "ready": settle("init", m); break;
      case "loaded": settle("load:" + m.key, m.info); break;
      case "encoded": settle("encode:" + m.id, m.results); break;
      case "traced": settle("trace:" + m.id, m.trace); break;
      case "error": {
        const key = m.request === "init" ? "init" : m.request === "load" ? "load:" + m.key : m.request + ":" + m.id;
        settle(key, null, new Error(m.error));
        break;
      }
      case "fatal": setStatus("The tokenizer stopped: " + m.error, true); break;
    }
  };
  worker.onerror = (ev) => { setStatus("The tokenizer worker failed: " + (ev.message || "unknown error"), true); ev.preventDefault(); };

  function settle(key, value, err) {
    const p = pending.get(key);
    if (!p) return;
    pending.delete(key);
    if (err) p.reject(err); else p.resolve(value);
  }
  function ask(key, msg, transfer) {
    return new Promise((resolve, reject) => {
      pending.set(key, { resolve, reject });
      worker.postMessage(msg, transfer || []);
    });
  }

  function setStatus(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("error", isError);
  }

  async function ensureLoaded(key) {
    if (loadState.get(key) === "ok") return true;
    const t = tokenizers.get(key);
    if (!t) return false;
    if (!loadState.has(key) || loadState.get(key) instanceof Error) {
      const started = performance.now();
      const job = ask("load:" + key, { type: "load", key, url: t.url, bytes: t.bytes })
        .then((info) => {
          t.info = info;
          loadState.set(key, "ok");
          setStatus(`Loaded ${t.title} (${info.vocabSize.toLocaleString()} pieces) in ${Math.round(performance.now() - started)} ms.`);
        })
        .catch((err) => loadState.set(key, err));
      loadState.set(key, job);
    }
    await loadState.get(key);
    return loadState.get(key) === "ok";
  }

  // ---------------------------------------------------------------- state
  function selectedKeys() {
    return $$('input[name="tokenizer"]:checked', form).map((i) => i.value).filter((k) => tokenizers.has(k));
  }
  function viewMode() { return $('input[name="view"]:checked', form).value; }
  function limit() { return Number($("#tk-limit").value) || 0; }
  function addSpecial() { return $("#tk-special").checked; }
  function highlightDiffs() { return $("#tk-diff").checked; }

  function enforceMax(changed) {
    const boxes = $$('input[name="tokenizer"]', form);
    const on = boxes.filter((b) => b.checked);
    if (on.length > boot.maxSelected && changed) {
      changed.checked = false;
      setStatus(`At most ${boot.maxSelected} tokenizers side by side; untick one first.`);
    }
    if (on.length === 0 && changed) changed.checked = true;
  }

  // ---------------------------------------------------------------- run
  let timer = 0;
  function schedule(delay = TYPING_DELAY_MS) {
    clearTimeout(timer);
    timer = setTimeout(run, delay);
  }

  async function run() {
    const keys = selectedKeys();
    const text = textBox.value;
    const id = ++requestSeq;
    const ok = await Promise.all(keys.map(ensureLoaded));
    const ready = keys.filter((k, i) => ok[i]);
    const failed = keys.filter((k, i) => !ok[i]);
    if (id !== requestSeq) return; // a newer run superseded this one
    let results = {};
    if (ready.length) {
      try {
        results = await ask("encode:" + id, { type: "encode", id, keys: ready, text, addSpecial: addSpecial() });
      } catch (err) {
        setStatus("Tokenization failed: " + err.message, true);
        return;
      }
    }
    for (const k of failed) results[k] = { error: String(loadState.get(k)?.message || "could not load") };
    if (id < latestShown) return;
    latestShown = id;
    current = { text, keys, results };
    render();
  }

  // ---------------------------------------------------------------- analysis
  const isSpace = (ch) => /\s/u.test(ch);

  /** A token's span without surrounding whitespace (byte-level BPE includes the leading space). */
  function trimmedSpan(text, s, e) {
    while (s < e && isSpace(text[s])) s++;
    while (e > s && isSpace(text[e - 1])) e--;
    return [s, e];
  }

  /** Per tokenizer: the set of trimmed spans, to find where splits differ. */
  function spanSets(text, keys, results) {
    const sets = {};
    for (const k of keys) {
      const r = results[k];
      if (!r || r.error) continue;
      const set = new Set();
      for (let i = 0; i < r.n; i++) {
        if (r.flags[i] & FLAG_SPECIAL) continue;
        const [s, e] = trimmedSpan(text, r.start[i], r.end[i]);
        if (e > s) set.add(s + ":" + e);
      }
      sets[k] = set;
    }
    return sets;
  }

  function wordCount(text) {
    const m = text.match(/\S+/gu);
    return m ? m.length : 0;
  }

  /** Index of the first token a model with this maximum length drops (−1 when none). */
  function cutIndex(r, max) {
    if (!max || r.n <= max) return -1;
    let trailing = 0;
    for (let i = r.n - 1; i >= 0 && r.flags[i] & FLAG_SPECIAL; i--) trailing++;
    // Truncation keeps the end-of-sequence tokens, so pieces run out earlier.
    return Math.max(0, max - trailing);
  }

  function stats(text, r, max) {
    let special = 0, unk = 0;
    for (let i = 0; i < r.n; i++) {
      if (r.flags[i] & FLAG_SPECIAL) special++;
      if (r.flags[i] & FLAG_UNK) unk++;
    }
    const pieces = r.n - special;
    const words = wordCount(text);
    const cut = cutIndex(r, max);
    let keptChars = text.length;
    if (cut >= 0) {
      keptChars = 0;
      for (let i = 0; i < cut; i++) if (!(r.flags[i] & FLAG_SPECIAL)) keptChars = Math.max(keptChars, r.end[i]);
    }
    return { total: r.n, special, pieces, unk, words, cut, keptChars,
      perWord: words ? pieces / words : 0, unkRate: pieces ? unk / pieces : 0,
      charsPerToken: pieces ? text.length / pieces : 0 };
  }

  // ---------------------------------------------------------------- rendering
  const visibleWhitespace = (s) => s.replace(/ /g, "·").replace(/\t/g, "→").replace(/\r/g, "␍").replace(/\n/g, "↵\n");
  const showPiece = (p) => p.replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r");

  function gapNode(text, mode) {
    return document.createTextNode(mode === "whitespace" ? visibleWhitespace(text) : text);
  }

  function tokenElement(key, r, i, label, extraClass) {
    const classes = ["tk-tok", "c" + (i % COLOURS)];
    if (r.flags[i] & (FLAG_SPECIAL | FLAG_ADDED_SPECIAL)) classes.push("special");
    if (r.flags[i] & FLAG_UNK) classes.push("unk");
    if (extraClass) classes.push(extraClass);
    // A focusable span needs a role for its aria-label to count (axe: aria-prohibited-attr); "img" with a
    // role description reads as "token 3: pat, id 1234, token" and keeps the label as the whole name.
    return el("span", { class: classes.join(" "), tabindex: "-1", "data-i": String(i), "data-key": key,
      role: "img", "aria-roledescription": "token",
      "aria-label": `token ${i}: ${showPiece(r.pieces[i])}, id ${r.ids[i]}` }, label);
  }

  /** The original text with each token's span coloured; special tokens as chips. */
  function renderOverText(key, r, text, mode, cut, others) {
    const frag = document.createDocumentFragment();
    let cursor = 0;
    let last = null;
    let lastSpan = "";
    for (let i = 0; i < r.n; i++) {
      if (i === cut) frag.append(cutMarker());
      const over = cut >= 0 && i >= cut;
      const s = r.start[i], e = r.end[i];
      const special = r.flags[i] & FLAG_SPECIAL;
      if (s === e) {
        // Tokens with no text of their own: ones the post-processor adds
        // ([CLS], </s>) and, in byte-level BPE, pieces of pure whitespace.
        const chip = tokenElement(key, r, i, showPiece(r.pieces[i]), "chip" + (over ? " over" : ""));
        frag.append(chip);
        last = null;
        continue;
      }
      const spanKey = s + ":" + e;
      if (s < cursor) {
        // Several tokens for one stretch of text (a character split into bytes):
        // the first element carries them all.
        if (last && spanKey === lastSpan) {
          last.dataset.more = (last.dataset.more ? last.dataset.more + "," : "") + i;
          last.classList.add("multi");
          continue;
        }
        frag.append(tokenElement(key, r, i, "+" + r.pieces[i], "chip" + (over ? " over" : "")));
        continue;
      }
      if (s > cursor) frag.append(gapNode(text.slice(cursor, s), mode));
      const [ts, te] = trimmedSpan(text, s, e);
      let cls = over ? "over" : "";
      if (others.length && !special && te > ts && others.some((set) => !set.has(ts + ":" + te))) cls += " differs";
      const body = text.slice(s, e);
      last = tokenElement(key, r, i, mode === "whitespace" ? visibleWhitespace(body) : body, cls.trim());
      lastSpan = spanKey;
      frag.append(last);
      cursor = e;
    }
    if (cursor < text.length) frag.append(gapNode(text.slice(cursor), mode));
    return frag;
  }

  /** The model's raw pieces as chips, with their ids. */
  function renderPieces(key, r, cut, others, text) {
    const frag = document.createDocumentFragment();
    for (let i = 0; i < r.n; i++) {
      if (i === cut) frag.append(cutMarker());
      let cls = "chip piece";
      if (cut >= 0 && i >= cut) cls += " over";
      if (others.length && !(r.flags[i] & FLAG_SPECIAL)) {
        const [ts, te] = trimmedSpan(text, r.start[i], r.end[i]);
        if (te > ts && others.some((set) => !set.has(ts + ":" + te))) cls += " differs";
      }
      const node = tokenElement(key, r, i, showPiece(r.pieces[i]), cls);
      node.append(el("small", { text: String(r.ids[i]) }));
      frag.append(node);
    }
    return frag;
  }

  function cutMarker() {
    return el("span", { class: "tk-cut", role: "separator", "aria-label": "maximum length reached here", text: `✂ ${limit()}` });
  }

  function statList(st, r, max) {
    const pct = (x) => (100 * x).toFixed(1) + "%";
    const items = [
      ["Tokens", st.total.toLocaleString() + (st.special ? ` (${st.special} special)` : "")],
      ["Words", st.words.toLocaleString()],
      ["Tokens per word", st.perWord.toFixed(2)],
      ["Characters per token", st.charsPerToken.toFixed(2)],
      ["Unknown ([UNK])", `${st.unk} (${pct(st.unkRate)})`],
      ["Time in WebAssembly", r.ms.toFixed(2) + " ms"],
    ];
    if (max) {
      items.push([`Limit ${max}`, st.cut < 0 ? "whole note fits" :
        `cut after character ${st.keptChars.toLocaleString()} of ${current.text.length.toLocaleString()} (${pct(1 - st.keptChars / Math.max(1, current.text.length))} of the note lost)`]);
    }
    const dl = el("dl", { class: "tk-stats" });
    for (const [k, v] of items) dl.append(el("dt", { text: k }), el("dd", { text: v }));
    return dl;
  }

  function render() {
    const { text, keys, results } = current;
    const mode = viewMode();
    const max = limit();
    const sets = highlightDiffs() && keys.length > 1 ? spanSets(text, keys, results) : {};
    resultsBox.replaceChildren();
    resultsBox.dataset.count = String(keys.length);
    for (const key of keys) {
      const t = tokenizers.get(key);
      const r = results[key];
      const panel = el("article", { class: "tk-panel", "data-key": key, "data-testid": "tokenize-panel" });
      const head = el("header", {},
        el("h3", { text: t.title }),
        el("p", { class: "muted" }, el("span", { class: "badge tk-family", text: t.familyTitle || t.family }),
          " ", t.models && t.models.length ? "Paper models: " + t.models.join(", ") : t.local ? "Local file (not uploaded)" : ""));
      panel.append(head);
      if (!r || r.error) {
        panel.append(el("p", { class: "error-message", text: "Could not tokenize: " + (r ? r.error : "no result") }));
        resultsBox.append(panel);
        continue;
      }
      const st = stats(text, r, max);
      panel.dataset.tokens = String(r.n);
      panel.append(statList(st, r, max));
      const others = Object.entries(sets).filter(([k]) => k !== key).map(([, s]) => s);
      const tokensBox = el("div", { class: "tk-tokens view-" + mode, tabindex: "0", role: "group",
        "aria-label": `${t.title}: ${r.n} tokens. Use the arrow keys to move between tokens.`, "data-testid": "tokenize-tokens" });
      tokensBox.append(mode === "pieces" ? renderPieces(key, r, st.cut, others, text) : renderOverText(key, r, text, mode, st.cut, others));
      panel.append(tokensBox);
      if (others.length) {
        const differs = tokensBox.querySelectorAll(".differs").length;
        panel.append(el("p", { class: "muted tk-diffnote", text: `${differs} token${differs === 1 ? "" : "s"} (wavy underline) cover a stretch of text that another selected tokenizer splits differently.` }));
      }
      const details = el("details", { class: "tk-pipeline", "data-testid": "tokenize-pipeline" }, el("summary", { text: "Pipeline: normalized text, pre-tokens, model pieces, final ids" }));
      details.addEventListener("toggle", () => { if (details.open) showPipeline(details, key, text); });
      panel.append(details);
      resultsBox.append(panel);
    }
    const label = keys.map((k) => `${tokenizers.get(k).title}: ${results[k] && !results[k].error ? results[k].n : "error"}`).join("; ");
    setStatus(`Tokenized ${text.length.toLocaleString()} characters in this browser. ${label}.`);
    // Tests wait on this counter after changing the note.
    resultsBox.dataset.run = String(latestShown);
  }

  // ---------------------------------------------------------------- pipeline
  async function showPipeline(details, key, text) {
    $$(".tk-stage", details).forEach((n) => n.remove());
    const id = ++requestSeq;
    let trace;
    try {
      trace = await ask("trace:" + id, { type: "trace", id, key, text });
    } catch (err) {
      details.append(el("p", { class: "tk-stage error-message", text: "Pipeline unavailable: " + err.message }));
      return;
    }
    const stage = (title, content) => el("div", { class: "tk-stage" }, el("h4", { text: title }), content);
    details.append(stage("1. Normalized text" + (trace.normalizer ? ` (${trace.normalizer})` : ""),
      el("pre", { class: "tk-normalized", text: visibleWhitespace(trace.normalized || "") })));
    const pre = el("div", { class: "tk-chips" });
    for (const p of trace.pre_tokens || []) {
      pre.append(el("span", { class: "chip", title: `characters ${p.start}–${p.end} of the original text`, text: showPiece(p.text) }));
    }
    details.append(stage("2. Pre-tokens" + (trace.pre_tokenizer ? ` (${trace.pre_tokenizer})` : ""), pre));
    const pieces = el("div", { class: "tk-chips" });
    for (const w of trace.pieces || []) {
      const group = el("span", { class: "tk-word" });
      for (const p of w) group.append(el("span", { class: "chip piece", text: showPiece(p) }));
      pieces.append(group);
    }
    details.append(stage("3. Model pieces" + (trace.model ? ` (${trace.model})` : ""), pieces));
    details.append(stage("4. Final ids (after the post-processor)", el("pre", { class: "tk-ids", text: (trace.ids || []).join(" ") })));
  }

  // ---------------------------------------------------------------- details on hover / focus
  function describe(node) {
    const key = node.dataset.key;
    const r = current.results[key];
    if (!r || r.error) return;
    const idx = [Number(node.dataset.i), ...(node.dataset.more ? node.dataset.more.split(",").map(Number) : [])];
    const t = tokenizers.get(key);
    detailBox.hidden = false;
    detailBox.replaceChildren(el("h3", { text: t.title }));
    const dl = el("dl", { class: "facts" });
    for (const i of idx) {
      const flags = [r.flags[i] & FLAG_SPECIAL ? "special (added by the post-processor)" : "",
        r.flags[i] & FLAG_ADDED_SPECIAL ? "special token written in the note" : "",
        r.flags[i] & FLAG_UNK ? "unknown" : ""].filter(Boolean).join(", ");
      dl.append(
        el("dt", { text: `Token ${i}` }),
        el("dd", {}, el("code", { text: JSON.stringify(r.pieces[i]) }), ` id ${r.ids[i]}`,
          `, characters ${r.cpStart[i]}–${r.cpEnd[i]}`, r.end[i] > r.start[i] ? ` (“${current.text.slice(r.start[i], r.end[i])}”)` : "",
          flags ? ` · ${flags}` : "", r.wordIds[i] >= 0 ? ` · word ${r.wordIds[i]}` : ""));
    }
    detailBox.append(dl);
    positionTooltip(node);
  }

  function positionTooltip(node) {
    const box = node.getBoundingClientRect();
    detailBox.style.left = Math.max(8, Math.min(window.innerWidth - 360, box.left + window.scrollX)) + "px";
    detailBox.style.top = box.bottom + window.scrollY + 6 + "px";
  }

  resultsBox.addEventListener("mouseover", (ev) => {
    const node = ev.target.closest(".tk-tok");
    if (node) describe(node);
  });
  resultsBox.addEventListener("mouseleave", () => { if (!resultsBox.contains(document.activeElement)) detailBox.hidden = true; });
  resultsBox.addEventListener("focusin", (ev) => {
    const node = ev.target.closest(".tk-tok");
    if (node) describe(node);
  });
  resultsBox.addEventListener("focusout", (ev) => { if (!resultsBox.contains(ev.relatedTarget)) detailBox.hidden = true; });
  resultsBox.addEventListener("keydown", (ev) => {
    const box = ev.target.closest(".tk-tokens");
    if (!box) return;
    const toks = $$(".tk-tok", box);
    if (!toks.length) return;
    let at = toks.indexOf(ev.target);
    switch (ev.key) {
      case "ArrowRight": case "ArrowDown": at = at < 0 ? 0 : Math.min(toks.length - 1, at + 1); break;
      case "ArrowLeft": case "ArrowUp": at = at < 0 ? 0 : Math.max(0, at - 1); break;
      case "Home": at = 0; break;
      case "End": at = toks.length - 1; break;
      case "Escape": detailBox.hidden = true; box.focus(); return;
      default: return;
    }
    ev.preventDefault();
    toks[at].focus();
  });

  // ---------------------------------------------------------------- export
  function exportJSONL() {
    const { text, keys, results } = current;
    const lines = [];
    for (const key of keys) {
      const r = results[key];
      if (!r || r.error) continue;
      for (let i = 0; i < r.n; i++) {
        lines.push(JSON.stringify({
          tokenizer: key, index: i, id: r.ids[i], token: r.pieces[i],
          start: r.cpStart[i], end: r.cpEnd[i], text: text.slice(r.start[i], r.end[i]),
          special: !!(r.flags[i] & FLAG_SPECIAL), unk: !!(r.flags[i] & FLAG_UNK),
          word: r.wordIds[i] >= 0 ? r.wordIds[i] : null, type_id: r.typeIds[i],
        }));
      }
    }
    // A blob URL lives in this page; the download never touches the network.
    const url = URL.createObjectURL(new Blob([lines.join("\n") + "\n"], { type: "application/x-ndjson" }));
    const a = el("a", { href: url, download: "token-alignments.jsonl" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    setStatus(`Exported ${lines.length} token alignments (offsets in Unicode code points, [start, end)).`);
  }

  // ---------------------------------------------------------------- share links
  const b64url = {
    encode(bytes) {
      let s = "";
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    },
    decode(str) {
      const s = atob(str.replace(/-/g, "+").replace(/_/g, "/"));
      const out = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
      return out;
    },
  };
  async function pipeBytes(bytes, stream) {
    const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
    return new Uint8Array(await out.arrayBuffer());
  }

  async function shareLink() {
    const params = new URLSearchParams();
    const raw = new TextEncoder().encode(textBox.value);
    if (typeof CompressionStream === "function") {
      params.set("z", b64url.encode(await pipeBytes(raw, new CompressionStream("deflate-raw"))));
    } else {
      params.set("t", b64url.encode(raw));
    }
    const catalogueKeys = selectedKeys().filter((k) => !tokenizers.get(k).local);
    params.set("tk", catalogueKeys.join(","));
    params.set("view", viewMode());
    params.set("limit", String(limit()));
    // Everything after "#" stays in the browser: it is never part of a request.
    const url = location.origin + location.pathname + "#" + params.toString();
    const out = $("#tk-share-out");
    out.replaceChildren(el("input", { type: "text", readonly: true, value: url, "aria-label": "Share link", size: "40", "data-testid": "tokenize-share-link" }));
    try {
      await navigator.clipboard.writeText(url);
      out.append(" Copied. The note is inside the link: share it only where the note may go.");
    } catch {
      out.append(" Copy the link above. The note is inside it: share it only where the note may go.");
    }
  }

  async function readFragment() {
    if (location.hash.length < 2) return false;
    const params = new URLSearchParams(location.hash.slice(1));
    let text = null;
    try {
      if (params.has("z") && typeof DecompressionStream === "function") {
        text = new TextDecoder().decode(await pipeBytes(b64url.decode(params.get("z")), new DecompressionStream("deflate-raw")));
      } else if (params.has("t")) {
        text = new TextDecoder().decode(b64url.decode(params.get("t")));
      }
    } catch {
      setStatus("The share link's note could not be read; showing a sample instead.", true);
    }
    if (params.has("tk")) {
      const keys = params.get("tk").split(",").filter((k) => tokenizers.has(k)).slice(0, boot.maxSelected);
      if (keys.length) for (const b of $$('input[name="tokenizer"]', form)) b.checked = keys.includes(b.value);
    }
    const view = params.get("view");
    const radio = view && $(`input[name="view"][value="${CSS.escape(view)}"]`, form);
    if (radio) radio.checked = true;
    if (params.has("limit")) {
      const opt = $(`#tk-limit option[value="${CSS.escape(params.get("limit"))}"]`);
      if (opt) $("#tk-limit").value = opt.value;
    }
    if (text !== null) {
      textBox.value = text;
      sampleSelect.value = "";
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- local tokenizer.json
  async function openLocal(file) {
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer()); // FileReader-backed; stays in this page
    const key = "local-" + (file.name.replace(/\.json$/i, "").toLowerCase().replace(/[^a-z0-9._-]+/g, "-") || "tokenizer");
    loadState.delete(key);
    tokenizers.set(key, { name: key, title: file.name + " (local)", family: "", familyTitle: "local file", models: [], local: true, bytes });
    // The corpus panels (corpus.js) may use it too; the bytes stay in this page.
    document.dispatchEvent(new CustomEvent("clinlm:local-tokenizer", { detail: { key, title: file.name + " (local)", bytes } }));
    if (!$(`input[name="tokenizer"][value="${CSS.escape(key)}"]`, form)) {
      const box = el("input", { type: "checkbox", name: "tokenizer", value: key });
      choiceList.append(el("li", {}, el("label", {}, box, " " + file.name + " ", el("span", { class: "badge tk-family", text: "local, not uploaded" }))));
    }
    const box = $(`input[name="tokenizer"][value="${CSS.escape(key)}"]`, form);
    box.checked = true;
    enforceMax(box);
    if (!(await ensureLoaded(key))) {
      setStatus(`${file.name}: ${loadState.get(key).message}`, true);
      box.checked = false;
    }
    schedule(0);
  }

  // ---------------------------------------------------------------- wiring
  form.addEventListener("submit", (ev) => ev.preventDefault());
  textBox.addEventListener("input", () => { sampleSelect.value = ""; schedule(); });
  sampleSelect.addEventListener("change", () => {
    const s = boot.samples.find((x) => x.id === sampleSelect.value);
    if (s) { textBox.value = s.text; schedule(0); }
  });
  form.addEventListener("change", (ev) => {
    const t = ev.target;
    if (t === textBox || t === sampleSelect || t.id === "tk-file") return;
    if (t.name === "tokenizer") enforceMax(t);
    if (t.name === "tokenizer" || t.id === "tk-special") schedule(0);
    else render();
  });
  $("#tk-file").addEventListener("change", (ev) => openLocal(ev.target.files[0]).catch((err) => setStatus(err.message, true)));
  $("#tk-export").addEventListener("click", exportJSONL);
  $("#tk-share").addEventListener("click", () => shareLink().catch((err) => setStatus(err.message, true)));
  window.addEventListener("hashchange", async () => { if (await readFragment()) schedule(0); });

  async function start() {
    for (const n of $$("[data-js-only]")) n.hidden = false;
    if (!selectedKeys().length) {
      // No default entry was built into this server: compare the first two there are.
      $$('input[name="tokenizer"]:not(:disabled)', form).slice(0, 2).forEach((b) => { b.checked = true; });
    }
    await readFragment();
    setStatus("Starting the tokenizer (WebAssembly)…");
    worker.postMessage({ type: "init", wasm: boot.wasm, wasmExec: boot.wasmExec });
    const info = await workerReady;
    setStatus(`Tokenizer ready (compiled in ${Math.round(info.ms)} ms). Loading tokenizers…`);
    document.documentElement.dataset.tokenizer = "ready";
    await run();
    document.documentElement.dataset.tokenizer = "done";
  }
  start().catch((err) => {
    setStatus("The in-browser tokenizer could not start: " + err.message, true);
    document.documentElement.dataset.tokenizer = "failed";
  });
})();
