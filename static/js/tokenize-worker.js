// Web Worker of the tokenizer inspector: runs clinlm's Go tokenizer
// (static/dist/tokenizer.wasm) off the page's thread. The page posts the note
// text here, or the corpus and annotation files it picked (corpus.js);
// nothing in this file sends them anywhere else. The only network requests
// are for the program itself and for tokenizer files of our origin.
"use strict";

/** The Go shim's API (wasm/main.go), set once the module runs. */
let api = null;
/** The module's exports: memory and the fast encode path (wasm/fast.go). */
let exports = null;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Resolves when init finished; rejects with the reason it failed. */
let ready = null;
/** Keys of tokenizers loaded into Go, with their description. */
const loaded = new Map();
/** In-flight loads, so that two requests for one key fetch once. */
const loading = new Map();

const HEADER_WORDS = 4;
const ARRAYS = ["ids", "typeIds", "flags", "wordIds", "cpStart", "cpEnd", "start", "end", "pieceLen"];
/** The header's piecesBytes when the tokens are the vocabulary's, by id (wasm/pack.go). */
const PIECES_BY_ID = -1;
/** Each loaded tokenizer's tokens by id, by handle (clinlm_vocab, once, before its first encode). */
const vocabularies = new Map();
/** The input buffer in the module's memory: its address, capacity and a view, reused while they hold. */
let input = { ptr: 0, cap: 0, view: null };

async function init(wasmExec, wasm) {
  importScripts(wasmExec);
  const go = new Go(); // eslint-disable-line no-undef
  // The Go runtime reads its collector settings from this environment at
  // start-up (wasm/main.go leaves runtime/debug out, which would link fmt and
  // os). The tokenizers' vocabularies make a large live heap that every
  // collection scans, while encoding a note makes a lot of short-lived
  // garbage: with Go's default GOGC=100 the collector took about half of the
  // encode time in Chromium. GOGC=400 halved the time per note for ~2× the
  // memory (3 loaded tokenizers: 74 MB of wasm memory instead of 39 MB); the
  // soft limit keeps a page that loads many tokenizers from growing without
  // bound. A corpus run lowers the limit for its worker (wasm/corpus.go).
  go.env = { GOGC: "400", GOMEMLIMIT: "512MiB" };
  const started = performance.now();
  let instance;
  if (WebAssembly.instantiateStreaming) {
    ({ instance } = await WebAssembly.instantiateStreaming(fetch(wasm), go.importObject));
  } else {
    const bytes = await (await fetch(wasm)).arrayBuffer();
    ({ instance } = await WebAssembly.instantiate(bytes, go.importObject));
  }
  // go.run resolves only when Go's main returns, which it never does: the
  // shim installs its API and then waits for calls.
  go.run(instance).catch((err) => postMessage({ type: "fatal", error: String(err) }));
  api = self.clinlmTokenizer;
  exports = instance.exports;
  if (!api) throw new Error("tokenizer.wasm did not install its API");
  return { ms: performance.now() - started, version: api.version };
}

async function loadTokenizer(key, url, bytes) {
  if (loaded.has(key)) return loaded.get(key);
  if (loading.has(key)) return loading.get(key);
  const p = (async () => {
    let data = bytes;
    if (!data) {
      const res = await fetch(url, { credentials: "same-origin" });
      if (!res.ok) throw new Error(`tokenizer ${key}: HTTP ${res.status}`);
      data = new Uint8Array(await res.arrayBuffer());
    }
    const started = performance.now();
    const reply = JSON.parse(api.load(key, data));
    if (reply.error) throw new Error(reply.error);
    const info = { ...reply.info, handle: reply.handle, loadMs: performance.now() - started, bytes: data.byteLength };
    loaded.set(key, info);
    return info;
  })();
  loading.set(key, p);
  try {
    return await p;
  } finally {
    loading.delete(key);
  }
}

/** Copies the module's output buffer (n bytes, or an error message when n < 0) out of its memory. */
function takeOutput(n) {
  const bytes = new Uint8Array(exports.mem.buffer, exports.clinlm_output(), Math.abs(n)).slice();
  if (n < 0) throw new Error(decoder.decode(bytes));
  return bytes;
}

/** The tokenizer's tokens by id (wasm/pack.go's packVocabulary layout). */
function readVocabulary(handle) {
  const bytes = takeOutput(exports.clinlm_vocab(handle));
  const n = new Int32Array(bytes.buffer, 0, 1)[0];
  const lens = new Int32Array(bytes.buffer, 4, n);
  return splitPieces(decoder.decode(new Uint8Array(bytes.buffer, 4 * (1 + n))), lens);
}

/**
 * Encodes through the exported functions: the UTF-8 text is written straight
 * into the module's memory and the packed result copied out, one call each way.
 */
function encodePacked(handle, text, addSpecial) {
  const max = text.length * 3; // UTF-8 bytes per UTF-16 unit, at most
  if (max > input.cap || input.view === null || input.view.buffer !== exports.mem.buffer) {
    // The address holds until the next clinlm_buffer call (Go's heap does
    // not move); a view must be remade when the memory has grown.
    const cap = Math.max(max, 1 << 16);
    input = { ptr: exports.clinlm_buffer(cap), cap, view: null };
    input.view = new Uint8Array(exports.mem.buffer, input.ptr, cap);
  }
  const { written } = encoder.encodeInto(text, input.view);
  // Re-read the memory in takeOutput: Go may have grown it during the call.
  return takeOutput(exports.clinlm_encode(handle, written, addSpecial ? 1 : 0));
}

/**
 * Unpacks wasm/pack.go's encode result: a header of int32 words, int32
 * arrays of one value per token, then the raw pieces as UTF-8 — or, when the
 * header says so, no piece lengths and no pieces: the tokens are the
 * vocabulary's, looked up by id.
 */
function unpack(packed, vocabulary) {
  const buf = packed.buffer;
  const head = new Int32Array(buf, 0, HEADER_WORDS);
  const n = head[0];
  const byId = head[1] === PIECES_BY_ID;
  const out = { n, unkId: head[2] };
  let at = HEADER_WORDS * 4;
  for (const name of byId ? ARRAYS.slice(0, -1) : ARRAYS) {
    out[name] = new Int32Array(buf, at, n);
    at += n * 4;
  }
  if (byId) {
    out.pieces = new Array(n);
    for (let i = 0; i < n; i++) out.pieces[i] = vocabulary[out.ids[i]];
  } else {
    out.pieces = splitPieces(decoder.decode(new Uint8Array(buf, at, head[1])), out.pieceLen);
  }
  out.buffer = buf;
  return out;
}

/** Splits a blob of pieces (a note's, or the vocabulary) by the UTF-16 lengths Go computed. */
function splitPieces(text, lens) {
  const pieces = new Array(lens.length);
  let at = 0;
  for (let i = 0; i < lens.length; i++) {
    pieces[i] = text.slice(at, at + lens[i]);
    at += lens[i];
  }
  return pieces;
}

async function encode(msg) {
  const results = {};
  const transfer = [];
  for (const key of msg.keys) {
    if (!loaded.has(key)) {
      results[key] = { error: "not loaded" };
      continue;
    }
    try {
      const { handle } = loaded.get(key);
      if (!vocabularies.has(handle)) vocabularies.set(handle, readVocabulary(handle));
      const started = performance.now(); // the encode alone, not the first call's vocabulary
      const r = unpack(encodePacked(handle, msg.text, !!msg.addSpecial), vocabularies.get(handle));
      r.ms = performance.now() - started;
      // Typed arrays are views of one buffer: send the buffer, not copies.
      transfer.push(r.buffer);
      results[key] = r;
    } catch (err) {
      results[key] = { error: String(err.message || err) };
    }
  }
  postMessage({ type: "encoded", id: msg.id, results }, transfer);
}

// A corpus file is read a slice at a time, so memory never holds more than
// one slice of it; Go keeps only running totals (tokenizers/corpus).
const CORPUS_SLICE = 1 << 20;
const PROGRESS_EVERY_MS = 100;
// Annotation files are read whole; tokenizers/spans refuses larger ones too.
const MAX_ANNOTATION_BYTES = 32 << 20;

/** Parses a reply of the Go shim's corpus calls, throwing its error. */
function goReply(json) {
  const r = JSON.parse(json);
  if (r.error) throw new Error(r.error);
  return r;
}

/**
 * Corpus statistics over msg.files with the loaded tokenizers msg.keys: each
 * file is fed to Go in slices, with progress between them. In a folder every
 * file is one note. The page cancels by terminating this worker.
 */
async function corpus(msg) {
  const { run } = goReply(api.corpusStart(JSON.stringify(msg.keys)));
  const total = msg.files.reduce((n, f) => n + f.size, 0);
  let done = 0;
  let shown = 0;
  let p = { notes: 0, errors: 0 };
  for (const f of msg.files) {
    const name = msg.folder ? (f.webkitRelativePath || f.name) : "";
    const { file } = goReply(api.corpusFile(run, name, msg.folder ? "text" : f.name));
    if (f.size === 0) p = goReply(api.corpusFeed(run, file, new Uint8Array(0), true));
    for (let at = 0; at < f.size; at += CORPUS_SLICE) {
      const slice = new Uint8Array(await f.slice(at, at + CORPUS_SLICE).arrayBuffer());
      p = goReply(api.corpusFeed(run, file, slice, at + CORPUS_SLICE >= f.size));
      done += slice.byteLength;
      if (performance.now() - shown > PROGRESS_EVERY_MS) {
        shown = performance.now();
        postMessage({ type: "corpus-progress", done, total, ...p });
      }
    }
  }
  const report = goReply(api.corpusReport(run));
  api.corpusEnd(run);
  postMessage({ type: "corpus-done", report });
}

/** Span alignment of the annotation files (BRAT .ann + .txt, or JSONL). */
async function spans(msg) {
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const files = [];
  for (const f of msg.files) {
    if (f.size > MAX_ANNOTATION_BYTES) throw new Error(`${f.name}: larger than ${MAX_ANNOTATION_BYTES >> 20} MiB`);
    let text;
    try {
      text = utf8.decode(await f.arrayBuffer());
    } catch {
      throw new Error(`${f.name}: not valid UTF-8`);
    }
    files.push({ name: f.name, text });
  }
  const result = goReply(api.spansAlign(JSON.stringify(msg.keys), JSON.stringify(files), msg.maxLength));
  postMessage({ type: "spans-done", result });
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  try {
    switch (msg.type) {
      case "init":
        ready = init(msg.wasmExec, msg.wasm);
        postMessage({ type: "ready", ...(await ready) });
        break;
      case "load":
        await ready;
        postMessage({ type: "loaded", key: msg.key, info: await loadTokenizer(msg.key, msg.url, msg.bytes) });
        break;
      case "encode":
        await ready;
        await encode(msg);
        break;
      case "corpus":
        await ready;
        await corpus(msg);
        break;
      case "spans":
        await ready;
        await spans(msg);
        break;
      case "trace": {
        await ready;
        const trace = JSON.parse(api.trace(msg.key, msg.text));
        postMessage({ type: "traced", id: msg.id, key: msg.key, trace });
        break;
      }
      default:
        throw new Error("unknown message " + msg.type);
    }
  } catch (err) {
    postMessage({ type: "error", request: msg.type, key: msg.key, id: msg.id, error: String(err && err.message || err) });
  }
};
