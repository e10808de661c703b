// Tokenizer-in-the-browser benchmark: clinlm's Go tokenizer as WebAssembly
// against @huggingface/tokenizers (npm, the tokenizer of transformers.js), on
// the same clinical notes in the same Chromium page. Needs the built assets:
//   go tool task wasm catalogue && node bench/wasm/run.mjs [--rounds 7] [--notes 1000] [--json out.json]
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
    tokenizers: { type: "string", default: "minilm,clinical-wordpiece,gpt2,clinical-bpe,clinical-unigram" },
    json: { type: "string" },
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
  "/hf/tokenizers.mjs": [path.join(repoRoot, "node_modules", "@huggingface", "tokenizers", "dist", "tokenizers.min.mjs"), "text/javascript"],
};
for (const t of catalogue) files[`/tok/${t.name}.json`] = [path.join(catalogueDir, t.file), "application/json"];

const server = createServer((req, res) => {
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

const browser = await launchBrowser();
let report;
try {
  const page = await browser.newPage();
  page.on("console", (m) => { if (m.type() === "error") console.error("page:", m.text()); });
  await page.goto(base + "/bench.html");
  await page.waitForFunction(() => typeof Go === "function");
  report = await page.evaluate(async (config) => (await import("/bench.js")).run(config),
    { notes, bytes, tokenizers: wanted, rounds: Number(args.rounds), warmup: Number(args.warmup) });
  report.chromium = browser.version();
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
if (args.json) writeFileSync(args.json, JSON.stringify({ notes: notes.length, bytes, ...report }, null, 1) + "\n");
