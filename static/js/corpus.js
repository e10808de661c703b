// The tokenizer page's corpus statistics and span alignment panels. Files are
// read and tokenized in a Web Worker of their own (tokenize-worker.js over
// corpus.wasm: the inspector's tokenizer plus the corpus and span code, which
// only these workers download), so the page stays responsive; cancelling
// terminates that worker. Nothing here sends a file, or anything read from one, over the
// network: the only requests are for the program and the tokenizer files.
"use strict";

(() => {
  const boot = JSON.parse(document.getElementById("tokenize-boot").textContent);
  const $ = (sel) => document.querySelector(sel);
  const { el } = window.clinlm; // static/js/dom.js
  /** Tokenizers by key: the tokenizerByKey's (fetched by URL) and local files the inspector opened (bytes). */
  const tokenizerByKey = new Map(boot.tokenizers.filter((t) => t.available).map((t) => [t.name, t]));
  document.addEventListener("clinlm:local-tokenizer", (ev) => tokenizerByKey.set(ev.detail.key, ev.detail));
  const title = (key) => (tokenizerByKey.get(key) || { title: key }).title;

  /** The tokenizers chosen in the inspector above. */
  function chosen() {
    const keys = [...document.querySelectorAll('input[name="tokenizer"]:checked')].map((i) => i.value);
    return { keys: keys.filter((k) => tokenizerByKey.has(k)) };
  }

  /**
   * Starts a worker with the chosen tokenizers loaded and runs one job in it;
   * onMessage sees its progress. Returns { done: Promise, cancel() }.
   */
  function job(msg, onMessage) {
    const worker = new Worker(boot.worker);
    let settle;
    const done = new Promise((resolve, reject) => { settle = { resolve, reject }; });
    const finish = (fn, v) => { worker.terminate(); fn(v); };
    worker.onmessage = async (ev) => {
      const m = ev.data;
      try {
        switch (m.type) {
          case "ready":
            for (const key of msg.keys) worker.postMessage({ type: "load", key, url: tokenizerByKey.get(key).url, bytes: tokenizerByKey.get(key).bytes });
            break;
          case "loaded":
            if (++loaded === msg.keys.length) worker.postMessage(msg);
            break;
          case "error": case "fatal":
            finish(settle.reject, new Error(m.error));
            break;
          case "corpus-done": case "spans-done":
            finish(settle.resolve, m);
            break;
          default:
            onMessage(m);
        }
      } catch (err) {
        finish(settle.reject, err);
      }
    };
    worker.onerror = (ev) => { ev.preventDefault(); finish(settle.reject, new Error(ev.message || "the worker failed")); };
    let loaded = 0;
    worker.postMessage({ type: "init", wasm: boot.corpusWasm, wasmExec: boot.wasmExec });
    return { done, cancel: () => finish(settle.reject, Object.assign(new Error("cancelled"), { cancelled: true })) };
  }

  /** Offers text as a download; the blob URL lives in this page only. */
  function download(text, name, type) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = el("a", { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  /** A scrolling wrapper a keyboard can reach (axe: scrollable-region-focusable). */
  const wrap = (table, label) => el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": label }, table);

  const pct = (x) => (100 * x).toFixed(1) + " %";
  const num = (x, d = 2) => x.toFixed(d);
  const int = (x) => x.toLocaleString("en");

  // ------------------------------------------------------------ corpus
  const status = $("#corpus-status");
  const bar = $("#corpus-progress");
  const cancelButton = $("#corpus-cancel");
  const results = $("#corpus-results");
  const exportButton = $("#corpus-export");
  const histogram = $("#corpus-histogram");
  const lists = $("#corpus-lists");
  let running = null;
  let lastCSV = "";

  function say(node, text, error) {
    node.textContent = text;
    node.classList.toggle("error", !!error);
  }

  async function runCorpus(files, folder) {
    if (running) running.cancel();
    const { keys } = chosen();
    if (!keys.length) { say(status, "Choose at least one tokenizer above.", true); return; }
    if (folder) files = files.filter((f) => /\.txt$/i.test(f.name));
    if (!files.length) { say(status, folder ? "This folder has no .txt notes." : "No file chosen.", true); return; }
    results.replaceChildren();
    lists.replaceChildren();
    histogram.hidden = true;
    exportButton.hidden = true;
    bar.hidden = false;
    bar.value = 0;
    cancelButton.hidden = false;
    const total = files.reduce((n, f) => n + f.size, 0);
    say(status, `Reading ${files.length === 1 ? files[0].name : files.length + " notes"} (${(total / 1e6).toFixed(1)} MB) with ${keys.length} tokenizer${keys.length > 1 ? "s" : ""}…`);
    const started = performance.now();
    // Tokenizers are independent: spread them over workers, one core each
    // (leaving one for the page), and merge their reports.
    const workers = Math.max(1, Math.min(keys.length, (navigator.hardwareConcurrency || 2) - 1));
    const groups = Array.from({ length: workers }, (_, w) => keys.filter((_, i) => i % workers === w));
    const progress = groups.map(() => ({ done: 0, notes: 0, errors: 0 }));
    const jobs = groups.map((group, w) => job({ type: "corpus", keys: group, files, folder }, (m) => {
      if (m.type !== "corpus-progress") return;
      progress[w] = m;
      const slowest = progress.reduce((a, b) => (a.done <= b.done ? a : b));
      bar.value = total ? slowest.done / total : 0;
      say(status, `${int(slowest.notes)} notes read (${pct(bar.value)})` + (slowest.errors ? `, ${int(slowest.errors)} lines skipped` : "") + "…");
    }));
    const run = { cancel: () => jobs.forEach((j) => j.cancel()) };
    running = run;
    try {
      const report = merge(keys, (await Promise.all(jobs.map((j) => j.done))).map((m) => m.report));
      bar.value = 1;
      const secs = (performance.now() - started) / 1000;
      say(status, `${int(report.notes)} notes in ${secs.toFixed(1)} s` + (report.errorCount ? `; ${int(report.errorCount)} lines skipped (listed below)` : "") + ".");
      showReport(report);
    } catch (err) {
      run.cancel();
      say(status, err.cancelled ? "Cancelled; nothing was kept." : "The corpus could not be read: " + err.message, !err.cancelled);
    } finally {
      if (running === run) running = null;
      cancelButton.hidden = true;
      bar.hidden = true;
    }
  }

  /**
   * One report from the workers' reports over the same files: their notes and
   * skipped lines are the same; tokenizers and CSV rows go back in the order
   * chosen (tokenizerByKey names need no CSV quoting).
   */
  function merge(keys, reports) {
    const order = (name) => keys.indexOf(name);
    const tokenizers = reports.flatMap((r) => r.tokenizers).sort((a, b) => order(a.tokenizer) - order(b.tokenizer));
    const lines = reports.map((r) => r.csv.trimEnd().split("\n"));
    const rows = lines.flatMap((l) => l.slice(1)).sort((a, b) => order(a.split(",")[0]) - order(b.split(",")[0]));
    return { ...reports[0], tokenizers, csv: [lines[0][0], ...rows].join("\n") + "\n" };
  }

  function showReport(report) {
    const ts = report.tokenizers;
    const rows = [
      ["Notes", (s) => int(s.notes)],
      ["Tokens (special tokens included)", (s) => int(s.tokens)],
      ["Mean tokens per note", (s) => num(s.meanTokens, 1)],
      ["Longest note (tokens)", (s) => int(s.maxTokens)],
      ["Tokens per word (fertility)", (s) => num(s.fertility)],
      ["Unknown tokens", (s) => pct(s.unkRate)],
      ["Characters per token", (s) => num(s.charsPerToken)],
      ["Words kept whole", (s) => pct(s.wholeWords)],
      ["Vocabulary used", (s) => `${pct(s.vocabUsed)} of ${int(s.vocabSize)}`],
      ...ts[0].over.map((o, i) => [`Notes over ${o.limit} tokens`, (s) => `${pct(s.over[i].share)} (${int(s.over[i].notes)})`]),
    ];
    const table = el("table", { "data-testid": "corpus-table" },
      el("caption", { text: "Corpus statistics per tokenizer" }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Statistic" }), ...ts.map((s) => el("th", { scope: "col", class: "num", text: title(s.tokenizer) })))),
      el("tbody", {}, ...rows.map(([label, f]) => el("tr", {}, el("th", { scope: "row", text: label }), ...ts.map((s) => el("td", { class: "num", text: f(s) }))))));
    results.replaceChildren(wrap(table, "Corpus statistics table"));
    if (report.errors.length) {
      results.append(el("details", { class: "tk-errors" }, el("summary", { text: `Skipped lines (${int(report.errorCount)})` }),
        el("ul", {}, ...report.errors.map((e) => el("li", { text: `line ${e.line}: ${e.error}` })))));
    }
    lastCSV = report.csv;
    exportButton.hidden = false;
    for (const s of ts) {
      lists.append(el("details", { class: "tk-list" },
        el("summary", { text: `${title(s.tokenizer)}: longest notes and most split words` }),
        el("h3", { text: "Longest notes" }),
        el("ol", {}, ...s.longest.map((n) => el("li", { text: `${int(n.tokens)} tokens — note ${n.index}${n.id ? " (" + n.id + ")" : ""}, line ${n.line}: ${n.preview}…` }))),
        el("h3", { text: "Most split words" }),
        el("ol", {}, ...s.mostSplit.map((w) => el("li", {}, el("span", { text: w.word + " → " }), el("code", { text: w.pieces.join(" · ") }))))));
    }
    drawHistogram(report);
  }

  let echartsLoading = null;
  function loadECharts() {
    if (window.echarts) return Promise.resolve(window.echarts);
    echartsLoading ||= new Promise((resolve, reject) => {
      const s = el("script", { src: boot.echarts });
      s.onload = () => resolve(window.echarts);
      s.onerror = () => reject(new Error("the chart library did not load"));
      document.head.append(s);
    });
    return echartsLoading;
  }

  async function drawHistogram(report) {
    const w = report.binWidth;
    const bins = report.tokenizers[0].histogram.length;
    let last = 0;
    for (const s of report.tokenizers) s.histogram.forEach((n, i) => { if (n) last = Math.max(last, i); });
    const labels = [];
    for (let i = 0; i <= last; i++) labels.push(i === bins - 1 ? `≥${i * w}` : `${i * w}–${(i + 1) * w - 1}`);
    histogram.hidden = false;
    try {
      const echarts = await loadECharts();
      const chart = echarts.getInstanceByDom(histogram) || echarts.init(histogram, null, { renderer: "canvas" });
      chart.setOption({
        aria: { enabled: true },
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 50, right: 20, top: 40, bottom: 50 },
        xAxis: { type: "category", data: labels, name: "tokens per note", nameLocation: "middle", nameGap: 32 },
        yAxis: { type: "value", name: "notes" },
        series: report.tokenizers.map((s) => ({ type: "bar", name: title(s.tokenizer), data: s.histogram.slice(0, last + 1) })),
      }, true);
      histogram.dataset.drawn = "true";
    } catch (err) {
      histogram.textContent = "The histogram could not be drawn: " + err.message;
    }
  }

  $("#corpus-file").addEventListener("change", (ev) => { if (ev.target.files.length) runCorpus([...ev.target.files], false); ev.target.value = ""; });
  $("#corpus-folder").addEventListener("change", (ev) => { if (ev.target.files.length) runCorpus([...ev.target.files], true); ev.target.value = ""; });
  cancelButton.addEventListener("click", () => { if (running) running.cancel(); });
  exportButton.addEventListener("click", () => download(lastCSV, "corpus-statistics.csv", "text/csv"));
  const drop = $("#corpus-drop");
  drop.addEventListener("dragover", (ev) => { ev.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (ev) => {
    ev.preventDefault();
    drop.classList.remove("over");
    droppedFiles(ev.dataTransfer)
      .then(({ files, folder }) => { if (files.length) runCorpus(files, folder); })
      .catch((err) => say(status, "The dropped files could not be read: " + err.message, true));
  });

  /**
   * The files of a drop: one file is a corpus; several files, or a folder
   * (walked through its entries), are a folder of notes.
   */
  async function droppedFiles(dt) {
    // Entries must be taken before the first await: the drop's data goes away.
    const entries = [...dt.items].map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null)).filter(Boolean);
    const plain = [...dt.files];
    if (!entries.some((e) => e.isDirectory)) return { files: plain, folder: plain.length > 1 };
    const files = [];
    const walk = async (entry) => {
      if (entry.isFile) {
        files.push(await new Promise((resolve, reject) => entry.file(resolve, reject)));
        return;
      }
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (!batch.length) break;
        for (const e of batch) await walk(e);
      }
    };
    for (const e of entries) await walk(e);
    return { files, folder: true };
  }

  // ------------------------------------------------------------ spans
  const spanStatus = $("#spans-status");
  const spanResults = $("#spans-results");
  const jsonlButton = $("#spans-export-jsonl");
  const conllButton = $("#spans-export-conll");
  const ISSUES = ["start-inside-token", "end-inside-token", "crosses-special-token", "truncated", "no-tokens", "overlaps-another-span"];
  let lastSpans = null;

  async function runSpans(files) {
    const { keys } = chosen();
    if (!keys.length) { say(spanStatus, "Choose at least one tokenizer above.", true); return; }
    spanResults.replaceChildren();
    jsonlButton.hidden = conllButton.hidden = true;
    say(spanStatus, `Aligning ${files.length} file${files.length > 1 ? "s" : ""} with ${keys.length} tokenizer${keys.length > 1 ? "s" : ""}…`);
    try {
      const { result } = await job({ type: "spans", keys, files, maxLength: Number($("#spans-limit").value) || 0 }, () => {}).done;
      lastSpans = result;
      const misaligned = result.counts.reduce((n, c) => n + c.spans - c.aligned, 0);
      say(spanStatus, `${int(result.documents)} documents, ${int(result.spansTotal)} spans over ${keys.length} tokenizer${keys.length > 1 ? "s" : ""}; ${int(misaligned)} misaligned` +
        (result.errors.length ? `; ${result.errors.length} annotation lines skipped (listed below).` : "."));
      showSpans(result);
      jsonlButton.hidden = conllButton.hidden = false;
    } catch (err) {
      say(spanStatus, "The annotations could not be aligned: " + err.message, true);
    }
  }

  function showSpans(r) {
    const counts = el("table", { "data-testid": "spans-counts" },
      el("caption", { text: "Spans per label and tokenizer" }),
      el("thead", {}, el("tr", {}, ...["Label", "Tokenizer", "Spans", "Aligned", ...ISSUES].map((h) => el("th", { scope: "col", text: h.replaceAll("-", " ") })))),
      el("tbody", {}, ...r.counts.map((c) => el("tr", {},
        el("th", { scope: "row", text: c.label }), el("td", { text: title(c.tokenizer) }),
        el("td", { class: "num", text: int(c.spans) }), el("td", { class: "num", text: int(c.aligned) }),
        ...ISSUES.map((i) => el("td", { class: "num", text: int(c.issues[i] || 0) }))))));
    spanResults.replaceChildren(wrap(counts, "Span counts table"));
    if (r.errors.length) {
      spanResults.append(el("details", { class: "tk-errors", open: true }, el("summary", { text: `Skipped annotation lines (${r.errors.length})` }),
        el("ul", {}, ...r.errors.map((e) => el("li", { text: `${e.file}:${e.line}: ${e.error}` })))));
    }
    const list = el("table", { "data-testid": "spans-list" },
      el("caption", { text: r.spans.length < r.spansTotal ? `The first ${r.spans.length} spans, misaligned first` : "Every span, misaligned first" }),
      el("thead", {}, el("tr", {}, ...["Document", "Tokenizer", "Span", "Label", "Text", "Tokens", "Issues"].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...r.spans.map((s) => el("tr", { class: s.issues.length ? "misaligned" : "" },
        el("td", { text: s.doc }), el("td", { text: title(s.tokenizer) }), el("td", { text: s.id }), el("td", { text: s.label }),
        el("td", {}, el("mark", { text: s.text })),
        el("td", {}, el("code", { text: s.tokens.join(" · ") }), s.tokenText && s.tokenText !== s.text ? el("span", { class: "muted", text: ` (tokens cover “${s.tokenText}”)` }) : ""),
        el("td", { text: s.issues.length ? s.issues.join(", ") : "aligned" })))));
    spanResults.append(wrap(list, "Spans table"));
  }

  $("#spans-file").addEventListener("change", (ev) => { if (ev.target.files.length) runSpans([...ev.target.files]); ev.target.value = ""; });
  jsonlButton.addEventListener("click", () => lastSpans && download(lastSpans.jsonl, "iob2-tags.jsonl", "application/x-ndjson"));
  conllButton.addEventListener("click", () => lastSpans && download(lastSpans.conll, "iob2-tags.conll", "text/plain"));
})();
