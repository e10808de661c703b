// Browser tests of the live demos (/demo/nli, /demo/qa, /demo/clip) and the
// /models page in Chromium: a gallery sample runs over the websocket and its
// result renders, two models compare side by side, the CLIP threshold slider
// re-labels without re-running, the POST form works without JavaScript, a
// server without models says what is missing, no page logs a console error,
// and the note never appears in a request URL.
//
// Needs ONNX Runtime (go tool task ort) and demo models: the committed models/
// when they cover every task, else the random-weight test models
// (go tool task models-venv → .cache/testmodels). Without them the tests skip
// with a message, unless CI is set, where they fail.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer, launchBrowser, newPage, maybeScreenshot, ortLib, demoSetup } from "./harness.mjs";

const { modelsDir, missing } = demoSetup();
const skip = missing.length > 0 && !process.env.CI ? `demo e2e skipped: missing ${missing.join(" and ")}` : false;

// A marker appended to the note: it must travel only inside websocket frames.
const MARKER = "Zq7xDemoMarker";

let server;
let bare;
let browser;
let catalogue = [];

before(async () => {
  if (skip) return;
  assert.equal(missing.length, 0, `CI is set but ${missing.join(" and ")} is missing`);
  server = await startServer(["--models", modelsDir, "--ort-lib", ortLib]);
  bare = await startServer(["--models", mkdtempSync(path.join(tmpdir(), "clinlm-empty-models-")), "--ort-lib", ortLib]);
  browser = await launchBrowser();
  const res = await fetch(server.url + "/api/v1/models");
  catalogue = (await res.json()).models.filter((m) => m.kind === "demo");
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await bare?.stop();
});

/** Asserts that no request URL of the page carried the marker or the note. */
function assertNoTextInURLs(record, texts) {
  for (const r of record.requests) {
    const url = decodeURIComponent(r.url).replace(/\+/g, " ");
    for (const t of texts) assert.ok(!url.includes(t), `request URL carries note text: ${r.url}`);
  }
}

/** Clicks a sample, marks the first field, ticks the given models and runs. */
async function runSample(page, task, sampleIndex, models) {
  await page.goto(`${server.url}/demo/${task}`);
  await page.locator(".demo-gallery a.sample").nth(sampleIndex).click();
  const first = page.locator("#demo-form textarea").first();
  const note = await first.inputValue();
  await first.fill(`${note} ${MARKER}`);
  for (const box of await page.locator("input[name=model]").all()) {
    const name = await box.getAttribute("value");
    if (models.includes(name)) await box.check(); else if (await box.isEnabled()) await box.uncheck();
  }
  await page.click("#run");
  await page.waitForFunction((n) => document.querySelectorAll(".demo-result[data-done]").length === n, models.length, { timeout: 20000 });
  return note;
}

const namesFor = (task) => catalogue.filter((m) => m.task === task && m.status === "ready").map((m) => m.name);

const cases = [
  {
    task: "nli",
    check: async (page) => {
      const rows = await page.$$eval('[data-testid="nli-bars"] tr', (trs) => trs.map((tr) => ({
        label: tr.querySelector("th").textContent, score: Number(tr.querySelector("td.num").textContent) })));
      assert.equal(rows.length, 3);
      const sum = rows.reduce((a, r) => a + r.score, 0);
      assert.ok(Math.abs(sum - 1) < 0.01, `probabilities sum to ${sum}`);
      assert.deepEqual([...rows].sort((a, b) => b.score - a.score), rows, "bars are sorted by score");
      assert.match(await page.locator('[data-testid="nli-verdict"]').textContent(), new RegExp(`^${rows[0].label}: (very likely|somewhat likely|not confident)`));
    },
  },
  {
    task: "qa",
    check: async (page) => {
      assert.ok(await page.locator('[data-testid="qa-context"] mark.rank-1').count() >= 1, "the best answer is highlighted");
      const answers = await page.locator('[data-testid="qa-answers"] li').count();
      assert.ok(answers >= 1, "a top-k list is shown");
      // The highlight is the answer text at its offsets.
      const marked = await page.locator('[data-testid="qa-context"] mark.rank-1').allTextContents();
      const best = await page.locator('[data-testid="qa-answers"] li q').first().textContent();
      assert.ok(best.startsWith(marked[0]) || best.includes(marked.join("")), `highlight ${marked} vs answer ${best}`);
    },
  },
  {
    task: "clip",
    check: async (page) => {
      const sentences = await page.locator('[data-testid="clip-sentences"] li').count();
      assert.ok(sentences >= 3, `${sentences} sentences`);
    },
  },
];

for (const c of cases) {
  test(`/demo/${c.task}: a sample runs over the websocket and renders`, { skip }, async () => {
    const { page, context, record } = await newPage(browser);
    try {
      const models = namesFor(c.task).slice(0, 1);
      assert.equal(models.length, 1, `a ready ${c.task} model`);
      const note = await runSample(page, c.task, 1, models);
      await c.check(page);
      const timing = await page.locator(".demo-result .timing").first().textContent();
      assert.match(timing, /queue .* ms · tokenize .* ms · run .* ms/);
      assert.ok(await page.locator('[data-testid="privacy"]').isVisible());
      assert.ok(await page.locator(`.demo-result a, a[href="/demo/card/${models[0]}"]`).count() >= 1, "a model card link");
      await maybeScreenshot(page, `demo-${c.task}.png`, { fullPage: true });
      assert.deepEqual(record.consoleErrors, []);
      assertNoTextInURLs(record, [MARKER, note.slice(0, 40)]);
    } finally {
      await context.close();
    }
  });
}

test("/demo/nli: the values a reference-range model was told about are listed", { skip }, async (t) => {
  if (!namesFor("nli").includes("minilm-nli")) return t.skip("models/minilm-nli (which reads values against reference ranges) is not in this catalogue");
  const { page, context, record } = await newPage(browser);
  try {
    await runSample(page, "nli", 1, ["minilm-nli"]); // "Afebrile on admission": T 36.8 C, HR 88 (BP 132/76 lies in a grey zone: no mark)
    const items = await page.locator('.demo-result[data-model="minilm-nli"] [data-testid="value-readings"] li').allTextContents();
    for (const want of ["T 36.8 C: normal temperature", "HR 88: normal heart rate"]) {
      assert.ok(items.includes(want), `value readings ${JSON.stringify(items)} lack ${want}`);
    }
    assert.deepEqual(record.consoleErrors, []);
  } finally {
    await context.close();
  }
});

test("/demo/clip: compare two models side by side, re-threshold without re-running", { skip }, async () => {
  const { page, context, record } = await newPage(browser);
  try {
    const models = namesFor("clip");
    assert.ok(models.length >= 2, `two CLIP models to compare (have ${models})`);
    await runSample(page, "clip", 0, models.slice(0, 2));
    assert.deepEqual((await page.$$eval(".demo-result", (els) => els.map((e) => e.dataset.model))).sort(), models.slice(0, 2).sort());
    assert.ok(await page.isChecked("#model-thresholds"), "labels are first cut at each model's tuned thresholds");
    const framesBefore = record.requests.length;
    const chips = async () => page.locator('[data-testid="clip-sentences"] .chip').count();
    const setThreshold = (v) => page.$eval("#threshold", (el, v) => { el.value = v; el.dispatchEvent(new Event("input")); }, v);
    await setThreshold("0");
    assert.ok(!(await page.isChecked("#model-thresholds")), "moving the slider switches to one threshold for every label");
    // Each model tags each of its sentences with every one of its own labels (CLIP's seven, or another set).
    let everyLabel = 0;
    for (const name of models.slice(0, 2)) {
      const result = page.locator(`.demo-result[data-model="${name}"]`);
      const labels = catalogue.find((m) => m.name === name).labels.length;
      everyLabel += (await result.locator('[data-testid="clip-sentences"] li').count()) * labels;
    }
    assert.ok(everyLabel > 0);
    assert.equal(await chips(), everyLabel, "every label passes threshold 0");
    await setThreshold("1");
    assert.ok(await chips() < everyLabel, "fewer labels at threshold 1");
    assert.equal(await page.locator("#threshold-value").textContent(), "1.00");
    assert.equal(record.requests.length, framesBefore, "re-thresholding sends no request");
    assert.deepEqual(record.consoleErrors, []);
  } finally {
    await context.close();
  }
});

test("without JavaScript the form POSTs and the server renders the result", { skip }, async () => {
  const { page, context, record } = await newPage(browser, { javaScriptEnabled: false });
  try {
    await page.goto(`${server.url}/demo/nli?sample=afebrile`);
    await page.click("#run");
    await page.waitForSelector(".demo-result table.bars");
    assert.equal(await page.locator(".demo-result table.bars tr").count(), 3);
    assert.match(await page.locator(".demo-result .timing").textContent(), /queue .* ms/);
    assertNoTextInURLs(record, ["On arrival she was afebrile"]);
  } finally {
    await context.close();
  }
});

test("/models lists every demo model with status, task and card link", { skip }, async () => {
  const { page, context, record } = await newPage(browser);
  try {
    await page.goto(`${server.url}/models`);
    const rows = await page.$$eval('[data-testid="demo-models"] tbody tr', (trs) => trs.map((tr) => tr.dataset.model));
    assert.deepEqual(rows.sort(), catalogue.map((m) => m.name).sort());
    await page.click(`a[href="/demo/card/${catalogue[0].name}"]`);
    assert.match(await page.locator('[data-testid="model-card"]').textContent(), /Task: /);
    assert.deepEqual(record.consoleErrors, []);
  } finally {
    await context.close();
  }
});

test("a server without models says what is missing and how to fix it", { skip }, async () => {
  const { page, context, record } = await newPage(browser);
  try {
    await page.goto(`${bare.url}/demo/qa`);
    const problem = await page.locator('[data-testid="demo-problem"]').first().textContent();
    assert.match(problem, /No QA model is loaded/);
    assert.match(problem, /--models DIR/);
    assert.equal(await page.locator("input[name=model]").count(), 0);
    assert.deepEqual(record.consoleErrors, []);
  } finally {
    await context.close();
  }
});

/** Records the websocket frames the page sends and receives (parsed). */
function recordFrames(page) {
  const frames = { sent: [], received: [] };
  page.on("websocket", (ws) => {
    ws.on("framesent", (f) => { try { frames.sent.push(JSON.parse(f.payload)); } catch { /* not JSON */ } });
    ws.on("framereceived", (f) => { try { frames.received.push(JSON.parse(f.payload)); } catch { /* not JSON */ } });
  });
  return frames;
}

test("word importance: the unseen part of a long note is greyed, the toggle streams progress, hides and shows", { skip }, async () => {
  const { page, context, record } = await newPage(browser);
  const frames = recordFrames(page);
  try {
    const model = namesFor("nli")[0];
    await page.goto(`${server.url}/demo/nli`);
    await page.locator(".demo-gallery a.sample").first().click();
    const premise = page.locator("#field-premise");
    const long = `${(await premise.inputValue()).trim()} `.repeat(12) + MARKER; // past any demo model's max_length
    await premise.fill(long);
    for (const box of await page.locator("input[name=model]").all()) {
      if ((await box.getAttribute("value")) === model) await box.check(); else if (await box.isEnabled()) await box.uncheck();
    }
    await page.click("#run");
    await page.waitForSelector(".demo-result[data-done]", { timeout: 20000 });
    const column = page.locator(`.demo-result[data-model="${model}"]`);
    assert.match(await column.locator('[data-testid="truncation"]').textContent(), /Premise: The model saw \d+ of \d+ tokens/);
    assert.ok((await column.locator('[data-testid="truncation"] .unseen').textContent()).endsWith(MARKER), "the cut end is greyed");

    const toggle = column.locator('[data-testid="saliency-toggle"]');
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    await toggle.click();
    await page.waitForSelector(`.demo-result[data-model="${model}"][data-saliency="done"]`, { timeout: 30000 });
    const progress = frames.received.filter((f) => f.type === "progress");
    assert.ok(progress.length >= 1, "progress frames streamed");
    const last = progress[progress.length - 1].progress;
    assert.equal(last.done, last.total);
    const view = column.locator('[data-testid="saliency"]');
    assert.ok(await view.isVisible());
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    assert.ok(await view.locator('[data-testid="saliency-legend"]').isVisible());
    const titles = await view.locator(".shaded span[title^=importance]").evaluateAll((els) => els.map((e) => e.title));
    assert.ok(titles.length >= 10, `${titles.length} shaded words`);
    for (const t of titles) assert.match(t, /^importance [+-]\d\.\d{3}$/);
    assert.ok(await view.locator(".shaded .unseen").count() === 1, "the unseen part is greyed in the shaded premise too");
    assert.equal(await view.locator('[data-testid="top-words"] tbody tr').count(), 8);
    // Shown and hidden again without another model run.
    await toggle.click();
    assert.ok(!(await view.isVisible()));
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    await toggle.click();
    assert.ok(await view.isVisible());
    assert.equal(frames.sent.filter((f) => f.type === "saliency").length, 1, "one saliency request");
    assert.deepEqual(record.consoleErrors, []);
    assertNoTextInURLs(record, [MARKER]);
  } finally {
    await context.close();
  }
});

test("word importance: cancel stops it, a note over the word limit is refused, the form asks for it without JavaScript", { skip }, async () => {
  const { page, context, record } = await newPage(browser);
  const frames = recordFrames(page);
  try {
    const model = namesFor("clip")[0];
    await runSample(page, "clip", 0, [model]);
    const column = page.locator(`.demo-result[data-model="${model}"]`);
    // Cancel right after the request left: the cancel frame follows it on the same connection.
    await page.evaluate(async () => {
      document.querySelector('[data-testid="saliency-toggle"]').click();
      await new Promise((r) => setTimeout(r, 0));
      document.querySelector('[data-testid="saliency-cancel"]').click();
    });
    await page.waitForSelector(`.demo-result[data-saliency="cancelled"]`, { timeout: 20000 });
    assert.match(await column.locator('[data-testid="saliency-status"]').textContent(), /Cancelled/);
    assert.ok(frames.sent.some((f) => f.type === "cancel"), "a cancel frame was sent");
    assert.ok(frames.received.some((f) => f.type === "error" && f.error.code === "canceled"));
    // It can run again after a cancel.
    await column.locator('[data-testid="saliency-toggle"]').click();
    await page.waitForSelector(`.demo-result[data-saliency="done"]`, { timeout: 30000 });

    // Over --max-saliency-words (400): a clear too_long.
    await page.locator("#field-text").fill("Take aspirin daily. ".repeat(120));
    await page.click("#run");
    await page.waitForSelector(".demo-result[data-done]", { timeout: 20000 });
    await page.locator('[data-testid="saliency-toggle"]').click();
    await page.waitForSelector(`.demo-result[data-saliency="error"]`, { timeout: 20000 });
    assert.match(await page.locator('[data-testid="saliency-status"]').textContent(), /too_long: .*480 words.*limited to 400 words/);
    assert.deepEqual(record.consoleErrors, []);
  } finally {
    await context.close();
  }
  const noJS = await newPage(browser, { javaScriptEnabled: false });
  try {
    await noJS.page.goto(`${server.url}/demo/qa`);
    await noJS.page.check("#saliency");
    await noJS.page.click("#run");
    await noJS.page.waitForSelector('.demo-result [data-testid="saliency"]');
    assert.match(await noJS.page.locator('[data-testid="saliency"] p').first().textContent(), /^Explains the answer “.+” \(span probability \d\.\d{3}\)/);
    assert.ok(await noJS.page.locator('[data-testid="saliency"] .shaded span[title^=importance]').count() >= 10);
    assert.ok(await noJS.page.locator('[data-testid="top-words"] tbody tr').count() >= 1);
  } finally {
    await noJS.context.close();
  }
});
