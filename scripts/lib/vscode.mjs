// What scripts/run-host-tests.mjs (`npm run test:host`), the end-to-end tests and scripts/start.mjs
// (`npm start`) share: finding a desktop VS Code, starting code-server (installed by ./tools.mjs; its
// own process group, stopped with TERM and then KILL), free loopback ports, and small file helpers.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { CHROMIUM, CODE_SERVER_BUILDS, CODE_SERVER_ENTRY, ROOT, codeServerBuild, ensureFloorCodeServer, ensureTools } from './tools.mjs';

export { CHROMIUM, CODE_SERVER_ENTRY, ROOT, codeServerBuild };
export const EXTENSION_ID = 'provider-keys.provider-keys';
/** This checkout's own state (`npm start`'s profile), git-ignored. The tools live in ./tools.mjs's folder. */
export const CACHE = path.join(ROOT, '.cache');
/** How long a stopped process group gets between TERM and KILL. */
export const KILL_AFTER_MS = 10_000;
/** How long code-server may take to answer /healthz after its start. */
export const SERVER_READY_MS = 120_000;
/** The folders code-server's environment points HOME, XDG_* and TMPDIR at (see codeServerEnv). */
export const ENV_DIRS = ['home', 'config', 'data', 'cache', 'state', 'runtime', 'tmp'];

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Settings every run starts from: quiet, offline, nothing that opens editors or asks questions. */
export const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
};

/**
 * How the host tests and the end-to-end run launch headless Chromium (playwright's
 * launchPersistentContext): signals left to us, offline but for loopback, in the run's own folders.
 */
export function chromiumOptions({ viewport, env }) {
  return {
    executablePath: CHROMIUM,
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    viewport,
    env,
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
  };
}

// ---------------------------------------------------------------------------------------------------
// Files

export const isFile = (file) => {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

export function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

export function tail(file, lines) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Creates `base/<name>` for each name (mode 0700); returns `{ base, [name]: path }`. */
export function makeDirs(base, names) {
  const dirs = { base };
  for (const name of names) {
    dirs[name] = path.join(base, name);
    fs.mkdirSync(dirs[name], { recursive: true, mode: 0o700 });
  }
  return dirs;
}

// ---------------------------------------------------------------------------------------------------
// Ports

function listenOnce(port, host) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, host, () => {
      const bound = server.address().port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A free port on 127.0.0.1. `avoid` lists ports not to hand out even when free (say, the ports
 * Pieces OS discovery scans, so that a helper never looks like a running Pieces OS).
 */
export async function freePort({ avoid = [] } = {}) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await listenOnce(0, '127.0.0.1');
    if (!avoid.includes(port)) return port;
  }
  throw new Error('could not find a free loopback port');
}

/** Whether `port` can be bound on `host` right now. */
export async function portIsFree(port, host = '127.0.0.1') {
  try {
    await listenOnce(port, host);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// Desktop VS Code

export function which(command) {
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

/**
 * The Electron executable of a desktop VS Code whose `code` command is on PATH, or undefined.
 * `code` may also be code-server's or a remote window's CLI; those have no Electron app beside them.
 */
export function desktopVSCodeFromPath() {
  const cli = which('code');
  if (!cli) return undefined;
  const real = fs.realpathSync(cli);
  const binDir = path.dirname(real);
  const name = path.basename(real).replace(/\.(cmd|bat|exe)$/i, '');
  const candidates =
    {
      linux: [path.join(binDir, '..', name)], // /usr/share/code/bin/code -> /usr/share/code/code
      darwin: ['Electron', 'Code', 'Code - Insiders'].map((exe) => path.join(binDir, '..', '..', '..', 'MacOS', exe)),
      win32: [path.join(binDir, '..', 'Code.exe'), path.join(binDir, '..', 'Code - Insiders.exe')],
    }[process.platform] ?? [];
  const executable = candidates.find(isFile);
  return executable ? { executable: path.resolve(executable), cli } : undefined;
}

/**
 * The desktop VS Code to use: VSCODE_EXECUTABLE (which must be a file), else the one whose `code`
 * is on PATH. Returns `{ executable, from }` or undefined.
 */
export function findDesktopVSCode() {
  const explicit = process.env.VSCODE_EXECUTABLE;
  if (explicit) {
    if (!isFile(explicit)) throw new Error(`VSCODE_EXECUTABLE=${explicit} is not a file`);
    return { executable: explicit, from: 'VSCODE_EXECUTABLE' };
  }
  const found = desktopVSCodeFromPath();
  return found ? { executable: found.executable, from: `\`code\` on PATH (${found.cli})` } : undefined;
}

/** Our environment without what would tie a child VS Code to the VS Code we may be running in. */
export function envWithoutVSCode() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VSCODE_|ELECTRON_)/.test(key) || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return env;
}

// ---------------------------------------------------------------------------------------------------
// code-server

/**
 * Installs node 24, code-server and, for the tests, Chromium (./tools.mjs) unless all are present, and the
 * `floor` build (VS Code 1.90) when asked for. Returns the build (see CODE_SERVER_BUILDS).
 */
export function ensureCodeServer(say = console.log, purpose = 'test', which = 'newest') {
  ensureTools(say, purpose);
  return which === 'floor' ? ensureFloorCodeServer(say) : codeServerBuild(which);
}

/**
 * Environment for code-server: our own minus VS Code's, with every user folder in `dirs` (ENV_DIRS), and the
 * node of `build` first on PATH.
 */
export function codeServerEnv(dirs, extra, build = CODE_SERVER_BUILDS.newest) {
  return {
    ...envWithoutVSCode(),
    PATH: `${build.nodeBin}${path.delimiter}${process.env.PATH ?? ''}`,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    XDG_STATE_HOME: dirs.state,
    XDG_RUNTIME_DIR: dirs.runtime,
    TMPDIR: dirs.tmp,
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9' }),
    ...extra,
  };
}

/** The code-server options every call shares: its config file and the user-data and extensions folders. */
function baseArgs(dirs, build) {
  const config = path.join(dirs.base, 'code-server.yaml');
  fs.writeFileSync(config, 'auth: none\ncert: false\n');
  return [build.entry, '--config', config, '--user-data-dir', dirs['user-data'], '--extensions-dir', dirs.extensions];
}

/**
 * `code-server --install-extension <vsix> --force` into `dirs` (one call for several: `vsix` may be a list);
 * throws with its output on failure.
 */
export function installExtension({ dirs, env, vsix, build = CODE_SERVER_BUILDS.newest }) {
  const installs = [vsix].flat().flatMap((file) => ['--install-extension', file]);
  const result = spawnSync(build.node, [...baseArgs(dirs, build), ...installs, '--force'], {
    cwd: dirs.base,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) {
    throw new Error(`code-server --install-extension failed (exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout.trim();
}

/** Sends `signal` to the process group led by `pid`; false when there is no such group any more. */
export function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts code-server in its own process group, serving `dirs.workspace`. Returns at once with
 *   { pid, exited: Promise<{code, signal}>, isRunning(), stop(), ready: Promise<void> }
 * so the caller can register `stop` before waiting for `ready` (resolves once /healthz answers,
 * rejects if the server exits first or takes longer than SERVER_READY_MS).
 * `smokeTestDriver`: pass `--vscode-option enable-smoke-test-driver`, which extension-host tests need
 * (a built VS Code ignores the extensionDevelopmentPath/extensionTestsPath payload without it) and
 * which hides notifications, so a run for people leaves it off.
 */
export function startCodeServer({
  dirs,
  port,
  env,
  logFile,
  smokeTestDriver = false,
  say = console.log,
  build = CODE_SERVER_BUILDS.newest,
}) {
  const args = [
    ...baseArgs(dirs, build),
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    ...(smokeTestDriver ? build.smokeTestDriver : []),
    dirs.workspace,
  ];
  const log = fs.openSync(logFile, 'a');
  // detached: the child calls setsid(), so it leads a process group we can stop as a whole.
  const child = spawn(build.node, args, { cwd: dirs.workspace, env, detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let running = true;
  void exited.then(() => (running = false));

  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      if (running) {
        signalGroup(child.pid, 'SIGTERM');
        const stopped = await Promise.race([exited.then(() => true), sleep(KILL_AFTER_MS).then(() => false)]);
        if (!stopped) {
          say(`code-server did not stop within ${seconds(KILL_AFTER_MS)}; killing its process group`);
          signalGroup(child.pid, 'SIGKILL');
          await Promise.race([exited, sleep(2_000)]);
        }
      }
      // Extension hosts and other helpers may outlive the server process itself: end the group.
      signalGroup(child.pid, 'SIGKILL');
    })());

  const ready = (async () => {
    const deadline = Date.now() + SERVER_READY_MS;
    while (Date.now() < deadline) {
      if (!running) throw new Error(`code-server exited during start (${JSON.stringify(await exited)})`);
      try {
        const abort = new AbortController();
        const timer = setTimeout(() => abort.abort(), 2_000);
        const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: abort.signal }).finally(() => clearTimeout(timer));
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`code-server did not answer on port ${port} within ${seconds(SERVER_READY_MS)}`);
  })();
  ready.catch(() => undefined); // the caller awaits it; no unhandled rejection if it stops first

  return { pid: child.pid, exited, isRunning: () => running, stop, ready };
}
