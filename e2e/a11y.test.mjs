// Accessibility of every page in Chromium: axe-core (npm, injected from
// node_modules, never fetched) runs the WCAG 2.0/2.1 A and AA rules over each
// page in the state a user sees it — the inspector after it has tokenized, the
// demos after a sample ran — and no serious or critical violation may remain.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { startServer, launchBrowser, newPage, repoRoot, waitForCharts, demoSetup, ortLib } from "./harness.mjs";

const axePath = path.join(repoRoot, "node_modules", "axe-core", "axe.min.js");
const { modelsDir, missing } = demoSetup();
const demoSkip = missing.length > 0 && !process.env.CI ? `demo pages skipped: missing ${missing.join(" and ")}` : false;

let server;
let browser;
let demoModels = [];

before(async () => {
  server = await startServer(modelsDir && !missing.length ? ["--models", modelsDir, "--ort-lib", ortLib] : []);
  browser = await launchBrowser();
  if (!demoSkip) {
    const res = await fetch(server.url + "/api/v1/models");
    demoModels = (await res.json()).models.filter((m) => m.kind === "demo");
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Runs axe on the page and returns its serious and critical violations, one line per node. */
async function seriousViolations(page) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    resultTypes: ["violations"],
  }));
  const out = [];
  for (const v of result.violations) {
    if (v.impact !== "serious" && v.impact !== "critical") continue;
    for (const n of v.nodes) out.push(`${v.id} (${v.impact}): ${n.target.join(" ")} — ${n.failureSummary.split("\n").slice(0, 2).join(" ")}`);
  }
  return out;
}

/** Opens a page, lets it settle (prepare), and asserts axe finds nothing serious. */
async function check(pathname, prepare = async () => {}) {
  // bypassCSP lets the test inject axe; the pages themselves keep their CSP.
  const { page, context } = await newPage(browser, { bypassCSP: true });
  try {
    const res = await page.goto(server.url + pathname);
    assert.equal(res.status(), 200, pathname);
    await prepare(page);
    const found = await seriousViolations(page);
    assert.deepEqual(found, [], `${pathname}: ${found.length} serious or critical axe violations`);
  } finally {
    await context.close();
  }
}

const resultPages = [
  ["/", 0], ["/leaderboard", 0], ["/leaderboard/mednli", 0], ["/leaderboard/radqa", 0], ["/leaderboard/clip", 0],
  ["/models/GatorTron", 1], ["/models/GPT-3", 0], ["/figures/flops", 3], ["/figures/ablation", 5], ["/cost", 1],
  ["/errata", 0],
];

test("results pages have no serious accessibility violations", async (t) => {
  for (const [p, charts] of resultPages) {
    await t.test(p, () => check(p, async (page) => { if (charts) await waitForCharts(page); }));
  }
});

test("the tokenizer inspector, with tokens shown side by side, has no serious violations", async () => {
  await check("/tokenize", async (page) => {
    await page.waitForFunction(() => document.documentElement.dataset.tokenizer === "done", null, { timeout: 30000 });
    await page.$$eval('input[name="tokenizer"]', (boxes) => {
      for (const b of boxes.slice(0, 2)) b.checked = true;
      boxes[0].dispatchEvent(new Event("change", { bubbles: true }));
    });
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=tokenize-panel][data-tokens]").length >= 2,
      null, { timeout: 30000 });
  });
});

test("the corpus statistics and span alignment, with results shown, have no serious violations", async () => {
  await check("/tokenize", async (page) => {
    await page.waitForFunction(() => document.documentElement.dataset.tokenizer === "done", null, { timeout: 30000 });
    const notes = ["Pt on metoprolol 25 mg daily.", "BP 120/80, K+ 3.9; hydrochlorothiazide held."]
      .map((text, i) => JSON.stringify({ id: i + 1, text })).join("\n") + "\n";
    await page.setInputFiles("#corpus-file", { name: "notes.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(notes) });
    await page.waitForFunction(() => document.querySelector("[data-testid=corpus-histogram]").dataset.drawn === "true", null, { timeout: 30000 });
    const text = "Pt on metoprolol 25 mg.";
    await page.setInputFiles("#spans-file", [
      { name: "n.txt", mimeType: "text/plain", buffer: Buffer.from(text) },
      { name: "n.ann", mimeType: "text/plain", buffer: Buffer.from("T1\tDrug 6 16\tmetoprolol\nT2\tDrug 9 16\toprolol\n") },
    ]);
    await page.waitForSelector("[data-testid=spans-list]", { timeout: 30000 });
    await page.$$eval("#corpus-lists details", (ds) => { for (const d of ds) d.open = true; });
  });
});

test("demo pages, their results, /models and the model cards have no serious violations", { skip: demoSkip }, async (t) => {
  assert.equal(missing.length, 0, `CI is set but ${missing.join(" and ")} is missing`);
  for (const task of ["nli", "qa", "clip"]) {
    await t.test(`/demo/${task}`, () => check(`/demo/${task}`, async (page) => {
      await page.locator(".demo-gallery a.sample").first().click();
      await page.click("#run");
      await page.waitForSelector(".demo-result[data-done]", { timeout: 20000 });
    }));
  }
  // Word importance shown (and, for NLI, a premise past max_length greyed), from the form's checkbox.
  for (const task of ["nli", "qa", "clip"]) {
    await t.test(`/demo/${task} with word importance`, () => check(`/demo/${task}`, async (page) => {
      await page.locator(".demo-gallery a.sample").first().click();
      if (task === "nli") {
        const premise = page.locator("#field-premise");
        await premise.fill(`${(await premise.inputValue()).trim()} `.repeat(12));
      }
      await page.check("#saliency");
      await page.click("#run");
      await page.waitForSelector(".demo-result[data-saliency=done]", { timeout: 30000 });
    }));
  }
  await t.test("/demo/clip with word importance refused (too long)", () => check("/demo/clip", async (page) => {
    await page.locator("#field-text").fill("Take aspirin daily. ".repeat(120));
    await page.check("#saliency");
    await page.click("#run");
    await page.waitForSelector(".demo-result[data-saliency=error]", { timeout: 30000 });
  }));
  await t.test("/models", () => check("/models"));
  for (const m of demoModels) {
    await t.test(`/demo/card/${m.name}`, () => check(`/demo/card/${encodeURIComponent(m.name)}`));
  }
});

test("live evaluation pages and a model card with its misses have no serious violations", { skip: demoSkip }, async (t) => {
  const nli = demoModels.find((m) => m.task === "nli" && m.status === "ready");
  assert.ok(nli, "an nli demo model");
  const res = await fetch(server.url + "/api/v1/evaluations", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model: nli.name, dataset: "devset:nli" }),
  });
  assert.equal(res.status, 202);
  const { id } = await res.json();
  for (let i = 0; i < 600; i++) {
    const j = await (await fetch(server.url + "/api/v1/evaluations/" + id)).json();
    if (j.status !== "queued" && j.status !== "running") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const p of ["/evaluate", "/evaluations/" + id, "/demo/card/" + encodeURIComponent(nli.name), "/figures/flops"]) {
    await t.test(p, () => check(p, async (page) => { if (p === "/figures/flops") await waitForCharts(page); }));
  }
});
