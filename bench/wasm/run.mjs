// Tokenizer-in-the-browser benchmark: clinlm's Go tokenizer as WebAssembly
// against @huggingface/tokenizers (npm, the tokenizer of transformers.js), on
// the same clinical notes in the same Chromium page. Needs the built assets:
//   go tool task wasm catalogue && node bench/wasm/run.mjs [--rounds 7] [--notes 1000] [--json out.json]
// --corpus N also times the tokenizer page's corpus statistics over N generated
// notes (about 500 bytes each) with --corpus-tokenizers side by side.
// --cpu-profile N prints the N functions with the most self time in the page
// (Chromium's sampling profiler over the timed rounds; build the .wasm without
// -s -w to see Go's function names).
// Serves its files from a loopback-only server; Chromium is Debian's (harness).
import { createServer } from "node:http";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { launchBrowser, repoRoot } from "../../e2e/harness.mjs";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    warmup: { type: "string", default: "2" },
    notes: { type: "string", default: "1000" },
    tokenizers: { type: "string", default: "minilm,clinical-wordpiece,p50k,gpt2,clinical-bpe,clinical-unigram" },
    json: { type: "string" },
    corpus: { type: "string", default: "0" },
    "corpus-tokenizers": { type: "string", default: "minilm,gpt2,clinical-unigram" },
    "cpu-profile": { type: "string", default: "0" },
  },
});

const here = path.dirname(new URL(import.meta.url).pathname);
const catalogueDir = path.join(repoRoot, "tokenizers", "files");
const catalogue = JSON.parse(readFileSync(path.join(catalogueDir, "catalogue.json"), "utf8")).tokenizers;

/** Clinical notes: our synthetic samples plus public chest X-ray reports from ../shared when present. */
function corpus(limit) {
  const notes = JSON.parse(readFileSync(path.join(repoRoot, "tokenizers", "samples.json"), "utf8")).samples.map((s) => s.text);
  const shared = process.env.CLINLM_SHARED || path.join(repoRoot, "..", "shared");
  const csv = path.join(shared, "data", "iu-xray", "indiana_reports.csv");
  if (existsSync(csv)) {
    // Minimal CSV reader (quoted fields with commas and doubled quotes).
    const text = readFileSync(csv, "utf8");
    const rows = [];
    let row = [], field = "", quoted = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
      } else if (c === '"') quoted = true;
      else if (c === ",") { row.push(field); field = ""; }
      else if (c === "\n") { row.push(field); rows.push(row); row = []; field = ""; }
      else if (c !== "\r") field += c;
    }
    const head = rows.shift();
    const col = (name) => head.indexOf(name);
    for (const r of rows) {
      if (notes.length >= limit) break;
      const note = ["indication", "comparison", "findings", "impression"]
        .map((k) => (r[col(k)] ? `${k.toUpperCase()}: ${r[col(k)]}` : "")).filter(Boolean).join("\n");
      if (note.length > 80) notes.push(note);
    }
  }
  return notes.slice(0, limit);
}

const files = {
  "/bench.html": [path.join(here, "bench.html"), "text/html"],
  "/bench.js": [path.join(here, "bench.js"), "text/javascript"],
  "/wasm_exec.js": [path.join(repoRoot, "static", "dist", "wasm_exec.js"), "text/javascript"],
  "/tokenizer.wasm": [path.join(repoRoot, "static", "dist", "tokenizer.wasm"), "application/wasm"],
  "/corpus.wasm": [path.join(repoRoot, "static", "dist", "corpus.wasm"), "application/wasm"],
  "/hf/tokenizers.mjs": [path.join(repoRoot, "node_modules", "@huggingface", "tokenizers", "dist", "tokenizers.min.mjs"), "text/javascript"],
};
/**
 * n synthetic notes as JSONL, about 500 bytes each: made-up clinical sentences
 * (no real patient) drawn by a seeded generator, so every run reads the same file.
 */
function syntheticCorpus(n) {
  let seed = 20231;
  // A linear congruential generator; its high bits, as the low ones cycle.
  const rand = (k) => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor((seed / 2147483648) * k); };
  const pick = (xs) => xs[rand(xs.length)];
  const drugs = ["metoprolol succinate", "hydrochlorothiazide", "furosemide", "apixaban", "levothyroxine", "atorvastatin",
    "piperacillin-tazobactam", "ondansetron", "pantoprazole", "insulin glargine", "vancomycin", "acetaminophen"];
  const problems = ["CHF exacerbation", "community-acquired pneumonia", "AKI on CKD stage 3", "NSTEMI", "COPD flare",
    "DKA", "cellulitis of the LLE", "new-onset AFib with RVR", "GI bleed", "hyponatremia"];
  const sentences = [
    () => `${50 + rand(45)} y/o ${pick(["M", "F"])} w/ hx of ${pick(problems)} and ${pick(problems)} p/w ${pick(["SOB", "CP", "fever", "N/V", "weakness"])} x${1 + rand(6)} days.`,
    () => `Vitals: T ${36 + rand(3)}.${rand(10)} °C, HR ${55 + rand(60)}, BP ${95 + rand(70)}/${50 + rand(40)}, SpO2 ${88 + rand(12)}% on ${pick(["RA", "2 L NC", "4 L NC", "BiPAP"])}.`,
    () => `Labs notable for K+ ${3 + rand(3)}.${rand(10)}, Cr ${1 + rand(3)}.${rand(10)} (baseline 1.${rand(10)}), BNP ${100 + rand(3000)} pg/mL, WBC ${4 + rand(15)}.${rand(10)}.`,
    () => `Started ${pick(drugs)} ${5 * (1 + rand(40))} mg ${pick(["PO daily", "IV q8h", "PO BID", "SC qHS"])}; held ${pick(drugs)}.`,
    () => `CXR: ${pick(["bilateral pleural effusions", "RLL consolidation", "no acute cardiopulmonary process", "mild pulmonary edema"])}.`,
    () => `Plan: ${pick(["diurese to euvolemia", "continue abx for 7 days", "cardiology consult", "trend troponins", "PT/OT eval"])}, ${pick(["f/u in clinic in 2 wk", "dispo pending PT", "monitor on tele"])}.`,
  ];
  const lines = [];
  for (let i = 0; i < n; i++) {
    let text = "";
    while (text.length < 250 + rand(600)) text += (text ? " " : "") + pick(sentences)();
    lines.push(JSON.stringify({ id: i + 1, text }));
  }
  return Buffer.from(lines.join("\n") + "\n");
}
const corpusNotes = Number(args.corpus);
const corpusBody = corpusNotes > 0 ? syntheticCorpus(corpusNotes) : null;

for (const t of catalogue) files[`/tok/${t.name}.json`] = [path.join(catalogueDir, t.file), "application/json"];

const server = createServer((req, res) => {
  if (corpusBody && new URL(req.url, "http://x").pathname === "/corpus.jsonl") {
    res.writeHead(200, { "Content-Type": "application/x-ndjson", "Cache-Control": "no-store" }).end(corpusBody);
    return;
  }
  const f = files[new URL(req.url, "http://x").pathname];
  if (!f || !existsSync(f[0])) { res.writeHead(404).end(); return; }
  res.writeHead(200, { "Content-Type": f[1], "Cache-Control": "no-store" }).end(readFileSync(f[0]));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${server.address().port}`;

const notes = corpus(Number(args.notes));
const bytes = notes.reduce((n, s) => n + Buffer.byteLength(s), 0);
const wanted = args.tokenizers.split(",").filter((name) => {
  const t = catalogue.find((c) => c.name === name);
  const ok = t && existsSync(path.join(catalogueDir, t.file));
  if (!ok) console.error(`skipping ${name}: not built (go tool task catalogue)`);
  return ok;
});

/** Prints the functions with the most self time in a CDP profile, by name. */
function printSelfTime(profile, top) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (const id of profile.samples) {
    const f = byId.get(id).callFrame;
    const name = f.functionName || `(anonymous ${path.basename(f.url)}:${f.lineNumber})`;
    self.set(name, (self.get(name) || 0) + 1);
  }
  const total = profile.samples.length;
  console.log(`\nSelf time, ${total} samples:`);
  for (const [name, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(100 * n / total).toFixed(1).padStart(5)} %  ${name}`);
  }
}

const browser = await launchBrowser();
let report;
try {
  const page = await browser.newPage();
  page.on("console", (m) => { if (m.type() === "error") console.error("page:", m.text()); });
  await page.goto(base + "/bench.html");
  await page.waitForFunction(() => typeof Go === "function");
  if (notes.length > 0) {
    const profileTop = Number(args["cpu-profile"]);
    const cdp = profileTop > 0 ? await page.context().newCDPSession(page) : null;
    if (cdp) {
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
      await cdp.send("Profiler.start");
    }
    report = await page.evaluate(async (config) => (await import("/bench.js")).run(config),
      { notes, bytes, tokenizers: wanted, rounds: Number(args.rounds), warmup: Number(args.warmup) });
    if (cdp) printSelfTime((await cdp.send("Profiler.stop")).profile, profileTop);
  } else {
    report = { results: [], version: "" };
  }
  report.chromium = browser.version();
  if (corpusBody) {
    // A fresh page: the corpus run's memory is its own.
    const cpage = await browser.newPage();
    cpage.on("console", (m) => { if (m.type() === "error") console.error("page:", m.text()); });
    await cpage.goto(base + "/bench.html");
    await cpage.waitForFunction(() => typeof Go === "function");
    report.corpus = await cpage.evaluate(async (config) => (await import("/bench.js")).runCorpus(config),
      { tokenizers: args["corpus-tokenizers"].split(",") });
  }
} finally {
  await browser.close();
  server.close();
}

const f = (x, d = 2) => x.toFixed(d);
console.log(`\nChromium ${report.chromium}, ${report.version}; ${notes.length} notes, ${(bytes / 1e6).toFixed(2)} MB, median of ${args.rounds} rounds\n`);
console.log("| tokenizer | Go wasm ms/note | Go wasm MB/s | Go wasm Mtok/s | @huggingface/tokenizers ms/note | MB/s | Mtok/s | speed-up | same ids |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of report.results) {
  console.log(`| ${r.tokenizer} | ${f(r.go.msPerNote, 3)} | ${f(r.go.mbPerS)} | ${f(r.go.tokPerS / 1e6)} | ${f(r.hf.msPerNote, 3)} | ${f(r.hf.mbPerS)} | ${f(r.hf.tokPerS / 1e6)} | ×${f(r.speedup)} | ${r.agree}/${r.notes} |`);
}
if (report.corpus) {
  const c = report.corpus;
  const mib = (b) => (b / 1048576).toFixed(0);
  console.log(`\nCorpus statistics (the tokenizer page's path): ${c.notes} notes, ${(c.bytes / 1e6).toFixed(1)} MB, ` +
    `${c.tokenizers.length} tokenizers side by side, one run`);
  console.log("| notes | MB | tokenizers | seconds | notes/s | MB/s | wasm memory after loading → after the run | JS heap growth |");
  console.log("|---|---|---|---|---|---|---|---|");
  console.log(`| ${c.notes} | ${f(c.bytes / 1e6, 1)} | ${c.tokenizers.map((t) => t.name).join(", ")} | ${f(c.ms / 1000, 1)} | ${f(c.notes / (c.ms / 1000), 0)} | ` +
    `${f(c.bytes / 1e6 / (c.ms / 1000))} | ${mib(c.wasmMemoryLoaded)} → ${mib(c.wasmMemoryAfter)} MiB | ${c.jsHeapDelta == null ? "–" : mib(c.jsHeapDelta) + " MiB"} |`);
  for (const t of c.tokenizers) console.log(`  ${t.name}: ${t.tokens} tokens, fertility ${f(t.fertility)}, ${f(100 * t.over512, 1)} % of notes over 512`);
}
if (args.json) writeFileSync(args.json, JSON.stringify({ notes: notes.length, bytes, ...report }, null, 1) + "\n");
