#!/usr/bin/env node
// `npm start`: build, find Pieces OS (or start the stand-in), and open the extension in a real VS Code.
//
//   1. Bundles the extension (`node esbuild.js`) and the stand-in and discovery (`node esbuild.js
//      --stand-in` → out/stand-in.js, out/discovery.js); no tsc, so it takes about a second.
//   2. Looks for a running Pieces OS with the extension's own discovery (out/discovery.js).
//      None: starts the stand-in Pieces OS in this process, on 127.0.0.1:39300 when free (the first
//      port the extension scans), else on another free port, with a control port of its own; its
//      addresses go to .cache/stand-in.json, so that `npm run stand-in -- --stop | --start` in another
//      terminal takes it away and brings it back.
//   3. Opens the extension in a real VS Code with `providerKeys.serviceUrl` set to that service:
//      - a desktop VS Code (VSCODE_EXECUTABLE, or `code` on PATH) with
//        --extensionDevelopmentPath=<this repo> and its own user-data and extensions folders in
//        .cache/start/desktop-*;
//      - otherwise code-server (installed on first use by scripts/lib/tools.mjs into the user's cache
//        folder, shared by every clone), with the packaged extension installed into it, serving
//        http://127.0.0.1:8080 (or a free port). Its settings, extensions, HOME and XDG folders live in
//        .cache/start/, so they survive restarts.
//   It then runs until Ctrl-C (SIGINT, SIGTERM or SIGHUP), which stops everything it started.
//
// Options:
//   --port N       code-server's port (default 8080 when free, else any free port)
//   --no-stand-in  no stand-in, and an empty providerKeys.serviceUrl: the extension finds Pieces OS (or
//                  a stand-in started with `npm run stand-in`) itself
//   --smoke        start everything in a temporary folder, check that the workbench page and the service
//                  answer, print "smoke: ok", stop everything and exit 0 (test/package/start.test.ts)
// PROVIDER_KEYS_HOST=code-server or =desktop picks the VS Code; VSCODE_EXECUTABLE names a desktop one.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CACHE,
  CODE_SERVER_ENTRY,
  ENV_DIRS,
  KILL_AFTER_MS,
  ROOT,
  USER_SETTINGS,
  codeServerEnv,
  ensureCodeServer,
  envWithoutVSCode,
  findDesktopVSCode,
  freePort,
  installExtension,
  makeDirs,
  portIsFree,
  seconds,
  signalGroup,
  sleep,
  startCodeServer,
  tail,
  writeJson,
} from './lib/vscode.mjs';

const require = createRequire(import.meta.url);
const STATE = path.join(CACHE, 'start');
const DEFAULT_CODE_SERVER_PORT = 8080;
const STAND_IN_PORT = 39300; // the first port the extension (and every Pieces OS client) scans
// Ports the extension's discovery scans: a stand-in on another port must not land on one by chance.
const DISCOVERY_PORTS = [...Array.from({ length: 34 }, (_, i) => 39300 + i), 1000, 5323];
const SMOKE_DESKTOP_ALIVE_MS = 5_000;
/** Besides USER_SETTINGS: the workspace lies inside this repository, so git would offer to open it. */
const START_SETTINGS = {
  'git.openRepositoryInParentFolders': 'never',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

const USAGE = `usage: npm start [-- [--port N] [--no-stand-in] [--smoke]]
  --port N       port for code-server (default ${DEFAULT_CODE_SERVER_PORT} when free, else any free port)
  --no-stand-in  start no stand-in and let the extension find Pieces OS itself (run \`npm run stand-in\`
                 in another terminal, and stop it with Ctrl-C to see what happens while Pieces OS is away)
  --smoke        start everything in a temporary folder, check that it answers, print "smoke: ok", stop
  PROVIDER_KEYS_HOST=code-server|desktop picks the VS Code; VSCODE_EXECUTABLE names a desktop VS Code
`;

const startedAt = performance.now();
const say = (message) => console.log(`[start] ${message}`);
const fail = (message) => console.error(`[start] ${message}`);

// ---------------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const options = { smoke: false, port: undefined, standIn: true };
  for (let i = 0; i < argv.length; i++) {
    const [arg, inline] = argv[i].split(/=(.*)/s);
    if (arg === '--smoke') options.smoke = true;
    else if (arg === '--no-stand-in') options.standIn = false;
    else if (arg === '--port') {
      const port = Number(inline ?? argv[++i]);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('--port needs a port number (1–65535)');
      options.port = port;
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument: ${argv[i]}\n${USAGE}`);
  }
  const host = process.env.PROVIDER_KEYS_HOST;
  if (host && host !== 'code-server' && host !== 'desktop') {
    throw new Error(`PROVIDER_KEYS_HOST must be "code-server" or "desktop", not "${host}"`);
  }
  return options;
}

// ---------------------------------------------------------------------------------------------------
// Teardown: every resource registers a cleanup (and, if it has one, a faster `kill` for a second
// Ctrl-C); they run last-in first-out, once.

const cleanups = [];
const kills = [];
let finishing = false;

async function finish(code, reason) {
  if (finishing) return;
  finishing = true;
  if (reason) (code === 0 ? say : fail)(reason);
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop();
    try {
      await cleanup();
    } catch (error) {
      fail(`cleanup failed: ${error instanceof Error ? error.message : error}`);
    }
  }
  say(`stopped after ${seconds(performance.now() - startedAt)}; exit code ${code}`);
  process.exit(code);
}

let firstSignalAt = 0;
for (const [signal, number] of [
  ['SIGINT', 2],
  ['SIGTERM', 15],
  ['SIGHUP', 1],
]) {
  process.on(signal, () => {
    if (!finishing) {
      firstSignalAt = Date.now();
      return void finish(128 + number, `${signal} received; stopping everything (Ctrl-C again to kill at once)`);
    }
    // Under `npm start` one Ctrl-C can arrive twice (from the terminal and forwarded by npm).
    if (Date.now() - firstSignalAt < 1_000) return;
    say(`${signal} again: killing what is left`);
    for (const kill of kills) kill();
    process.exit(128 + number);
  });
}

// ---------------------------------------------------------------------------------------------------
// Steps

/** Runs a build step; `quiet` keeps its output unless it fails. */
function run(title, command, args, { quiet = false } = {}) {
  const began = performance.now();
  const result = spawnSync(command, args, {
    cwd: ROOT,
    stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const took = seconds(performance.now() - began);
  if (result.error) throw new Error(`${title}: ${result.error.message}`);
  const ok = result.status === 0;
  if (quiet && !ok) process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
  return { ok, took, status: result.status ?? result.signal, output: result.stdout ?? '' };
}

const shortPath = (file) => (path.relative(ROOT, file).startsWith('..') ? file : path.relative(ROOT, file));

function build() {
  const bundle = run('bundle', process.execPath, [path.join(ROOT, 'esbuild.js')]);
  if (!bundle.ok) throw new Error(`\`node esbuild.js\` failed (exit ${bundle.status})`);
  const tools = run('bundle the stand-in', process.execPath, [path.join(ROOT, 'esbuild.js'), '--stand-in']);
  if (!tools.ok) throw new Error(`\`node esbuild.js --stand-in\` failed (exit ${tools.status})`);
  say(`bundled the extension and the stand-in (${bundle.took}, ${tools.took})`);
}

/** A running Pieces OS found the way the extension finds it, or the stand-in started here. */
async function startService({ smoke, standIn: wanted }) {
  if (!wanted) {
    say('--no-stand-in: the extension looks for Pieces OS itself (start one with `npm run stand-in` in another terminal)');
    return { url: undefined, standIn: undefined };
  }
  const { discoverService } = require(path.join(ROOT, 'out', 'discovery.js'));
  const found = await discoverService();
  if (found) {
    say(`found a running Pieces OS at ${found}: using it (no stand-in started)`);
    return { url: found, standIn: undefined };
  }
  const { startStandIn, writeStateFile, removeStateFile } = require(path.join(ROOT, 'out', 'stand-in.js'));
  const log = (line) => console.log(`[stand-in] ${line}`);
  let standIn;
  // A smoke run keeps off 39300: the discovery tests (and a developer's own `npm start`) expect it.
  if (!smoke) {
    try {
      standIn = await startStandIn({ port: STAND_IN_PORT, controlPort: 0, log });
    } catch (error) {
      say(`port ${STAND_IN_PORT} is taken (${error.code ?? error.message}); the stand-in takes another port`);
    }
  }
  for (let attempt = 0; !standIn && attempt < 20; attempt++) {
    const candidate = await startStandIn({ port: 0, controlPort: 0, log });
    if (DISCOVERY_PORTS.includes(candidate.port)) await candidate.stop();
    else standIn = candidate;
  }
  if (!standIn) throw new Error('could not start the stand-in on a free port');
  cleanups.push(() => standIn.stop());
  if (!smoke) {
    writeStateFile(standIn.url, standIn.controlUrl);
    cleanups.push(async () => removeStateFile());
  }
  say(`no Pieces OS running: started the stand-in Pieces OS at ${standIn.url} (signed in as ${standIn.userId})`);
  return { url: standIn.url, standIn };
}

/** Reads a settings file written earlier (to keep what the user changed); {} when absent or unreadable. */
function readSettings(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const value = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    // JSON with comments, say: keep a copy and start over
  }
  fs.copyFileSync(file, `${file}.bak`);
  say(`${shortPath(file)} could not be read as JSON; saved it as ${path.basename(file)}.bak and wrote a new one`);
  return {};
}

/** Refuses a second `npm start` on the same folder, and ends a code-server an earlier, killed one left. */
function takeLock(base) {
  const file = path.join(base, 'start.lock');
  const cmdline = (pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      return undefined;
    }
  };
  const alive = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return error.code === 'EPERM';
    }
  };
  let previous = {};
  try {
    previous = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // no lock, or an unreadable one
  }
  if (Number.isInteger(previous.pid) && previous.pid !== process.pid && alive(previous.pid)) {
    const command = process.platform === 'linux' ? cmdline(previous.pid) : 'start.mjs';
    if (command?.includes('start.mjs')) {
      throw new Error(
        `\`npm start\` is already running (pid ${previous.pid}) with ${shortPath(base)}/; stop it first (Ctrl-C in its terminal)`,
      );
    }
  }
  const leftover = previous.codeServerPid;
  if (process.platform === 'linux' && Number.isInteger(leftover)) {
    const command = cmdline(leftover);
    if (command?.includes(CODE_SERVER_ENTRY) && command.includes(base)) {
      say(`stopping code-server (pid ${leftover}) left running by an earlier \`npm start\``);
      signalGroup(leftover, 'SIGKILL');
    }
  }
  const state = { pid: process.pid };
  const write = () => fs.writeFileSync(file, JSON.stringify(state) + '\n');
  write();
  cleanups.push(async () => {
    try {
      if (JSON.parse(fs.readFileSync(file, 'utf8')).pid === process.pid) fs.rmSync(file);
    } catch {
      // gone already
    }
  });
  return (more) => {
    Object.assign(state, more);
    write();
  };
}

/** The folder for this run's VS Code state: .cache/start (kept), or a temporary one for --smoke. */
function stateFolder({ smoke }) {
  if (!smoke) {
    fs.mkdirSync(STATE, { recursive: true });
    return STATE;
  }
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'provider-keys-start-smoke-'));
  cleanups.push(async () => fs.rmSync(base, { recursive: true, force: true, maxRetries: 3, retryDelay: 200 }));
  return base;
}

async function answers(url, what) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 10_000);
  try {
    const response = await fetch(url, { signal: abort.signal, redirect: 'manual' });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${what} answered ${response.status} at ${url}`);
  } catch (error) {
    if (error.name === 'AbortError') throw new Error(`${what} did not answer within 10 s at ${url}`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function printService(service) {
  if (!service.standIn) return;
  const { url, controlUrl: control } = service.standIn;
  const json = "-H 'content-type: application/json'";
  console.log(
    [
      '',
      `  Stand-in Pieces OS: ${url}  (not the real Pieces OS; one line per request below, never a body)`,
      `  Its control URL:    ${control}/__stand-in/state`,
      '  From another terminal in this folder:',
      '    npm run stand-in -- --stop     # take it away: its port refuses connections, as when Pieces OS quits',
      '    npm run stand-in -- --start    # bring it back, with the keys it held',
      '    npm run stand-in -- --status   # what it holds (keys masked)',
      '  Make it misbehave (the next N key calls or /user answer with the fault):',
      `    curl -X POST ${control}/__stand-in/fault ${json} -d '{"count":1,"fault":"unauthorized"}'`,
      '      faults: unauthorized (401), serverError (500), delay (+ "delayMs":5000), drop, dropMidBody, invalidJson,',
      '              echo (+ "status":400; answers with the request body, key included, as a careless service does)',
      `    curl -X POST ${control}/__stand-in/signed-in ${json} -d '{"signedIn":false}'   # act as if nobody is signed in`,
      `    curl -X POST ${control}/__stand-in/reset        # forget keys and faults`,
    ].join('\n'),
  );
}

// ---------------------------------------------------------------------------------------------------
// code-server

async function runCodeServer({ options, service, base, updateLock }) {
  ensureCodeServer(say, 'start');
  const dirs = makeDirs(base, [...ENV_DIRS, 'user-data', 'extensions', 'workspace']);
  const env = codeServerEnv(dirs);
  // code-server listens on a Unix socket in the user-data folder; Linux allows 107 bytes for its path.
  const socket = path.join(dirs['user-data'], 'code-server-ipc.sock');
  if (Buffer.byteLength(socket) > 107) {
    fail(`WARNING: ${socket} is too long for a Unix socket; if code-server fails, set PROVIDER_KEYS_CACHE to a shorter folder`);
  }

  const vsix = path.join(base, 'provider-keys.vsix');
  let began = performance.now();
  // The platform VSIX where keytar was built for this machine, so that Import from OS Keychain works.
  const here = `${process.platform}-${process.arch}`;
  const target =
    here === 'linux-x64' && fs.existsSync(path.join(ROOT, 'node_modules', 'keytar', 'build', 'Release', 'keytar.node'))
      ? ['--target', here]
      : [];
  const packaged = run('package', process.execPath, [path.join(ROOT, 'scripts', 'package.mjs'), '--out', vsix, ...target], { quiet: true });
  if (!packaged.ok) {
    // package.mjs also fails when the VSIX is over its size limit: a release problem, not a reason not to run.
    const written = fs.existsSync(vsix) && fs.statSync(vsix).mtimeMs >= Date.now() - (performance.now() - began);
    if (!written) throw new Error(`\`node scripts/package.mjs\` failed (exit ${packaged.status}); its output is above`);
    fail(`WARNING: \`node scripts/package.mjs\` reported a problem (above), but wrote the VSIX; starting anyway`);
  }
  const size = /^VSIX: .* ([\d.]+ KB) \(limit/m.exec(packaged.output)?.[1];
  say(`packaged the extension: ${shortPath(vsix)}${size ? `, ${size}` : ''} (${packaged.took}; production bundle)`);
  began = performance.now();
  installExtension({ dirs, env, vsix });
  say(`installed it into code-server (${seconds(performance.now() - began)})`);

  // code-server keeps user settings on the server (User/settings.json); a machine-scoped value there
  // shows at first and reverts a few seconds later, so machine settings go to Machine/settings.json.
  const userSettings = path.join(dirs['user-data'], 'User', 'settings.json');
  writeJson(userSettings, { ...USER_SETTINGS, ...START_SETTINGS, ...readSettings(userSettings) });
  const machineSettings = path.join(dirs['user-data'], 'Machine', 'settings.json');
  // No URL (--no-stand-in): the extension discovers Pieces OS (or a stand-in on 39300) itself.
  writeJson(machineSettings, { ...readSettings(machineSettings), 'providerKeys.serviceUrl': service.url ?? '' });

  let port = options.port;
  if (port !== undefined) {
    if (!(await portIsFree(port))) throw new Error(`port ${port} (--port) is taken`);
  } else if (!options.smoke && (await portIsFree(DEFAULT_CODE_SERVER_PORT))) {
    port = DEFAULT_CODE_SERVER_PORT;
  } else {
    if (!options.smoke) say(`port ${DEFAULT_CODE_SERVER_PORT} is taken; code-server takes another port`);
    port = await freePort({ avoid: DISCOVERY_PORTS });
  }

  const logFile = path.join(base, 'code-server.log');
  fs.writeFileSync(logFile, '');
  began = performance.now();
  const server = startCodeServer({ dirs, port, env, logFile, say });
  cleanups.push(async () => {
    if (server.isRunning()) say('stopping code-server');
    await server.stop();
  });
  kills.push(() => signalGroup(server.pid, 'SIGKILL'));
  updateLock?.({ codeServerPid: server.pid });
  say(`code-server pid ${server.pid} (its own process group); log: ${shortPath(logFile)}`);
  try {
    await server.ready;
  } catch (error) {
    throw new Error(`${error.message}\n--- code-server log (last 40 lines) ---\n${tail(logFile, 40)}`);
  }
  say(`code-server ready on 127.0.0.1:${port} (${seconds(performance.now() - began)})`);

  const folder = encodeURIComponent(dirs.workspace).replace(/%2F/g, '/');
  const url = `http://127.0.0.1:${port}/?folder=${folder}`;

  if (options.smoke) {
    await answers(url, 'the workbench page');
    if (service.url) await answers(`${service.url}/.well-known/health`, 'the Pieces OS service');
    return { smoke: true };
  }

  printService(service);
  console.log(
    [
      '',
      `  VS Code (code-server): open  ${url}`,
      `    The extension "Provider Keys" is installed from this checkout; its icon is in the activity bar.`,
      `    providerKeys.serviceUrl = ${service.url || '(empty: found automatically)'} (in ${shortPath(machineSettings)}).`,
      `    Keys live in VS Code's secret storage, which code-server keeps in the browser's storage for`,
      `    http://127.0.0.1:${port}: use the same browser and port to see them again after a restart.`,
      '    Changed the code? Ctrl-C and `npm start` again (it rebuilds and reinstalls).',
      '',
      `  Ready after ${seconds(performance.now() - startedAt)}. Ctrl-C stops code-server${service.standIn ? ' and the stand-in' : ''}.`,
      '',
    ].join('\n'),
  );
  const how = await server.exited;
  return { exitedBy: `code-server exited by itself (${JSON.stringify(how)}); last lines of its log:\n${tail(logFile, 20)}`, code: 1 };
}

// ---------------------------------------------------------------------------------------------------
// Desktop VS Code

/** Ends a desktop VS Code and its helpers: TERM to its process group, KILL after KILL_AFTER_MS. */
async function stopDesktop(child, exited, isRunning) {
  if (process.platform === 'win32') {
    if (isRunning()) spawnSync('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore' });
    return;
  }
  if (isRunning()) {
    signalGroup(child.pid, 'SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(KILL_AFTER_MS).then(() => false)]);
    if (!stopped) say(`VS Code did not stop within ${seconds(KILL_AFTER_MS)}; killing its process group`);
  }
  signalGroup(child.pid, 'SIGKILL');
}

async function runDesktop({ options, service, base, desktop }) {
  const dirs = makeDirs(base, ['desktop-user-data', 'desktop-extensions', 'workspace']);
  // A desktop VS Code reads machine-scoped settings from the user settings file.
  const userSettings = path.join(dirs['desktop-user-data'], 'User', 'settings.json');
  writeJson(userSettings, {
    ...USER_SETTINGS,
    ...START_SETTINGS,
    ...readSettings(userSettings),
    'providerKeys.serviceUrl': service.url ?? '',
  });

  const logFile = path.join(base, 'desktop.log');
  const log = fs.openSync(logFile, 'w');
  const args = [
    dirs.workspace,
    `--extensionDevelopmentPath=${ROOT}`,
    `--user-data-dir=${dirs['desktop-user-data']}`,
    `--extensions-dir=${dirs['desktop-extensions']}`,
    '--new-window',
  ];
  const child = spawn(desktop.executable, args, {
    cwd: ROOT,
    env: envWithoutVSCode(),
    detached: process.platform !== 'win32', // its own process group, stopped as a whole
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ error: error.message }));
  });
  let running = true;
  void exited.then(() => (running = false));
  cleanups.push(async () => {
    if (running) say('stopping VS Code');
    await stopDesktop(child, exited, () => running);
  });
  kills.push(() => (process.platform === 'win32' ? undefined : signalGroup(child.pid, 'SIGKILL')));
  say(`VS Code pid ${child.pid} (its own process group): ${desktop.executable} --extensionDevelopmentPath=${ROOT}`);

  if (options.smoke) {
    const early = await Promise.race([exited, sleep(SMOKE_DESKTOP_ALIVE_MS).then(() => undefined)]);
    if (early) throw new Error(`VS Code exited at once (${JSON.stringify(early)}); see ${logFile}`);
    if (service.url) await answers(`${service.url}/.well-known/health`, 'the Pieces OS service');
    return { smoke: true };
  }

  printService(service);
  console.log(
    [
      '',
      '  VS Code: a new window, "[Extension Development Host]", runs the extension from this checkout.',
      `    providerKeys.serviceUrl = ${service.url || '(empty: found automatically)'} (in ${shortPath(userSettings)}).`,
      `    Its settings, extensions and secret storage are kept in ${shortPath(base)}/desktop-*.`,
      '    Changed the code? Run "Developer: Reload Window" in it after `node esbuild.js` (or `npm run watch`).',
      '',
      `  Ready after ${seconds(performance.now() - startedAt)}. Closing the window or Ctrl-C stops everything.`,
      '',
    ].join('\n'),
  );
  const how = await exited;
  if (how.error) return { exitedBy: `VS Code could not start: ${how.error}`, code: 1 };
  return { exitedBy: `VS Code exited (${JSON.stringify(how)}); stopping`, code: 0 };
}

// ---------------------------------------------------------------------------------------------------

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const forced = process.env.PROVIDER_KEYS_HOST;
  const desktop = forced === 'code-server' ? undefined : findDesktopVSCode();
  if (forced === 'desktop' && !desktop) {
    throw new Error('PROVIDER_KEYS_HOST=desktop, but there is no desktop VS Code (set VSCODE_EXECUTABLE or put `code` on PATH)');
  }
  if (!desktop && process.platform !== 'linux') {
    throw new Error(
      'no desktop VS Code found (install it and put `code` on PATH, or set VSCODE_EXECUTABLE); the code-server fallback runs on Linux only',
    );
  }

  const base = stateFolder(options);
  const updateLock = options.smoke ? undefined : takeLock(base);
  say(options.smoke ? `smoke run in ${base}` : `state kept in ${shortPath(base)}/`);

  build();
  const service = await startService(options);
  const result = desktop
    ? (say(`desktop VS Code from ${desktop.from}`), await runDesktop({ options, service, base, desktop }))
    : (say('no desktop VS Code: using code-server'), await runCodeServer({ options, service, base, updateLock }));
  if (result.smoke) {
    console.log('smoke: ok');
    return { code: 0, reason: `smoke run done after ${seconds(performance.now() - startedAt)}; stopping everything` };
  }
  return { code: result.code, reason: result.exitedBy };
}

main().then(
  ({ code, reason }) => finish(code, reason),
  (error) => finish(1, `could not start: ${error instanceof Error ? error.message : error}`),
);
