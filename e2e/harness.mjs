// Shared helpers for the browser tests: start the built clinlm binary on a
// free loopback port, drive Debian's Chromium through playwright-core, and
// collect console errors and network requests for assertions.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const binary = path.join(repoRoot, "bin", "clinlm");

// Flags the project requires on this closed network: without the background
// networking switches Chromium floods refused connections.
const chromiumArgs = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
];

/** Starts `clinlm serve` on 127.0.0.1:0 and resolves once it prints its URL. */
export async function startServer(extraArgs = [], env = {}) {
  // Submissions go to a fresh data directory per server, never the user's own (~/.local/share/clinlm).
  const dataDir = mkdtempSync(path.join(tmpdir(), "clinlm-e2e-data-"));
  const proc = spawn(binary, ["serve", "--addr", "127.0.0.1:0", "--log-format", "json", ...extraArgs], {
    cwd: repoRoot,
    env: { ...process.env, CLINLM_DATA_DIR: dataDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs = [];
  proc.stderr.setEncoding("utf8");
  proc.stderr.on("data", (chunk) => logs.push(chunk));
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("server did not start in 20s:\n" + logs.join(""))), 20000);
    proc.stdout.setEncoding("utf8");
    proc.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/clinlm dashboard: (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1].replace(/\/$/, "")); }
    });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${logs.join("")}`)); });
  });
  return {
    url,
    logs,
    async stop() {
      let code = proc.exitCode;
      if (code === null) {
        const exited = new Promise((resolve) => proc.once("exit", (c) => resolve(c)));
        proc.kill("SIGTERM");
        code = await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Launches headless Chromium from /usr/bin/chromium (CLINLM_CHROMIUM overrides). */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CLINLM_CHROMIUM || "/usr/bin/chromium",
    args: chromiumArgs,
    headless: true,
  });
}

/**
 * Opens a fresh page that records console errors, page errors, failed and
 * all requests (URL, method, post data) so tests can assert on them.
 */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const record = { consoleErrors: [], requests: [], failed: [] };
  page.on("console", (msg) => { if (msg.type() === "error") record.consoleErrors.push(msg.text()); });
  page.on("pageerror", (err) => record.consoleErrors.push(String(err)));
  page.on("request", (req) => record.requests.push({ url: req.url(), method: req.method(), postData: req.postData() || "" }));
  page.on("requestfailed", (req) => record.failed.push(req.url()));
  return { page, context, record };
}

/** Saves a screenshot when CLINLM_SCREENSHOTS names a directory (the README's pictures). */
export async function maybeScreenshot(page, name, options = {}) {
  const dir = process.env.CLINLM_SCREENSHOTS;
  if (!dir) return null;
  const out = path.resolve(repoRoot, dir);
  mkdirSync(out, { recursive: true });
  const file = path.join(out, name);
  await page.screenshot({ path: file, ...options });
  return file;
}

/** Waits until every chart container holds a canvas of non-zero size. */
export async function waitForCharts(page) {
  await page.waitForFunction(() => {
    const charts = [...document.querySelectorAll("[data-chart]")];
    return charts.length > 0 && charts.every((el) => {
      const c = el.querySelector("canvas");
      return c && c.width > 0 && c.height > 0;
    });
  }, null, { timeout: 15000 });
}

export const ortLib = process.env.CLINLM_ORT_LIB || path.join(repoRoot, ".cache", "ort", "libonnxruntime.so.1");

/** The ONNX Runtime library and the model repository the demo pages need, or why they are missing. */
export function demoSetup() {
  const modelsDir = pickModels();
  const missing = [];
  if (!existsSync(ortLib)) missing.push(`ONNX Runtime (${ortLib}; run go tool task ort)`);
  if (!modelsDir) missing.push("demo models (models/ or .cache/testmodels; run go tool task models-venv)");
  return { modelsDir, missing };
}

/** The tasks a model repository covers (from each folder's manifest.json). */
function repoTasks(dir) {
  if (!existsSync(dir)) return new Set();
  const tasks = new Set();
  for (const name of readdirSync(dir)) {
    const mf = path.join(dir, name, "manifest.json");
    if (existsSync(mf) && existsSync(path.join(dir, name, "model.onnx"))) {
      try { tasks.add(JSON.parse(readFileSync(mf, "utf8")).task); } catch { /* a broken manifest: not usable here */ }
    }
  }
  return tasks;
}

function pickModels() {
  for (const dir of [path.join(repoRoot, "models"), path.join(repoRoot, ".cache", "testmodels")]) {
    const t = repoTasks(dir);
    if (t.has("nli") && t.has("qa") && t.has("clip")) return dir;
  }
  return null;
}
