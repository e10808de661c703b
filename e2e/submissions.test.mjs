// Browser tests of result submissions, live evaluation and the API
// reference: the submission form works with JavaScript off (errors beside
// each field, then the edit key), an approved submission shows on the
// leaderboard marked "submitted", an evaluation started from its form runs
// to its numbers (the page reloads itself; with JavaScript it streams its
// progress over the websocket instead), it can be cancelled from its page,
// and the pages load with no console errors and nothing from another origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer, launchBrowser, newPage, repoRoot } from "./harness.mjs";

const moderatorToken = "e2e-moderator-token";
let server;
let browser;
let dataDir;

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "clinlm-e2e-"));
  server = await startServer(["--data-dir", dataDir], { CLINLM_MODERATOR_TOKEN: moderatorToken });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function assertClean(record) {
  assert.deepEqual(record.consoleErrors, [], "console errors");
  assert.deepEqual(record.failed, [], "failed requests");
  for (const r of record.requests) assert.ok(r.url.startsWith(server.url + "/"), `request left the server: ${r.url}`);
}

test("the API reference page loads cleanly and lists the operations", async () => {
  const { page, context, record } = await newPage(browser);
  try {
    const res = await page.goto(server.url + "/api");
    assert.equal(res.status(), 200);
    assert.ok((await page.locator('[data-testid="api-op"]').count()) >= 10);
    assertClean(record);
  } finally {
    await context.close();
  }
});

test("a submission through the form without JavaScript, approved, is on the leaderboard", async () => {
  const { page, context, record } = await newPage(browser, { javaScriptEnabled: false });
  try {
    await page.goto(server.url + "/submit");
    await page.fill("#s-model_name", "E2E-ClinBERT");
    await page.fill("#s-model_params", "110M");
    await page.selectOption("#s-model_domain", "clinical");
    await page.selectOption("#s-task", "MedNLI");
    await page.selectOption("#s-metric", "accuracy");
    await page.fill("#s-value", "86.2"); // a percentage: out of range
    await page.fill("#s-runs", "3");
    await page.fill("#s-std", "0.004");
    await page.fill("#s-contact", "e2e@example.org");
    await Promise.all([page.waitForURL(/\/submit$/), page.click('button[type="submit"]')]);
    assert.match(await page.textContent('[data-testid="error-value"]'), /86.2 is above 1/);
    assert.equal(await page.inputValue("#s-model_name"), "E2E-ClinBERT", "the form keeps what was typed");

    await page.fill("#s-value", "0.862");
    await Promise.all([page.waitForURL(/\/submit$/), page.click('button[type="submit"]')]);
    const key = (await page.textContent('[data-testid="edit-key"]')).trim();
    assert.ok(key.length > 20, "the edit key is shown");
    assert.equal(await page.locator('tr[data-submission="1"]').count(), 1);
    assert.ok(!(await page.content()).includes("e2e@example.org"), "the contact is never shown");

    const approve = await fetch(server.url + "/api/v1/submissions/1/approve", {
      method: "POST", headers: { Authorization: "Bearer " + moderatorToken },
    });
    assert.equal(approve.status, 200);
    await page.goto(server.url + "/leaderboard");
    const row = page.locator('tr[data-model="E2E-ClinBERT"]');
    assert.equal(await row.count(), 1);
    assert.equal(await row.locator('[data-testid="submitted"]').count(), 1);
    assertClean(record);
  } finally {
    await context.close();
  }
});

test("a live evaluation from the form without JavaScript runs to its numbers", async () => {
  const { page, context, record } = await newPage(browser, { javaScriptEnabled: false });
  try {
    await page.goto(server.url + "/evaluate");
    if (await page.locator('[data-testid="evaluate-disabled"]').count()) {
      assert.fail("no models loaded: the browser tests need the demo models and ONNX Runtime (go tool task ort)");
    }
    await page.selectOption("#e-model", "minilm-nli");
    await page.setInputFiles("#e-data", path.join(repoRoot, "inference", "eval", "testdata", "nli.jsonl"));
    await Promise.all([page.waitForURL(/\/evaluations\/\d+$/), page.click('button[type="submit"]')]);
    // The page reloads itself (meta refresh) until the evaluation has finished.
    await page.waitForSelector('[data-testid="evaluation-metrics"]', { timeout: 60000 });
    assert.equal((await page.textContent('[data-testid="evaluation-status"]')).trim(), "done");
    assert.match(await page.textContent('[data-testid="evaluation-sha256"]'), /^[0-9a-f]{64}$/);
    assertClean(record);
  } finally {
    await context.close();
  }
});

/** Starts an evaluation through the API and returns its id. */
async function startEvaluation(body) {
  const res = await fetch(server.url + "/api/v1/evaluations", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 202, text);
  return JSON.parse(text).id;
}

test("with JavaScript a queued evaluation streams its progress over the websocket, and cancel works from the page", async () => {
  // A long evaluation holds the model, so the one started from the form waits: its page opens while it is not done.
  const one = readFileSync(path.join(repoRoot, "inference", "eval", "testdata", "nli.jsonl"), "utf8");
  const blocker = await startEvaluation({ model: "minilm-nli", data: one.repeat(400), data_name: "long.jsonl" });
  const { page, context, record } = await newPage(browser);
  const frames = [];
  page.on("websocket", (ws) => ws.on("framereceived", (f) => {
    try { frames.push(JSON.parse(f.payload)); } catch { /* not JSON */ }
  }));
  try {
    await page.goto(server.url + "/evaluate");
    await page.selectOption("#e-model", "minilm-nli");
    await page.check("#e-set-nli");
    await Promise.all([page.waitForURL(/\/evaluations\/\d+$/), page.click('button[type="submit"]')]);
    const url = page.url();
    assert.equal((await page.textContent('[data-testid="evaluation-status"]')).trim(), "queued");
    await page.waitForFunction(() => document.querySelector('[data-testid="evaluation-refresh-note"]')?.textContent.includes("live"));

    // Cancel the long one from its own page; the queued one then runs, live, to its numbers.
    const other = await context.newPage();
    await other.goto(server.url + "/evaluations/" + blocker);
    await Promise.all([other.waitForURL(/\/evaluations\/\d+$/), other.click('[data-testid="evaluation-cancel"]')]);
    // Stopping takes the examples in flight; the page follows it to "canceled" (and then reloads).
    await other.waitForFunction(
      () => document.querySelector('[data-testid="evaluation-status"]')?.textContent.trim() === "canceled", null, { timeout: 30000 });
    await other.waitForSelector('[data-testid="evaluation-cancel"]', { state: "detached", timeout: 30000 });
    await other.close();

    await page.waitForSelector('[data-testid="evaluation-metrics"]', { timeout: 60000 });
    assert.equal(page.url(), url);
    assert.equal((await page.textContent('[data-testid="evaluation-status"]')).trim(), "done");
    const states = frames.filter((f) => f.type === "evaluation").map((f) => f.evaluation.status);
    assert.ok(states.includes("queued") && states.at(-1) === "done", `websocket states: ${states.join(", ")}`);
    assert.ok(frames.some((f) => f.type === "evaluation" && f.evaluation.metric), "a frame carries the running metric");
    assertClean(record);
  } finally {
    await context.close();
  }
});
