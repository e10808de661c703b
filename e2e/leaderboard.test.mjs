// Browser tests of the results pages in Chromium: every page loads with no
// console errors and draws its charts from our own assets; leaderboard sorting
// and filters change the rows and survive a reload (the state is the URL),
// with and without JavaScript; the cost calculator recomputes as you type.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, newPage, maybeScreenshot, waitForCharts } from "./harness.mjs";

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

const pages = [
  { path: "/", charts: 0 },
  { path: "/leaderboard", charts: 0 },
  { path: "/leaderboard/mednli", charts: 0 },
  { path: "/leaderboard/radqa", charts: 0 },
  { path: "/leaderboard/clip", charts: 0 },
  { path: "/models/GatorTron", charts: 1 },
  { path: "/models/GPT-3", charts: 0 },
  { path: "/models/SciFive", charts: 0 },
  { path: "/figures/flops", charts: 3 },
  { path: "/figures/ablation", charts: 5 },
  { path: "/cost", charts: 1 },
  { path: "/errata", charts: 0 },
];

/** The model names of the leaderboard's rows, in order. */
async function rowModels(page) {
  return page.$$eval('[data-testid="leaderboard"] tbody tr[data-model]', (rows) => rows.map((r) => r.dataset.model));
}

test("every results page loads cleanly and draws its charts", async (t) => {
  for (const p of pages) {
    await t.test(p.path, async () => {
      const { page, context, record } = await newPage(browser);
      try {
        const res = await page.goto(server.url + p.path);
        assert.equal(res.status(), 200);
        if (p.charts > 0) {
          await waitForCharts(page);
          const sizes = await page.$$eval("[data-chart] canvas", (cs) => cs.map((c) => [c.width, c.height]));
          assert.equal(sizes.length, p.charts, "one canvas per chart");
          for (const [w, h] of sizes) assert.ok(w > 0 && h > 0, `canvas ${w}x${h}`);
        }
        assert.deepEqual(record.consoleErrors, [], "console errors");
        assert.deepEqual(record.failed, [], "failed requests");
        // Every asset comes from the binary: no CDN, no other origin.
        for (const r of record.requests) {
          assert.ok(r.url.startsWith(server.url + "/"), `request left the server: ${r.url}`);
        }
      } finally {
        await context.close();
      }
    });
  }
});

test("sorting by a column changes the rows and survives a reload", async () => {
  const { page, context, record } = await newPage(browser);
  try {
    await page.goto(server.url + "/leaderboard");
    const initial = await rowModels(page);
    assert.equal(initial.length, 12);
    assert.equal(initial[0], "T5-Base", "default order is Table 3's (by size)");

    await Promise.all([page.waitForURL(/sort=mednli_accuracy/), page.click('[data-testid="sort-mednli_accuracy"]')]);
    assert.match(page.url(), /dir=desc/);
    const desc = await rowModels(page);
    assert.deepEqual(desc.slice(0, 2), ["BioClinRoBERTa", "GatorTron"]);
    assert.equal(await page.getAttribute('th[data-col="mednli_accuracy"]', "aria-sort"), "descending");

    await maybeScreenshot(page, "leaderboard.png", { fullPage: true, clip: await page.locator("main").boundingBox() });
    await page.reload();
    assert.deepEqual(await rowModels(page), desc, "a reload keeps the order");

    await Promise.all([page.waitForURL(/dir=asc/), page.click('[data-testid="sort-mednli_accuracy"]')]);
    const asc = await rowModels(page);
    assert.deepEqual(asc.slice(0, 2), ["GPT-3", "Flan-T5-XXL"]);
    assert.deepEqual(record.consoleErrors, []);
  } finally {
    await context.close();
  }
});

test("a filter changes the rows, lives in the URL and survives a reload", async () => {
  const { page, context, record } = await newPage(browser);
  try {
    await page.goto(server.url + "/leaderboard?sort=clip_macro_f1&dir=desc");
    // leaderboard.js submits the GET form as soon as a control changes.
    await Promise.all([page.waitForURL(/domain=clinical/), page.check('[data-testid="f-domain-clinical"]')]);
    assert.match(page.url(), /sort=clip_macro_f1/, "the sort is kept");
    const clinical = await rowModels(page);
    assert.deepEqual(clinical, ["BioClinRoBERTa", "GatorTron", "Clinical-T5-Large", "Clinical-T5-Base", "Clinical-T5-Base-Ckpt"]);

    await Promise.all([page.waitForURL(/size=le400m/), page.selectOption('[data-testid="filter-size"]', "le400m")]);
    const small = await rowModels(page);
    assert.deepEqual(small, ["BioClinRoBERTa", "GatorTron", "Clinical-T5-Base", "Clinical-T5-Base-Ckpt"]);

    await page.reload();
    assert.deepEqual(await rowModels(page), small);
    assert.ok(await page.isChecked('[data-testid="f-domain-clinical"]'), "the checkbox reflects the URL");
    assert.equal(await page.inputValue('[data-testid="filter-size"]'), "le400m");

    // Downloads carry the same filters to the API.
    const csv = await page.getAttribute('[data-testid="downloads"] a:first-child', "href");
    const res = await fetch(server.url + csv);
    assert.equal(res.status, 200);
    const lines = (await res.text()).trim().split("\n");
    assert.equal(lines.length, 1 + 4 * 5, "header + 4 models × 5 metrics");

    // Hiding a column removes it from the table.
    // Every shown column is already a col= parameter, so wait for the URL that lacks this one.
    const withoutDomain = (url) => url.searchParams.has("col") && !url.searchParams.getAll("col").includes("domain");
    await Promise.all([page.waitForURL(withoutDomain), page.uncheck('[data-testid="f-col-domain"]')]);
    assert.equal(await page.locator('th[data-col="domain"]').count(), 0);
    assert.equal(await page.locator('th[data-col="clip_macro_f1"]').count(), 1);
    assert.deepEqual(record.consoleErrors, []);
  } finally {
    await context.close();
  }
});

test("the leaderboard form works with JavaScript off", async () => {
  const { page, context } = await newPage(browser, { javaScriptEnabled: false });
  try {
    await page.goto(server.url + "/leaderboard/radqa");
    await page.check('[data-testid="f-method-in-context"]');
    await Promise.all([page.waitForURL(/method=in-context/), page.click('[data-testid="apply"]')]);
    assert.deepEqual(await rowModels(page), ["GPT-3", "Flan-T5-XXL"]);
    // Ties are marked in the server-rendered table: both 0.759 F1 rows are best.
    await page.goto(server.url + "/leaderboard/radqa");
    const best = await page.$$eval('td.best[data-col="radqa_f1"]', (cells) => cells.map((c) => c.closest("tr").dataset.model));
    assert.deepEqual(best.sort(), ["BioClinRoBERTa", "GatorTron"]);
  } finally {
    await context.close();
  }
});

test("the cost calculator recomputes as the inputs change", async () => {
  const { page, context, record } = await newPage(browser);
  try {
    await page.goto(server.url + "/cost");
    await waitForCharts(page);
    assert.equal(await page.textContent('[data-testid="breakeven"]'), "33.9B");
    assert.equal(await page.textContent('[data-testid="years"]'), "2.3");

    // Unweighted reading: w_g = w_c = 1 gives the paper's ~40B.
    await page.fill('[data-testid="cost-wg"]', "1");
    await page.waitForFunction(() => document.querySelector('[data-testid="breakeven"]').textContent === "39.4B");
    assert.equal(await page.textContent('[data-testid="years"]'), "2.6");
    assert.ok(!page.url().includes("wg="), "recomputed in the page, without a request");
    // The chart follows: both lines now reach twice the new break-even.
    const xmax = await page.evaluate(() => {
      const opt = document.querySelector('[data-chart="cost-curves"]').clinlmChart.getOption();
      return opt.series[1].data[1].value[0];
    });
    assert.ok(Math.abs(xmax - 78.8) < 0.1, `chart x max ${xmax}`);

    // A general model no bigger than the clinical one never pays back.
    await page.fill('[data-testid="cost-pg"]', "0.5");
    await page.waitForFunction(() => document.querySelector('[data-testid="breakeven"]').textContent === "never");

    // Submitting computes the same on the server and keeps the inputs in the URL.
    await page.fill('[data-testid="cost-pg"]', "3");
    await Promise.all([page.waitForURL(/wg=1/), page.click('[data-testid="cost-submit"]')]);
    assert.equal(await page.textContent('[data-testid="breakeven"]'), "39.4B");
    assert.equal(await page.inputValue('[data-testid="cost-wg"]'), "1");
    assert.deepEqual(record.consoleErrors, []);
  } finally {
    await context.close();
  }
});

test("the FLOPs figure draws three charts with a data table each", async () => {
  const { page, context, record } = await newPage(browser);
  try {
    await page.goto(server.url + "/figures/flops");
    await waitForCharts(page);
    const series = await page.evaluate(() =>
      [...document.querySelectorAll("[data-chart]")].map((el) => el.clinlmChart.getOption().series.map((s) => s.name)));
    assert.equal(series.length, 3);
    for (const names of series) {
      assert.ok(names.includes("Pareto frontier") && names.includes("T5 fit") && names.includes("Clinical-T5 fit"), names.join());
    }
    assert.equal(await page.locator('[data-testid="table-flops-mednli"] tbody tr').count(), 9);
    // The README picture: the MedNLI panel's heading and chart.
    const head = await page.locator('[data-testid="panel-flops-mednli"] h2').boundingBox();
    const chart = await page.locator('[data-chart="flops-mednli"]').boundingBox();
    const top = head.y - 8;
    await maybeScreenshot(page, "flops.png", {
      fullPage: true, clip: { x: chart.x, y: top, width: chart.width, height: chart.y + chart.height - top },
    });
    assert.deepEqual(record.consoleErrors, []);
  } finally {
    await context.close();
  }
});

test("unknown models and bad filters answer with error pages", async () => {
  const { page, context } = await newPage(browser);
  try {
    let res = await page.goto(server.url + "/models/No-Such-Model");
    assert.equal(res.status(), 404);
    res = await page.goto(server.url + "/leaderboard?domain=%3Cimg%20src%3Dx%3E");
    assert.equal(res.status(), 400);
    assert.equal(await page.locator("main img").count(), 0, "the value is shown as text");
    assert.match(await page.textContent("main"), /unknown domain/);
  } finally {
    await context.close();
  }
});
