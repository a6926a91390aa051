#!/usr/bin/env node
// Runs the mocha tests in out/test/host inside a real VS Code extension host (`npm run test:host`).
//
// Which VS Code:
//   1. a desktop VS Code, through @vscode/test-electron: the one named by VSCODE_EXECUTABLE, or the one
//      whose `code` command is on PATH;
//   2. with PROVIDER_KEYS_ALLOW_VSCODE_DOWNLOAD=1 and no desktop VS Code: the one @vscode/test-electron
//      downloads (needs internet);
//   3. otherwise code-server (scripts/lib/tools.mjs installs it into the shared tools folder), driven
//      by playwright-core and a headless Chromium. PROVIDER_KEYS_HOST=code-server picks it directly.
// No VS Code at all is a failure (exit 1), never a silent pass.
//
// For the tests the runner picks a free loopback port P, passes PROVIDER_KEYS_TEST_SERVICE_PORT=P to
// VS Code (the extension host inherits it) and writes the machine setting
// "providerKeys.serviceUrl": "http://127.0.0.1:P". Tests start their stand-in service on P themselves.
//
// For the "use the keys" tests (see useKeysSetup below) it also reserves a port for a fake LLM provider
// (PROVIDER_KEYS_TEST_PROVIDER_PORT, and the machine setting providerKeys.verify.baseUrls pointing each
// provider there) and gives VS Code a private OS keychain: its own D-Bus session with an unlocked GNOME
// Keyring (scripts/lib/keyring.mjs), never the user's. PROVIDER_KEYS_KEYRING=none runs without any
// D-Bus instead (the keychain test then checks the "unavailable" message); without dbus-daemon and
// gnome-keyring-daemon that is the default, except in CI, where it is a failure.
//
// Other knobs: PROVIDER_KEYS_HOST_TEST_TIMEOUT_MS (default 10 min), PROVIDER_KEYS_CHROMIUM (default
// /usr/bin/chromium), PROVIDER_KEYS_KEEP_TMP=1 keeps the temporary folder. After a failed code-server
// run the logs, the browser console and a screenshot are saved in test-results/host/.
// What it shares with `npm start` (scripts/start.mjs) lives in scripts/lib/vscode.mjs.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { missingKeyringTools, startTestKeyring, withoutDBus } from './lib/keyring.mjs';
import {
  ENV_DIRS,
  EXTENSION_ID,
  KILL_AFTER_MS,
  ROOT,
  USER_SETTINGS,
  chromiumOptions,
  codeServerBuild,
  codeServerEnv,
  desktopVSCodeFromPath,
  ensureCodeServer,
  freePort,
  isFile,
  makeDirs,
  readText,
  seconds,
  sleep,
  startCodeServer,
  tail,
  writeJson,
} from './lib/vscode.mjs';

const require = createRequire(import.meta.url);
const EXTENSION_TESTS = path.join(ROOT, 'out', 'test', 'host', 'index.js');
// A second run in the same profile, as after a window reload or a crash: what the first run left
// behind (queued changes in globalState, keys in SecretStorage) must still be there and be acted on.
const EXTENSION_TESTS_AFTER_RESTART = path.join(ROOT, 'out', 'test', 'host-restart', 'index.js');
const EXTENSION_MAIN = path.join(ROOT, 'dist', 'extension.js');
// Which VS Code builds to run on (code-server; see scripts/lib/tools.mjs): `newest` and `floor` (VS Code
// 1.90, the oldest `engines.vscode` admits). Each runs in a child process of its own (one code-server at a
// time), its artifacts in test-results/host/<which>/.
const BUILDS = (process.env.PROVIDER_KEYS_VSCODE || 'newest,floor')
  .split(',')
  .map((which) => which.trim())
  .filter(Boolean);
const RESULTS = path.join(ROOT, 'test-results', 'host', BUILDS.length === 1 ? BUILDS[0] : 'all');
const TIMEOUT_MS = Number(process.env.PROVIDER_KEYS_HOST_TEST_TIMEOUT_MS) || 10 * 60 * 1000;

const startedAt = performance.now();
const say = (message) => console.log(`[host-tests] ${message}`);

// ---------------------------------------------------------------------------------------------------
// Teardown: every resource registers an async cleanup; they run last-in first-out, once.

const cleanups = [];
let finishing = false;

async function finish(code, reason) {
  if (finishing) return;
  finishing = true;
  if (reason) (code === 0 ? say : (m) => console.error(`[host-tests] ${m}`))(reason);
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop();
    try {
      await cleanup();
    } catch (error) {
      console.error(`[host-tests] cleanup failed: ${error instanceof Error ? error.message : error}`);
    }
  }
  say(`wall time ${seconds(performance.now() - startedAt)}; exit code ${code}`);
  process.exit(code);
}

for (const [signal, number] of [
  ['SIGINT', 2],
  ['SIGTERM', 15],
  ['SIGHUP', 1],
]) {
  process.on(signal, () => void finish(128 + number, `${signal} received; stopping`));
}

// The test run itself races `timedOut` (so a hung run still leaves its logs and a screenshot); the
// backstop also catches a hang anywhere else, such as a browser that never starts.
const timeoutMessage = `TIMEOUT: the host tests did not finish within ${seconds(TIMEOUT_MS)} (PROVIDER_KEYS_HOST_TEST_TIMEOUT_MS)`;
const timedOut = new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS).unref());
const backstop = setTimeout(() => void finish(1, timeoutMessage), TIMEOUT_MS + 30_000);

// ---------------------------------------------------------------------------------------------------
// Helpers

function listFiles(dir) {
  const out = [];
  let entries = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** The extension's own "Activated in N ms" line from its log channel, if the host wrote one. */
function activationLogLine(logsDir) {
  for (const file of listFiles(logsDir)) {
    if (!file.includes(EXTENSION_ID)) continue;
    const line = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => /Activated in [\d.]+ ms/.test(l));
    if (line) return line.trim();
  }
  return undefined;
}

/** A temporary folder tree for one run; removed at teardown unless PROVIDER_KEYS_KEEP_TMP=1. */
function makeTempTree() {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'provider-keys-host-'));
  const dirs = makeDirs(base, [...ENV_DIRS, 'user-data', 'extensions', 'browser', 'workspace']);
  cleanups.push(async () => {
    if (process.env.PROVIDER_KEYS_KEEP_TMP === '1') say(`kept ${base}`);
    else fs.rmSync(base, { recursive: true, force: true, maxRetries: 3, retryDelay: 200 });
  });
  return dirs;
}

function checkBuilt() {
  for (const [file, how] of [
    [EXTENSION_MAIN, 'node esbuild.js'],
    [EXTENSION_TESTS, 'npm run compile-tests'],
    [EXTENSION_TESTS_AFTER_RESTART, 'npm run compile-tests'],
  ]) {
    if (!isFile(file)) {
      throw new Error(`${path.relative(ROOT, file)} is missing; run \`${how}\` first (npm run test:host does both)`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The "use the keys" tests: a fake provider port for Verify Key, and a private OS keychain

const PROVIDER_IDS = ['openai', 'anthropic', 'google', 'mistral', 'groq', 'openrouter'];

/**
 * Machine settings and environment for test/host/useKeys.test.ts. The keychain: a private D-Bus session
 * with an unlocked GNOME Keyring (stopped at teardown), or, with PROVIDER_KEYS_KEYRING=none, no D-Bus at
 * all. Either way VS Code never sees the user's own session bus.
 */
async function useKeysSetup(tmp) {
  const providerPort = await freePort();
  const machineSettings = {
    'providerKeys.verify.baseUrls': Object.fromEntries(PROVIDER_IDS.map((id) => [id, `http://127.0.0.1:${providerPort}/${id}`])),
  };
  let mode = process.env.PROVIDER_KEYS_KEYRING || 'private';
  if (mode !== 'private' && mode !== 'none') throw new Error(`PROVIDER_KEYS_KEYRING must be "private" or "none", not "${mode}"`);
  const missing = missingKeyringTools();
  if (mode === 'private' && missing.length > 0) {
    if (process.env.CI) {
      throw new Error(
        `the keychain tests need ${missing.join(' and ')} ('npm run setup' installs them; scripts/lib/system.mjs lists them)`,
      );
    }
    say(`no ${missing.join(' or ')}: running without D-Bus; the keychain test checks the "unavailable" message only`);
    mode = 'none';
  }
  const env = {
    PROVIDER_KEYS_TEST_PROVIDER_PORT: String(providerPort),
    PROVIDER_KEYS_TEST_KEYRING: mode === 'private' ? 'unlocked' : 'none',
  };
  if (mode === 'private') {
    const keyring = await startTestKeyring({ dir: path.join(tmp.base, 'keyring') });
    cleanups.push(keyring.stop);
    env.DBUS_SESSION_BUS_ADDRESS = keyring.address;
    say(`private OS keychain: D-Bus ${keyring.address}, GNOME Keyring unlocked`);
  } else {
    say('OS keychain: none (no D-Bus session)');
  }
  return { machineSettings, env, withoutBus: mode === 'none' };
}

/** `env` with the "use the keys" variables, and without the user's session bus when there is to be none. */
function withUseKeysEnv(env, setup) {
  return { ...(setup.withoutBus ? withoutDBus(env) : env), ...setup.env };
}

// ---------------------------------------------------------------------------------------------------
// Desktop VS Code through @vscode/test-electron

/**
 * The desktop VS Code `executable` for the newest build; for `floor`, VS Code 1.90.2 as @vscode/test-electron
 * downloads it (the standard way on a developer's machine; it needs internet once).
 */
async function runDesktopBuilds({ executable, servicePort }) {
  let code = 0;
  for (const which of BUILDS) {
    const build = codeServerBuild(which);
    say(
      which === 'floor'
        ? `VS Code ${build.vscode} (downloaded by @vscode/test-electron)`
        : `VS Code: ${executable ?? 'downloaded by @vscode/test-electron'}`,
    );
    const result = await runDesktop(which === 'floor' ? { version: build.vscode, servicePort } : { executable, servicePort });
    say(`${which}: ${result === 0 ? 'passed' : `FAILED (exit ${result})`}`);
    code ||= result;
  }
  return code;
}

async function runDesktop({ executable, version, servicePort }) {
  const { runTests } = require('@vscode/test-electron');
  const tmp = makeTempTree();
  // Desktop VS Code prints the extension host's console itself; the report copy only proves the tests ran.
  const reportFile = path.join(tmp.base, 'mocha-report.txt');
  const useKeys = await useKeysSetup(tmp);
  // A desktop VS Code reads machine-scoped settings from the user settings file.
  writeJson(path.join(tmp['user-data'], 'User', 'settings.json'), {
    ...USER_SETTINGS,
    'providerKeys.serviceUrl': `http://127.0.0.1:${servicePort}`,
    ...useKeys.machineSettings,
  });
  // @vscode/test-electron starts VS Code with our environment plus extensionTestsEnv.
  if (useKeys.withoutBus) for (const name of ['DBUS_SESSION_BUS_ADDRESS', 'DISPLAY', 'WAYLAND_DISPLAY']) delete process.env[name];
  try {
    for (const extensionTestsPath of [EXTENSION_TESTS, EXTENSION_TESTS_AFTER_RESTART]) {
      await runTests({
        ...(executable ? { vscodeExecutablePath: executable } : {}),
        ...(version ? { version } : {}),
        extensionDevelopmentPath: ROOT,
        extensionTestsPath,
        launchArgs: [tmp.workspace, `--user-data-dir=${tmp['user-data']}`, `--extensions-dir=${tmp.extensions}`],
        extensionTestsEnv: { PROVIDER_KEYS_TEST_SERVICE_PORT: String(servicePort), PROVIDER_KEYS_TEST_REPORT: reportFile, ...useKeys.env },
      });
    }
    const line = activationLogLine(path.join(tmp['user-data'], 'logs'));
    if (line) say(`extension log: ${line}`);
    if (!bothRunsReported(readText(reportFile))) {
      console.error('[host-tests] VS Code exited with 0 but mocha did not report both runs: some tests did not run');
      return 1;
    }
    return 0;
  } catch (error) {
    console.error(`[host-tests] ${error instanceof Error ? error.message : error}`);
    return typeof error?.code === 'number' && error.code !== 0 ? error.code : 1;
  }
}

// ---------------------------------------------------------------------------------------------------
// code-server + headless Chromium

/** Prints what the tests append to `file` while they run; returns a function that prints the rest. */
function followFile(file) {
  let offset = 0;
  let printed = '';
  const drain = () => {
    let fd;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= offset) return;
      const buffer = Buffer.alloc(size - offset);
      fs.readSync(fd, buffer, 0, buffer.length, offset);
      offset = size;
      const text = buffer.toString('utf8');
      printed += text;
      process.stdout.write(text);
    } finally {
      fs.closeSync(fd);
    }
  };
  const timer = setInterval(drain, 250);
  return () => {
    clearInterval(timer);
    drain();
    return printed;
  };
}

async function runCodeServer({ servicePort, which }) {
  const build = ensureCodeServer(say, 'test', which);
  say(`VS Code ${build.vscode} (code-server ${build.codeServer}, node ${build.node})`);
  fs.rmSync(RESULTS, { recursive: true, force: true }); // no stale artifacts from an earlier run
  const { chromium } = await import('playwright-core');
  const tmp = makeTempTree();
  const port = await freePort();
  const serviceUrl = `http://127.0.0.1:${servicePort}`;
  const reportFile = path.join(tmp.base, 'mocha-report.txt');
  const serverLog = path.join(tmp.base, 'code-server.log');
  const browserLog = [];

  // code-server keeps user settings on the server (User/settings.json); a machine-scoped value there
  // shows at first and reverts a few seconds later, so machine settings go to Machine/settings.json.
  writeJson(path.join(tmp['user-data'], 'User', 'settings.json'), USER_SETTINGS);
  const useKeys = await useKeysSetup(tmp);
  writeJson(path.join(tmp['user-data'], 'Machine', 'settings.json'), { 'providerKeys.serviceUrl': serviceUrl, ...useKeys.machineSettings });

  const env = withUseKeysEnv(
    codeServerEnv(
      tmp,
      {
        PROVIDER_KEYS_TEST_SERVICE_PORT: String(servicePort),
        PROVIDER_KEYS_TEST_REPORT: reportFile,
      },
      build,
    ),
    useKeys,
  );
  const serverStarted = performance.now();
  const server = startCodeServer({ dirs: tmp, port, env, logFile: serverLog, smokeTestDriver: true, say, build });
  cleanups.push(server.stop);
  try {
    await server.ready;
  } catch (error) {
    console.error(`[host-tests] ${error.message}\n--- code-server log (last 40 lines) ---\n${tail(serverLog, 40)}`);
    return 1;
  }
  say(`code-server ready on 127.0.0.1:${port} after ${seconds(performance.now() - serverStarted)}; service port ${servicePort}`);

  const context = await chromium.launchPersistentContext(
    tmp.browser,
    chromiumOptions({
      viewport: { width: 1280, height: 800 },
      env: { ...process.env, HOME: tmp.home, TMPDIR: tmp.tmp, XDG_CONFIG_HOME: tmp.config, XDG_CACHE_HOME: tmp.cache },
    }),
  );
  cleanups.push(() => Promise.race([context.close(), sleep(KILL_AFTER_MS)]));
  // The host tests read back what Copy Key wrote; VS Code 1.90's web clipboard reads only with this permission
  // (newer versions fall back to what the workbench itself wrote). The end-to-end run covers the browser that
  // refuses reading.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${port}` });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    // The workbench's own log lines arrive through codeAutomationLog as well; keep those once.
    if (!/^%c\s*(TRACE|DEBUG|INFO|WARN|ERR)\b/.test(message.text())) browserLog.push(`[console.${message.type()}] ${message.text()}`);
  });
  page.on('pageerror', (error) => browserLog.push(`[pageerror] ${error.stack ?? error.message}`));

  let onExit = () => undefined;
  // The workbench calls these when the extension host that ran the tests exits (smoke-test driver).
  await page.exposeFunction('codeAutomationExit', (code, logs) => onExit({ code, logs }));
  await page.exposeFunction('codeAutomationLog', (level, message) => browserLog.push(`[${level}] ${message}`));

  const remote = (file) => `vscode-remote://127.0.0.1:${port}${pathToFileURL(file).pathname}`;
  const stopFollowing = followFile(reportFile);
  cleanups.push(async () => void stopFollowing());

  /** Opens the workbench with `testsPath` as the extension tests; resolves when that extension host exits. */
  const runPhase = async (testsPath, label) => {
    const payload = [
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(testsPath)],
      ['skipWelcome', 'true'],
    ];
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(tmp.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const exitPromise = new Promise((resolve) => (onExit = resolve));
    const workbenchStarted = performance.now();
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    say(`workbench opened; running the ${label} in the extension host`);
    const result = await Promise.race([
      exitPromise,
      server.exited.then((how) => ({ code: 1, failure: `code-server exited during the run (${JSON.stringify(how)})` })),
      new Promise((resolve) => page.once('crash', () => resolve({ code: 1, failure: 'the browser page crashed' }))),
      timedOut.then(() => ({ code: 1, failure: timeoutMessage })),
    ]);
    if (!result.failure) say(`extension host exited with code ${result.code} after ${seconds(performance.now() - workbenchStarted)}`);
    return result;
  };

  let result = await runPhase(EXTENSION_TESTS, 'tests');
  if (finishing) return 1; // a signal arrived; teardown is under way
  if (result.code === 0 && !result.failure) {
    // Same browser profile and user data: a reload of the window, with what the first run left behind.
    // The workbench writes globalState to IndexedDB in batches (about every 100 ms): give the last batch
    // time to land, as any reload a person makes does, before navigating away.
    await sleep(2_000);
    result = await runPhase(EXTENSION_TESTS_AFTER_RESTART, 'tests after a restart');
    if (finishing) return 1;
  }
  const report = stopFollowing();

  const line = activationLogLine(path.join(tmp['user-data'], 'logs'));
  if (line) say(`extension log: ${line}`);

  let code = typeof result.code === 'number' ? result.code : 1;
  let failure = result.failure;
  if (code === 0 && !bothRunsReported(report)) {
    code = 1;
    failure = 'the extension host exited with 0 but mocha did not report both runs: some tests did not run';
  }
  if (code !== 0) {
    await saveArtifacts({ page, serverLog, browserLog, logs: result.logs, report });
    if (failure) console.error(`[host-tests] ${failure}`);
    if (!report) {
      // Nothing from mocha: the cause (say, an error loading out/test/host/index.js) is in the logs.
      const errors = browserLog
        .filter((l) => /^\[(error|pageerror)\]|\[Extension Host\]/.test(l) && !/127\.0\.0\.1:9\b/.test(l))
        .map((l) => l.split('\n').slice(0, 4).join('\n'));
      console.error(`--- browser errors (last 20) ---\n${errors.slice(-20).join('\n')}`);
      console.error(`--- code-server log (last 40 lines) ---\n${tail(serverLog, 40)}`);
    }
  }
  return code;
}

async function saveArtifacts({ page, serverLog, browserLog, logs, report }) {
  try {
    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'screenshot.png'), timeout: 5_000 }).catch(() => undefined);
    fs.copyFileSync(serverLog, path.join(RESULTS, 'code-server.log'));
    fs.writeFileSync(path.join(RESULTS, 'browser-console.log'), browserLog.join('\n') + '\n');
    fs.writeFileSync(path.join(RESULTS, 'mocha-report.txt'), report);
    for (const { relativePath, contents } of Array.isArray(logs) ? logs : []) {
      const target = path.join(RESULTS, 'window-logs', path.normalize(relativePath).replace(/^(\.\.[/\\])+/, ''));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, contents);
    }
    say(`logs, browser console and screenshot saved in ${path.relative(ROOT, RESULTS)}/`);
  } catch (error) {
    console.error(`[host-tests] could not save artifacts: ${error.message}`);
  }
}

// ---------------------------------------------------------------------------------------------------

async function main() {
  checkBuilt();
  const servicePort = await freePort();
  const forced = process.env.PROVIDER_KEYS_HOST;
  if (forced && forced !== 'code-server' && forced !== 'desktop') {
    throw new Error(`PROVIDER_KEYS_HOST must be "code-server" or "desktop", not "${forced}"`);
  }

  if (forced !== 'code-server') {
    const explicit = process.env.VSCODE_EXECUTABLE;
    if (explicit) {
      if (!isFile(explicit)) throw new Error(`VSCODE_EXECUTABLE=${explicit} is not a file`);
      say(`desktop VS Code from VSCODE_EXECUTABLE: ${explicit}`);
      return runDesktopBuilds({ executable: explicit, servicePort });
    }
    const found = desktopVSCodeFromPath();
    if (found) {
      say(`desktop VS Code from \`code\` on PATH (${found.cli}): ${found.executable}`);
      return runDesktopBuilds({ executable: found.executable, servicePort });
    }
    if (process.env.PROVIDER_KEYS_ALLOW_VSCODE_DOWNLOAD === '1') {
      say('no desktop VS Code found; PROVIDER_KEYS_ALLOW_VSCODE_DOWNLOAD=1: letting @vscode/test-electron download one');
      return runDesktopBuilds({ executable: undefined, servicePort });
    }
    if (forced === 'desktop') {
      throw new Error(
        'PROVIDER_KEYS_HOST=desktop, but there is no desktop VS Code (set VSCODE_EXECUTABLE, put `code` on PATH, or set PROVIDER_KEYS_ALLOW_VSCODE_DOWNLOAD=1)',
      );
    }
  }

  if (process.platform !== 'linux') {
    throw new Error(
      'no desktop VS Code found (set VSCODE_EXECUTABLE, put `code` on PATH, or set PROVIDER_KEYS_ALLOW_VSCODE_DOWNLOAD=1); the code-server fallback runs on Linux only',
    );
  }
  for (const which of BUILDS) codeServerBuild(which); // an unknown name fails before anything starts
  if (BUILDS.length > 1) return runEachBuild();
  say('no desktop VS Code: using code-server + headless Chromium');
  return runCodeServer({ servicePort, which: BUILDS[0] });
}

/** Runs this script once per build, one after another (one code-server at a time); 0 when all pass. */
async function runEachBuild() {
  const results = [];
  for (const which of BUILDS) {
    const build = codeServerBuild(which);
    say(`--- ${which}: VS Code ${build.vscode} (code-server ${build.codeServer}) ---`);
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
      stdio: 'inherit',
      env: { ...process.env, PROVIDER_KEYS_VSCODE: which },
    });
    cleanups.push(async () => void child.kill('SIGTERM'));
    const code = await new Promise((resolve) => child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
    results.push({ which, build, code });
  }
  for (const { which, build, code } of results) {
    say(`${which}: VS Code ${build.vscode} (code-server ${build.codeServer}): ${code === 0 ? 'passed' : `FAILED (exit ${code})`}`);
  }
  return results.every((r) => r.code === 0) ? 0 : 1;
}

main().then(
  (code) => {
    clearTimeout(backstop);
    return finish(code, code === 0 ? 'host tests passed' : 'HOST TESTS FAILED');
  },
  (error) => {
    clearTimeout(backstop);
    return finish(1, `HOST TESTS COULD NOT RUN: ${error instanceof Error ? error.message : error}`);
  },
);

/**
 * Whether mocha's report has an end for both runs (before and after the restart): its "N passing", or the line
 * test/host/index.ts writes when a title filter leaves a run nothing to do.
 */
function bothRunsReported(report) {
  return (report.match(/\d+ passing|: nothing to run here/g) ?? []).length >= 2;
}
