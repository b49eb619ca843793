#!/usr/bin/env node
// Drives the promptls extension in a real VS Code (code-server) through Debian's Chromium, and
// records what a user sees into a JSON file: node run.mjs CONFIG.json
//
// CONFIG: {
//   vsix, workspace, outDir,            // the .vsix to install, the folder to open, where to write
//   settings: {...},                    // user settings (promptls.path / promptls.args, ...)
//   errorFile, errorCode,               // a prompt with a diagnostic, and its code (PLS202)
//   hoverFile, hoverWord,               // a prompt and the word to hover (its model)
//   completeFile, completeLine, completeColumn,   // where to ask for completion (after `model: `)
//   runFile, runInputs: ["..."],        // the prompt to run and what to type into its input boxes
//   runExpect,                          // text the run's output must show before it counts as done
//   docsScreenshot                      // where to copy the diagnostic + hover screenshot (optional)
// }
// Writes OUTDIR/results.json ({ok, steps, error?, screenshots, timings}) and OUTDIR/*.png; exits 1 on
// a failure, after writing the error and a screenshot.

import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const outDir = path.resolve(config.outDir);
mkdirSync(outDir, { recursive: true });
const CODE_SERVER = path.join(here, "node_modules", ".bin", "code-server");
const CHROMIUM = process.env.PROMPTLS_E2E_CHROMIUM || "/usr/bin/chromium";
const started = Date.now();

const results = { ok: false, steps: {}, screenshots: [], timings: {}, error: null };
const save = () => writeFileSync(path.join(outDir, "results.json"), JSON.stringify(results, null, 2));
const mark = (name) => (results.timings[name] = Math.round((Date.now() - started) / 100) / 10);
const log = (...args) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const clean = (text) => (text ?? "").replace(/\u00a0/g, " ").replace(/[ \t]+\n/g, "\n").trim();

// ---- code-server ----------------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd, args, { timeout = 120_000, env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${path.basename(cmd)} ${args.join(" ")} took over ${timeout / 1000} s:\n${out}`));
    }, timeout);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(cmd)} ${args.join(" ")} exited ${code}:\n${out}`));
    });
  });
}

const userDataDir = path.join(outDir, "user-data");
const extensionsDir = path.join(outDir, "extensions");
const home = path.join(outDir, "home");

function writeUserSettings() {
  const settings = {
    "security.workspace.trust.enabled": false,
    "workbench.startupEditor": "none",
    "workbench.welcomePage.walkthroughs.openOnInstall": false,
    "workbench.tips.enabled": false,
    "workbench.enableExperiments": false,
    "workbench.colorTheme": "Default Dark Modern",
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoUpdate": false,
    "extensions.autoCheckUpdates": false,
    "extensions.ignoreRecommendations": true,
    "git.enabled": false,
    "chat.commandCenter.enabled": false,
    "editor.minimap.enabled": false,
    "editor.hover.delay": 300,
    "editor.fontSize": 14,
    "files.autoSave": "off",
    ...(config.settings ?? {}),
  };
  mkdirSync(path.join(userDataDir, "User"), { recursive: true });
  writeFileSync(path.join(userDataDir, "User", "settings.json"), JSON.stringify(settings, null, 2));
}

async function startCodeServer() {
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(home, { recursive: true });
  // code-server writes its config.yaml and data under HOME/XDG dirs: keep them in the output folder.
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
  };
  const common = ["--user-data-dir", userDataDir, "--extensions-dir", extensionsDir];
  log("installing", config.vsix);
  results.steps.install = clean(await run(CODE_SERVER, [...common, "--install-extension", config.vsix], { env }));
  mark("installed");

  const port = await freePort();
  const args = [
    ...common,
    "--bind-addr",
    `127.0.0.1:${port}`,
    "--auth",
    "none",
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-workspace-trust",
    "--disable-getting-started-override",
    "--ignore-last-opened",
    "--config",
    path.join(outDir, "code-server.yaml"),
    config.workspace,
  ];
  log("starting code-server on port", port);
  const logFile = path.join(outDir, "code-server.log");
  const child = spawn(CODE_SERVER, args, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const stop = () => {
    writeFileSync(logFile, output);
    try {
      process.kill(-child.pid, "SIGTERM"); // the process group: code-server, its extension host, promptls
    } catch {
      // gone already
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 40_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error(`code-server did not answer on ${url} within 40 s:\n${output}`);
    }
    await sleep(200);
  }
  mark("code-server up");
  return { url, stop, child };
}

// ---- the browser ----------------------------------------------------------------------------------

let page;
let shot = 0;
let stopServer = () => {};

async function screenshot(name) {
  const file = path.join(outDir, `${String(++shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file });
  results.screenshots.push(file);
  log("screenshot", path.basename(file));
  return file;
}

/** Wait until `fn` returns a truthy value (retrying its exceptions), or fail saying what. */
async function until(what, fn, { timeout = 20_000, interval = 250 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}${last ? `: ${last.message}` : ""}`);
    }
    await sleep(interval);
  }
}

async function quickOpen(relPath) {
  const base = path.basename(relPath);
  const activeTab = async () => (await page.locator(".tabs-container .tab.active").first().textContent())?.trim();
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press("Escape");
      await page.keyboard.press("Control+P");
      const input = page.locator(".quick-input-widget input");
      await input.waitFor({ state: "visible", timeout: 10_000 });
      await input.fill(relPath);
      // the file search answers asynchronously: wait until the selected row is the file, then open it
      await until(`quick open to select ${relPath}`, async () => {
        const focused = await page.locator(".quick-input-list .monaco-list-row.focused").first();
        const label = `${await focused.getAttribute("aria-label")} ${await focused.textContent()}`;
        return label.includes(base);
      }, { timeout: 10_000 });
      await page.keyboard.press("Enter");
      await until(`the editor tab of ${relPath}`, async () => (await activeTab())?.includes(base), { timeout: 5_000 });
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
      log(`quick open of ${relPath}, attempt ${attempt}: ${err.message}`);
    }
  }
  await page.locator(".editor-group-container .monaco-editor .view-lines").first().waitFor({ timeout: 10_000 });
  await sleep(300);
}

/** The screen rectangle of `word` in the active editor's text, or null. */
async function wordBox(word) {
  return page.evaluate((word) => {
    const editor = document.querySelector(".editor-group-container .editor-instance .monaco-editor");
    if (!editor) return null;
    for (const line of editor.querySelectorAll(".view-lines .view-line")) {
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      const nodes = [];
      let text = "";
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        nodes.push([n, text.length]);
        text += n.data;
      }
      const at = text.replace(/\u00a0/g, " ").indexOf(word);
      if (at < 0) continue;
      const locate = (offset) => {
        for (let i = nodes.length - 1; i >= 0; i--) {
          if (nodes[i][1] <= offset) return [nodes[i][0], offset - nodes[i][1]];
        }
        return null;
      };
      const range = document.createRange();
      range.setStart(...locate(at));
      range.setEnd(...locate(at + word.length - 1));
      const r = range.getBoundingClientRect();
      const last = document.createRange();
      last.setStart(...locate(at + word.length - 1));
      last.setEnd(...locate(at + word.length - 1).map((v, i) => (i === 1 ? v + 1 : v)));
      const end = last.getBoundingClientRect();
      return { x: r.left, y: r.top, width: end.right - r.left, height: r.height };
    }
    return null;
  }, word);
}

/** Move the mouse onto `word` until the editor hover shows; its text. */
async function hoverWord(word, mustContain) {
  const box = await until(`the word ${word} in the editor`, () => wordBox(word));
  const hover = page.locator(".monaco-editor .monaco-hover:not(.hidden)").first();
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.mouse.move(5, 5);
    await sleep(150);
    const x = box.x + Math.min(box.width / 2, 30 + attempt * 6);
    const y = box.y + box.height / 2;
    await page.mouse.move(x - 4, y, { steps: 2 });
    await page.mouse.move(x, y, { steps: 3 });
    try {
      await until(
        `the hover on ${word}`,
        async () => {
          if (!(await hover.isVisible())) return false;
          const text = clean(await hover.innerText());
          return text && (!mustContain || text.includes(mustContain)) ? text : false;
        },
        { timeout: 4_000 },
      );
      await sleep(400); // let a second hover provider's part arrive
      return clean(await hover.innerText());
    } catch {
      log(`hover attempt ${attempt + 1} on ${word} showed nothing yet`);
    }
  }
  // Last resort, the keyboard: cursor on the word, then "Show or Focus Hover".
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.keyboard.press("Control+K");
  await page.keyboard.press("Control+I");
  return until(`the hover on ${word} (keyboard)`, async () => clean(await hover.innerText()), { timeout: 5_000 });
}

async function statusItems() {
  return page.evaluate(() =>
    [...document.querySelectorAll(".statusbar-item")].map((el) => ({
      id: el.id,
      text: (el.textContent ?? "").trim(),
      label: el.getAttribute("aria-label") ?? el.querySelector("[aria-label]")?.getAttribute("aria-label") ?? "",
    })),
  );
}

async function promptlsStatus() {
  const items = await statusItems();
  return items.find((i) => /promptls/i.test(i.id) || /^promptls model/i.test(i.label));
}

async function runCommand(title) {
  await page.keyboard.press("Escape");
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(`>${title}`);
  await until(`the command "${title}" in the palette`, async () => {
    const rows = await page.locator(".quick-input-list .monaco-list-row").allTextContents();
    return rows.some((r) => r.includes(title));
  });
  await page.keyboard.press("Enter");
}

async function outputText() {
  return clean(
    await page
      .locator(".part.panel .monaco-editor .view-lines")
      .first()
      .innerText({ timeout: 2_000 }),
  );
}

/** In an open quick pick: type `text`, wait until the selected row is `text` itself, choose it. */
async function pickItem(text) {
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 15_000 });
  await input.fill(text);
  await until(`"${text}" selected in the quick pick`, async () => {
    const focused = page.locator(".quick-input-list .monaco-list-row.focused .label-name").first();
    return clean(await focused.textContent({ timeout: 1_000 })) === text;
  });
  await page.keyboard.press("Enter");
}

/** The text of the newest notification toast matching `pattern`. */
async function toast(what, pattern, timeout = 15_000) {
  return until(
    what,
    async () => {
      const texts = (await page.locator(".notifications-toasts .notification-toast").allInnerTexts()).map(clean);
      return texts.reverse().find((t) => pattern.test(t)) ?? false;
    },
    { timeout },
  );
}

async function closeToasts() {
  for (const toast of (await page.locator(".notifications-toasts .notification-toast").all()).reverse()) {
    await toast.hover({ timeout: 1_500 }).catch(() => {});
    await toast
      .locator(".codicon-notifications-clear")
      .first()
      .click({ timeout: 1_500 })
      .catch(() => {});
  }
  await page.mouse.move(5, 5);
}

/** Write the workspace's .vscode/settings.json (VS Code notices the change on disk). */
function writeWorkspaceSettings(settings) {
  const dir = path.join(config.workspace, ".vscode");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "settings.json"), JSON.stringify(settings, null, 2));
}

/** Pids of `promptls serve` processes that descend from `ancestor` (our code-server), not others'. */
function serverPids(ancestor) {
  const parentOf = (pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      return 0;
    }
  };
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let args;
    try {
      args = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (!args.includes("serve") || !args.some((a) => /promptls/.test(a))) continue;
    for (let pid = Number(name), hops = 0; pid > 1 && hops < 20; pid = parentOf(pid), hops++) {
      if (pid === ancestor) {
        pids.push(Number(name));
        break;
      }
    }
  }
  return pids;
}

// ---- the steps ------------------------------------------------------------------------------------

async function main() {
  writeUserSettings();
  const server = await startCodeServer();
  stopServer = server.stop;
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
      ], // playwright gives the browser a fresh, throw-away profile of its own

    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${server.url}/?folder=${encodeURIComponent(config.workspace)}`);
    await page.locator(".monaco-workbench").waitFor({ timeout: 40_000 });
    await page.locator(".explorer-folders-view .monaco-list-row").first().waitFor({ timeout: 30_000 });
    mark("workbench");
    log("workbench loaded");

    try {
      await step("diagnostic", async () => {
        await quickOpen(config.errorFile);
        await page.locator(".editor-instance .squiggly-error").first().waitFor({ timeout: 40_000 });
        results.steps.squiggles = await page.locator(".editor-instance .squiggly-error").count();
      });

      await step("hover", async () => {
        results.steps.hoverError = await hoverWord(config.errorWord ?? config.hoverWord, config.errorCode);
        const file = await screenshot("diagnostic-hover");
        if (config.docsScreenshot) {
          mkdirSync(path.dirname(config.docsScreenshot), { recursive: true });
          copyFileSync(file, config.docsScreenshot);
        }
        await page.mouse.move(5, 5);
        await page.keyboard.press("Escape");
      });

      await step("problems", async () => {
        await page.keyboard.press("Control+Shift+M");
        const rows = page.locator(".part.panel .monaco-list-row");
        results.steps.problems = await until("a promptls entry in the Problems panel", async () => {
          const texts = (
            await rows.evaluateAll((els) => els.map((e) => `${e.textContent ?? ""} | ${e.getAttribute("aria-label") ?? ""}`))
          )
            .map(clean)
            .filter(Boolean);
          return texts.some((t) => /PLS\d{3}/.test(t)) ? texts : false;
        });
        await screenshot("problems");
      });

      await step("status", async () => {
        await quickOpen(config.hoverFile);
        const item = await until(
          "the promptls status bar item",
          async () => {
            const found = await promptlsStatus();
            return found && (!config.statusExpect || found.text.includes(config.statusExpect)) ? found : false;
          },
          { timeout: 30_000 },
        );
        results.steps.status = item;
        results.steps.hover = await hoverWord(config.hoverWord, config.statusExpect);
        await screenshot("status-hover");
        await page.mouse.move(5, 5);
        await page.keyboard.press("Escape");
      });

      await step("completion", async () => {
        await quickOpen(config.completeFile);
        await page.keyboard.press("Control+G");
        const input = page.locator(".quick-input-widget input");
        await input.waitFor({ state: "visible" });
        await input.fill(`:${config.completeLine}:${config.completeColumn}`);
        await page.keyboard.press("Enter");
        await sleep(300);
        const rows = page.locator(".editor-widget.suggest-widget .monaco-list-row");
        let labels = [];
        for (let attempt = 0; attempt < 3 && !labels.length; attempt++) {
          await page.keyboard.press("Control+Space");
          try {
            labels = await until(
              "the completion list",
              async () => {
                const all = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") || e.textContent));
                const usable = all.map(clean).filter((t) => t && !/^loading/i.test(t));
                return usable.length ? usable : false;
              },
              { timeout: 8_000 },
            );
          } catch (err) {
            log(`completion attempt ${attempt + 1}: ${err.message}`);
            await page.keyboard.press("Escape");
          }
        }
        if (!labels.length) throw new Error("no completion list after Ctrl+Space");
        results.steps.completion = labels;
        // narrow it down as a user would, to the provider's models
        await page.keyboard.type(config.completeType ?? "openai", { delay: 40 });
        results.steps.completionFiltered = await until("the narrowed completion list", async () => {
          const all = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") || e.textContent));
          const usable = all.map(clean).filter(Boolean);
          const want = config.completeType ?? "openai";
          return usable.length && usable.every((t) => t.includes(want)) ? usable : false;
        });
        await screenshot("completion");
        await page.keyboard.press("Escape");
        await page.keyboard.press("Control+Z");
      });

      await step("run", async () => {
        await quickOpen(config.runFile);
        await until("promptls to know the prompt (status bar)", promptlsStatus, { timeout: 20_000 });
        await runCommand("promptls: Run Prompt");
        const box = page.locator(".quick-input-widget input");
        const asked = [];
        for (const value of config.runInputs ?? []) {
          await box.waitFor({ state: "visible", timeout: 15_000 });
          asked.push(clean(await page.locator(".quick-input-widget").innerText()));
          await box.fill(value);
          await page.keyboard.press("Enter");
          await sleep(300);
        }
        // input boxes the test did not expect (the prompt's free text): leave them empty
        for (let i = 0; i < 3; i++) {
          await sleep(400);
          if (!(await box.isVisible())) break;
          asked.push(clean(await page.locator(".quick-input-widget").innerText()));
          await page.keyboard.press("Enter");
        }
        results.steps.runAsked = asked;
        const expect = config.runExpect ?? "──";
        results.steps.runOutput = await until(
          "the run's answer in the promptls: Run output",
          async () => {
            const text = await outputText();
            return text.includes(expect) && text.includes("──") ? text : false;
          },
          { timeout: 45_000 },
        );
        results.steps.runNotification = await until(
          "the run's notification",
          async () => {
            const texts = (await page.locator(".notifications-toasts .notification-toast").allInnerTexts()).map(clean);
            return texts.find((t) => /answered by|failed|broke off/.test(t)) ?? false;
          },
          { timeout: 10_000 },
        ).catch(() => null);
        await screenshot("run");
        await closeToasts();
      });

      await step("resolution", async () => {
        // a click on the status bar item shows how the model was chosen
        await page.locator(".statusbar-item", { hasText: config.statusExpect }).first().click();
        results.steps.resolution = await until(
          "the resolution in the promptls: Resolution output",
          async () => {
            const text = await outputText();
            return text.includes("model:") && text.includes("fallback:") ? text : false;
          },
          { timeout: 15_000 },
        );
        await screenshot("resolution");
      });

      if (config.pinModel) {
        await step("set model", async () => {
          await runCommand("promptls: Set Model for This Prompt");
          await pickItem(config.pinModel);
          results.steps.pinNotification = await toast("the pin's notification", /Pin|pinned|promptls\.toml/);
          results.steps.pinStatus = await until(
            `the status bar to show ${config.pinModel}`,
            async () => {
              const item = await promptlsStatus();
              return item && item.text.split(/\s+/).includes(config.pinModel) ? item : false;
            },
            { timeout: 15_000 },
          );
          await screenshot("set-model");
          await closeToasts();
        });
      }

      if (config.traceLog) {
        // languageclient traces only into a log channel whose level is Trace: set it as a user would
        await step("trace", async () => {
          await runCommand("Developer: Set Log Level...");
          await pickItem(config.traceLog);
          await pickItem("Trace");
          await sleep(300);
        });
      }

      if (config.apiKey) {
        await step("set api key", async () => {
          await runCommand("promptls: Set API Key");
          await pickItem(config.apiKey.provider);
          const box = page.locator(".quick-input-widget input");
          await until("the password input box", async () => (await box.getAttribute("type")) === "password");
          await box.fill(config.apiKey.key);
          await page.keyboard.press("Enter");
          results.steps.apiKeyNotification = await toast("the answer to Set API Key", /keyring/i);
          await screenshot("set-api-key");
          await closeToasts();
        });
      }

      if (config.crash) {
        await step("crash", async () => {
          // the language server dies: the extension starts a new one and the editor carries on
          const before = await until("the running promptls server process", () => {
            const pids = serverPids(server.child.pid);
            return pids.length ? pids : false;
          });
          for (const pid of before) process.kill(pid, "SIGKILL");
          results.steps.crashKilled = before.length;
          results.steps.crashRestarted = await until(
            "a new promptls server process",
            () => {
              const pids = serverPids(server.child.pid).filter((p) => !before.includes(p));
              return pids.length ? pids.length : false;
            },
            { timeout: 20_000 },
          );
          await quickOpen(config.errorFile);
          await page.locator(".editor-instance .squiggly-error").first().waitFor({ timeout: 20_000 });
          await quickOpen(config.hoverFile);
          results.steps.crashStatus = await until("the status bar after the restart", async () => {
            const item = await promptlsStatus();
            return item && item.text.includes("/") ? item : false;
          });
        });
      }

      if (config.missingPath) {
        await step("missing server", async () => {
          writeWorkspaceSettings({ "promptls.path": config.missingPath });
          results.steps.missing = await toast("the missing-server notification", /pipx install promptls/, 20_000);
          await sleep(600); // the toast slides in
          results.steps.missingButtons = (
            await page.locator(".notifications-toasts .notification-toast .monaco-button").allInnerTexts()
          ).map(clean);
          await screenshot("missing-server");
          await closeToasts();
          writeWorkspaceSettings({}); // back to the working server
          await until(
            "the server back after the settings are restored",
            async () => {
              const item = await promptlsStatus();
              return item && !/not running|\$\(error\)/.test(item.label + item.text) && item.text.includes("/");
            },
            { timeout: 20_000 },
          );
        });
      }
      results.ok = true;
    } catch (err) {
      results.error = `${err.message}\n${err.stack ?? ""}`;
      try {
        await screenshot("failure");
      } catch {
        // the page is gone
      }
    }
  } finally {
    mark("done");
    if (browser) await browser.close().catch(() => {});
    server.stop();
  }
}

async function step(name, fn) {
  if (config.only && !config.only.includes(name)) return; // for debugging one step
  log("step", name);
  try {
    await fn();
    mark(name);
  } catch (err) {
    err.message = `step ${name}: ${err.message}`;
    throw err;
  }
}

const watchdog = setTimeout(() => {
  results.error = (results.error ?? "") + "\nthe driver took over 170 s";
  save();
  stopServer();
  process.exit(1);
}, 170_000);

main()
  .catch((err) => {
    results.error = `${err.message}\n${err.stack ?? ""}`;
  })
  .finally(() => {
    clearTimeout(watchdog);
    save();
    log(results.ok ? "ok" : `FAILED: ${results.error}`);
    process.exit(results.ok ? 0 : 1);
  });

