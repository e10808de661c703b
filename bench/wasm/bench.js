// Runs in Chromium (driven by run.mjs): the same notes through clinlm's Go
// tokenizer compiled to WebAssembly and through @huggingface/tokenizers (the
// tokenizer of transformers.js), in the same page, on the main thread,
// alternating rounds so neither side gets a warmer machine.
import { Tokenizer } from "/hf/tokenizers.mjs";

const out = document.getElementById("out");
const log = (s) => { out.textContent += "\n" + s; };
const utf8 = new TextDecoder();

async function startGo(wasm = "/tokenizer.wasm") {
  const go = new Go(); // eslint-disable-line no-undef
  // The collector settings static/js/tokenize-worker.js gives the module (wasm/main.go reads no others).
  go.env = { GOGC: "400", GOMEMLIMIT: "512MiB" };
  const { instance } = await WebAssembly.instantiateStreaming(fetch(wasm), go.importObject);
  go.run(instance);
  const api = globalThis.clinlmTokenizer;
  const ex = instance.exports;
  const enc = new TextEncoder();
  // The inspector worker's fast path (static/js/tokenize-worker.js, wasm/fast.go): text into module memory,
  // packed result out; the input buffer's address and view are kept while they hold.
  api.wasmMemory = () => ex.mem.buffer.byteLength;
  let input = { ptr: 0, cap: 0, view: null };
  const takeOutput = (n) => {
    const bytes = new Uint8Array(ex.mem.buffer, ex.clinlm_output(), Math.abs(n)).slice();
    if (n < 0) throw new Error(utf8.decode(bytes));
    return bytes;
  };
  api.encodePacked = (handle, text, addSpecial) => {
    const max = text.length * 3;
    if (max > input.cap || input.view === null || input.view.buffer !== ex.mem.buffer) {
      const cap = Math.max(max, 1 << 16);
      input = { ptr: ex.clinlm_buffer(cap), cap, view: null };
      input.view = new Uint8Array(ex.mem.buffer, input.ptr, cap);
    }
    const { written } = enc.encodeInto(text, input.view);
    return takeOutput(ex.clinlm_encode(handle, written, addSpecial ? 1 : 0));
  };
  api.vocabulary = (handle) => {
    if (!ex.clinlm_vocab) return null; // a build from before clinlm_vocab (an A/B run): it sends pieces
    const bytes = takeOutput(ex.clinlm_vocab(handle));
    const n = new Int32Array(bytes.buffer, 0, 1)[0];
    const lens = new Int32Array(bytes.buffer, 4, n);
    return splitPieces(utf8.decode(new Uint8Array(bytes.buffer, 4 * (1 + n))), lens);
  };
  return api;
}

/** Unpacks wasm/pack.go's buffer into ids, offsets and piece strings (what the inspector's worker does). */
function unpack(packed, vocabulary) {
  const buf = packed.buffer;
  const head = new Int32Array(buf, 0, 4);
  const n = head[0], byId = head[1] === -1;
  const arr = (k) => new Int32Array(buf, 16 + 4 * k * n, n);
  const ids = arr(0), start = arr(6), end = arr(7);
  if (!byId) return { ids, tokens: splitPieces(utf8.decode(new Uint8Array(buf, 16 + 36 * n, head[1])), arr(8)), start, end };
  const tokens = new Array(n);
  for (let i = 0; i < n; i++) tokens[i] = vocabulary[ids[i]];
  return { ids, tokens, start, end };
}

/** Splits a blob of pieces (a note's, or the vocabulary) by the UTF-16 lengths Go computed. */
function splitPieces(text, lens) {
  const pieces = new Array(lens.length);
  for (let i = 0, at = 0; i < lens.length; i++) { pieces[i] = text.slice(at, at + lens[i]); at += lens[i]; }
  return pieces;
}

function timeRound(fn, notes) {
  const t0 = performance.now();
  let tokens = 0;
  for (const note of notes) tokens += fn(note);
  return { ms: performance.now() - t0, tokens };
}

export async function run(config) {
  const go = await startGo();
  log(`Go ${go.version}; ${config.notes.length} notes, ${config.bytes} bytes`);
  const results = [];
  for (const t of config.tokenizers) {
    const json = await (await fetch(`/tok/${t}.json`)).text();
    const loaded = JSON.parse(go.load(t, new TextEncoder().encode(json)));
    if (loaded.error) throw new Error(`${t}: ${loaded.error}`);
    const hf = new Tokenizer(JSON.parse(json), {});
    const vocabulary = go.vocabulary(loaded.handle);
    const goEncode = (note) => unpack(go.encodePacked(loaded.handle, note, true), vocabulary).ids.length;
    const hfEncode = (note) => hf.encode(note, { add_special_tokens: true }).ids.length;

    // Agreement: how often the two produce the same ids and token strings (parity
    // is the engine's job; this only says whether the comparison is like for like).
    let same = 0;
    for (const note of config.notes) {
      const a = unpack(go.encodePacked(loaded.handle, note, true), vocabulary);
      const b = hf.encode(note, { add_special_tokens: true });
      if (a.ids.length === b.ids.length && a.ids.every((v, i) => v === b.ids[i] && a.tokens[i] === b.tokens[i])) same++;
    }
    for (let w = 0; w < config.warmup; w++) { timeRound(goEncode, config.notes); timeRound(hfEncode, config.notes); }
    const goMs = [], hfMs = [];
    let goTokens = 0, hfTokens = 0;
    for (let r = 0; r < config.rounds; r++) {
      const a = timeRound(goEncode, config.notes); goMs.push(a.ms); goTokens = a.tokens;
      const b = timeRound(hfEncode, config.notes); hfMs.push(b.ms); hfTokens = b.tokens;
    }
    const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const g = median(goMs), h = median(hfMs);
    const row = {
      tokenizer: t, notes: config.notes.length, bytes: config.bytes, rounds: config.rounds,
      agree: same, goTokens, hfTokens,
      go: { msPerNote: g / config.notes.length, mbPerS: config.bytes / 1e6 / (g / 1000), tokPerS: goTokens / (g / 1000) },
      hf: { msPerNote: h / config.notes.length, mbPerS: config.bytes / 1e6 / (h / 1000), tokPerS: hfTokens / (h / 1000) },
      speedup: h / g,
    };
    results.push(row);
    log(`${t}: go ${row.go.msPerNote.toFixed(3)} ms/note, hf ${row.hf.msPerNote.toFixed(3)} ms/note, ×${row.speedup.toFixed(2)}, ids agree on ${same}/${config.notes.length}`);
  }
  return { version: go.version, userAgent: navigator.userAgent, results };
}

/**
 * Corpus statistics as the tokenizer page runs them (static/js/tokenize-worker.js):
 * the corpus file is read in 1 MiB slices and fed to the shim's corpus run,
 * which keeps only running totals. Here on the main thread, from a Blob.
 */
export async function runCorpus(config) {
  const go = await startGo("/corpus.wasm"); // the corpus workers' module (-tags corpus)
  const mem = () => go.wasmMemory();
  const reply = (s) => { const r = JSON.parse(s); if (r.error) throw new Error(r.error); return r; };
  for (const t of config.tokenizers) {
    const json = new Uint8Array(await (await fetch(`/tok/${t}.json`)).arrayBuffer());
    reply(go.load(t, json));
  }
  const loadedMem = mem();
  const blob = await (await fetch("/corpus.jsonl")).blob();
  const heapBefore = performance.memory ? performance.memory.usedJSHeapSize : 0;
  const t0 = performance.now();
  const { run } = reply(go.corpusStart(JSON.stringify(config.tokenizers)));
  const { file } = reply(go.corpusFile(run, "", "corpus.jsonl"));
  const slice = 1 << 20;
  let p;
  for (let at = 0; at < blob.size; at += slice) {
    p = reply(go.corpusFeed(run, file, new Uint8Array(await blob.slice(at, at + slice).arrayBuffer()), at + slice >= blob.size));
    if ((at / slice) % 10 === 0) log(`${p.notes} notes…`);
  }
  const report = reply(go.corpusReport(run));
  const ms = performance.now() - t0;
  go.corpusEnd(run);
  return {
    version: go.version, notes: report.notes, errors: report.errorCount, bytes: blob.size, ms,
    tokenizers: report.tokenizers.map((s) => ({ name: s.tokenizer, tokens: s.tokens, fertility: s.fertility, over512: s.over[2].share })),
    wasmMemoryLoaded: loadedMem, wasmMemoryAfter: mem(),
    jsHeapDelta: performance.memory ? performance.memory.usedJSHeapSize - heapBefore : null,
  };
}
