// Browser tests of the tokenizer page's corpus statistics and span alignment:
// a generated corpus goes through the page (file input, Web Worker, WebAssembly),
// the table, histogram and CSV export appear, a long run can be cancelled, and
// no request of the page or its workers carries the file's text.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer, launchBrowser, newPage, repoRoot } from "./harness.mjs";

// A marker no request may carry, inside every generated note.
const MARKER = "Qv9CorpusMarker";
const drugs = ["metoprolol", "hydrochlorothiazide", "furosemide", "apixaban", "levothyroxine"];

/**
 * n synthetic notes as JSONL (made up here; no real patient). Self-contained,
 * so that the page can run it too.
 */
function corpusJSONL(n, marker = MARKER, list = drugs) {
  const lines = [];
  for (let i = 0; i < n; i++) {
    const drug = list[i % list.length];
    const extra = " Patient tolerated the procedure well.".repeat(i % 37);
    lines.push(JSON.stringify({ id: i + 1, text: `${marker} ${60 + (i % 30)} y/o pt on ${drug} ${(i % 9) + 1}0 mg PO daily; K+ 3.${i % 10}, BNP ${i * 7} pg/mL.${extra}` }));
  }
  lines.push("{not json");
  return lines.join("\n") + "\n";
}

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openPage({ cores } = {}) {
  const { page, context, record } = await newPage(browser);
  // The page spreads tokenizers over (cores - 1) workers and merges their reports.
  if (cores) await page.addInitScript((n) => Object.defineProperty(navigator, "hardwareConcurrency", { get: () => n }), cores);
  const requests = [];
  context.on("request", (req) => requests.push({ url: req.url(), method: req.method(), postData: req.postData() || "" }));
  await page.goto(server.url + "/tokenize");
  await page.waitForFunction(() => document.documentElement.dataset.tokenizer === "done", null, { timeout: 30000 });
  return { page, context, record, requests };
}

function assertNoLeak(requests, what) {
  for (const r of requests) {
    assert.ok(!decodeURIComponent(r.url).includes(MARKER) && !r.postData.includes(MARKER), `${what}: a request carried the file's text: ${r.url}`);
  }
}

test("corpus statistics: table, histogram and CSV export, the file never sent", async () => {
  const { page, context, record, requests } = await openPage({ cores: 8 });
  try {
    const wasmPaths = () => requests.map((r) => new URL(r.url).pathname).filter((p) => p.endsWith(".wasm"));
    // The inspector's module has no corpus code; the corpus workers fetch their own.
    assert.ok(wasmPaths().length > 0 && wasmPaths().every((p) => p.endsWith("/dist/tokenizer.wasm")), "before a run: " + wasmPaths());
    assert.match(await page.textContent("[data-testid=corpus-privacy]"), /never leaves this machine/);
    const selected = await page.$$eval('input[name="tokenizer"]:checked', (b) => b.map((x) => x.value));
    assert.ok(selected.length >= 1, "the inspector has tokenizers chosen");
    await page.setInputFiles("#corpus-file", { name: "notes.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(corpusJSONL(2000)) });
    await page.waitForSelector("[data-testid=corpus-table]", { timeout: 60000 });
    const status = await page.textContent("[data-testid=corpus-status]");
    assert.match(status, /^2,000 notes in [\d.]+ s; 1 lines skipped/);
    // One column per tokenizer, rows of statistics with numbers in them.
    const head = await page.$$eval("[data-testid=corpus-table] thead th", (th) => th.map((x) => x.textContent));
    assert.equal(head.length, selected.length + 1);
    const fertility = await page.$$eval("[data-testid=corpus-table] tbody tr", (rows) =>
      rows.find((r) => r.querySelector("th").textContent.startsWith("Tokens per word")).querySelectorAll("td").length);
    assert.equal(fertility, selected.length);
    await page.waitForFunction(() => document.querySelector("[data-testid=corpus-histogram]").dataset.drawn === "true", null, { timeout: 15000 });
    assert.ok(await page.$("[data-testid=corpus-histogram] canvas"), "the histogram is drawn");
    assert.match(await page.textContent("#corpus-lists"), /hydrochlorothiazide →/);

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=corpus-export]")]);
    const csv = readFileSync(await download.path(), "utf8").trim().split("\n");
    assert.equal(csv.length, selected.length + 1, "a header and one row per tokenizer");
    assert.match(csv[0], /^tokenizer,notes,tokens,mean_tokens,max_tokens,fertility,unk_rate/);
    // Rows in the order chosen, whichever worker computed them.
    assert.deepEqual(csv.slice(1).map((row) => row.split(",")[0]), selected);
    for (const row of csv.slice(1)) assert.equal(row.split(",")[1], "2000");

    assertNoLeak(requests, "corpus run");
    assert.ok(wasmPaths().some((p) => p.endsWith("/dist/corpus.wasm")), "the corpus workers ran corpus.wasm: " + wasmPaths());
    assert.deepEqual(record.consoleErrors, []);
  } finally {
    await context.close();
  }
});

test("a local tokenizer.json and a folder of notes: read in the browser, never uploaded", async (t) => {
  const { page, context, record, requests } = await openPage();
  try {
    const local = readFileSync(path.join(repoRoot, "tokenizers", "files", "clinical-wordpiece.json"));
    await page.setInputFiles("#tk-file", { name: "my-tokenizer.json", mimeType: "application/json", buffer: local });
    await page.waitForFunction(() => document.querySelector('input[name="tokenizer"][value="local-my-tokenizer"]')?.checked, null, { timeout: 30000 });
    const folder = mkdtempSync(path.join(tmpdir(), "clinlm-notes-"));
    writeFileSync(path.join(folder, "a.txt"), `${MARKER} on apixaban 5 mg BID.`);
    writeFileSync(path.join(folder, "b.txt"), `${MARKER} hydrochlorothiazide held.`);
    writeFileSync(path.join(folder, "skip.md"), "# not a note");
    // The page reads the files when it runs, so the folder stays until then.
    t.after(() => rmSync(folder, { recursive: true, force: true }));
    await page.setInputFiles("#corpus-folder", folder);
    await page.waitForSelector("[data-testid=corpus-table]", { timeout: 60000 });
    assert.match(await page.textContent("[data-testid=corpus-status]"), /^2 notes in /);
    const head = await page.$$eval("[data-testid=corpus-table] thead th", (th) => th.map((x) => x.textContent));
    assert.ok(head.includes("my-tokenizer.json (local)"), `a column for the local tokenizer: ${head}`);
    for (const r of requests) assert.ok(!r.postData.includes("clinical-wordpiece") && r.method !== "POST", `an upload: ${r.url}`);
    assertNoLeak(requests, "folder of notes");
    assert.deepEqual(record.consoleErrors, []);
  } finally {
    await context.close();
  }
});

test("a corpus run can be cancelled, and the page stays usable", async () => {
  const { page, context, record, requests } = await openPage();
  try {
    // Large enough to take seconds, so the cancel lands mid-run; made in the
    // page (a File from a Blob), as sending 40 MB through the driver is slow.
    await page.evaluate(`globalThis.makeCorpus = ${corpusJSONL}`);
    await page.evaluate(([n, marker, list]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([globalThis.makeCorpus(n, marker, list)], "big.jsonl", { type: "application/x-ndjson" }));
      const input = document.querySelector("#corpus-file");
      input.files = dt.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }, [60000, MARKER, drugs]);
    await page.waitForFunction(() => /notes read/.test(document.querySelector("[data-testid=corpus-status]").textContent), null, { timeout: 60000 });
    assert.equal(await page.isVisible("[data-testid=corpus-progress]"), true);
    await page.click("[data-testid=corpus-cancel]");
    await page.waitForFunction(() => /Cancelled/.test(document.querySelector("[data-testid=corpus-status]").textContent), null, { timeout: 10000 });
    assert.equal(await page.$("[data-testid=corpus-table]"), null, "no table from a cancelled run");
    assert.equal(await page.isVisible("[data-testid=corpus-cancel]"), false);
    // The inspector above still tokenizes.
    await page.fill("#tk-text", "Aspirin 81 mg daily.");
    await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=tokenize-panel]")].every((p) => /Aspirin|aspirin|asp/i.test(p.textContent)), null, { timeout: 15000 });
    assertNoLeak(requests, "cancelled run");
    assert.deepEqual(record.consoleErrors, []);
  } finally {
    await context.close();
  }
});

test("span alignment: counts per label, misaligned spans listed, IOB2 exports", async () => {
  const { page, context, record, requests } = await openPage();
  try {
    const text = `${MARKER} on metoprolol 25 mg for HTN.`;
    const at = (s) => text.indexOf(s);
    const ann = [
      `T1\tDrug ${at("metoprolol")} ${at("metoprolol") + 10}\tmetoprolol`,
      `T2\tPart ${at("prolol")} ${at("prolol") + 6}\tprolol`,
      `T3\tBad 5`,
    ].join("\n") + "\n";
    await page.setInputFiles("#spans-file", [
      { name: "n1.txt", mimeType: "text/plain", buffer: Buffer.from(text) },
      { name: "n1.ann", mimeType: "text/plain", buffer: Buffer.from(ann) },
    ]);
    await page.waitForSelector("[data-testid=spans-counts]", { timeout: 30000 });
    assert.match(await page.textContent("[data-testid=spans-status]"), /1 documents, \d+ spans .*; 1 annotation lines skipped/);
    const rows = await page.$$eval("[data-testid=spans-list] tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.ok(rows.some((r) => r[2] === "T2" && /start inside token/.test(r[6].replaceAll("-", " "))), "prolol starts inside a token");
    assert.match(await page.textContent("[data-testid=spans-results]"), /n1\.ann:3: offsets "5" are not START END/);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=spans-export-conll]")]);
    const conll = readFileSync(await download.path(), "utf8");
    assert.match(conll, /^# id = n1$/m);
    assert.match(conll, /\tB-Drug$/m);
    assert.match(conll, /^# misaligned = T2 Part /m);
    assertNoLeak(requests, "span alignment");
    assert.deepEqual(record.consoleErrors, []);
  } finally {
    await context.close();
  }
});
