// `npm run test:e2e`: packages the VSIX, installs it into code-server, opens the workbench in headless
// Chromium and runs scenario.ts through the UI against the stand-in Pieces OS (started here, on a free
// port, with a control port); then stops everything and runs the leak scan over all the run touched.
//
// Screenshots of every step, the run's log, the browser console, the stand-in's log and the scan's
// file list go to test-results/e2e/ (git-ignored), kept after a failure. Everything the run starts
// (the stand-in, code-server's process group, the browser) is stopped on success, failure or Ctrl-C.
// Knobs: PROVIDER_KEYS_KEEP_TMP=1 keeps the temporary folder; PROVIDER_KEYS_E2E_TIMEOUT_SCALE=2 doubles
// every wait; PROVIDER_KEYS_E2E_MEDIA=1 copies the README's screenshots to media/screenshots/ after a pass.
// `--floor` (npm run test:e2e:floor) runs the short scenario of floor.ts on VS Code 1.90 (code-server 4.90.3),
// its output in test-results/e2e-floor/.
//
// Beside ours, the run installs the Key Consumer fixture (test/fixtures/key-consumer, packaged here), an
// extension that asks for a key through VS Code's authentication API (consent.ts).
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BrowserContext, Page } from 'playwright-core';
import { type StandIn, startStandIn } from '../../stand-in/server';
import { runLeakScan } from './leakRun';
import { allVariables } from '../../src/core/import/environment';
import { OPENAI_ORG_ENV } from '../../src/core/providers/apis';
import { CONSUMER, type ConsumerReport } from './consent';
import { FLOOR_STEPS } from './floor';
import { DOTENV_FILE, type KeyName, STEPS, type ScenarioContext, type Step, dotenvText, makeKeys } from './scenario';
import { checkScreen, holdsKey } from './screenChecks';
import { StandInControl } from './standInControl';
import { Workbench } from './workbench';

const ROOT = resolve(__dirname, '../../..');
const FLOOR = process.argv.includes('--floor');
const BUILD = FLOOR ? 'floor' : 'newest';
const SCENARIO: readonly Step[] = FLOOR ? FLOOR_STEPS : STEPS;
const RESULTS = join(ROOT, 'test-results', FLOOR ? 'e2e-floor' : 'e2e');
const CONSUMER_FIXTURE = join(ROOT, 'test', 'fixtures', 'key-consumer');
const MEDIA = join(ROOT, 'media', 'screenshots');
/**
 * The screenshots the README shows: the scenario's shot name → the file in media/screenshots/, and the
 * part of the window it shows (the whole window when the tree, the status bar and a message all matter).
 */
const README_SHOTS: Record<string, { file: string; clip?: { x: number; y: number; width: number; height: number } }> = {
  'add-key-password': { file: 'add-key.png', clip: { x: 0, y: 0, width: 960, height: 340 } },
  'two-keys': { file: 'tree-with-keys.png', clip: { x: 0, y: 0, width: 640, height: 200 } },
  waiting: { file: 'waiting-for-pieces-os.png' },
  'rejected-401': { file: 'key-rejected.png' },
  'quit-while-connected': { file: 'pieces-os-quit.png' },
  'other-provider-question': { file: 'other-provider-key.png' },
  'two-keys-218': { file: 'tree-with-keys-218.png', clip: { x: 0, y: 0, width: 560, height: 200 } },
  consent: { file: 'consent.png', clip: { x: 320, y: 300, width: 640, height: 200 } },
  'accounts-menu': { file: 'accounts-menu.png', clip: { x: 0, y: 560, width: 660, height: 240 } },
};
const shots = new Map<string, string>();
const EXTENSION_STATUS_ITEM = 'provider-keys.provider-keys.providerKeys.status';
const DISCOVERY_PORTS = [...Array.from({ length: 34 }, (_, i) => 39300 + i), 1000, 5323];
const RUN_TIMEOUT_MS = 8 * 60_000 * (Number(process.env.PROVIDER_KEYS_E2E_TIMEOUT_SCALE) || 1);
const KILL_AFTER_MS = 10_000;

/** A code-server build of scripts/lib/tools.mjs (CODE_SERVER_BUILDS), passed back to the functions that take one. */
interface Build {
  readonly which: string;
  readonly vscode: string;
  readonly codeServer: string;
}

/** What scripts/lib/vscode.mjs exports and this runner uses (it is plain JavaScript, shared with npm start). */
interface VSCodeLib {
  ENV_DIRS: string[];
  USER_SETTINGS: Record<string, unknown>;
  chromiumOptions(options: {
    viewport: { width: number; height: number };
    env: NodeJS.ProcessEnv;
  }): Parameters<typeof import('playwright-core').chromium.launchPersistentContext>[1];
  ensureCodeServer(say: (message: string) => void, purpose: 'test', which: string): Build;
  makeDirs(base: string, names: string[]): Record<string, string>;
  codeServerEnv(dirs: Record<string, string>, extra: Record<string, string> | undefined, build: Build): Record<string, string>;
  installExtension(options: { dirs: Record<string, string>; env: Record<string, string>; vsix: string[]; build: Build }): string;
  writeJson(file: string, value: unknown): void;
  freePort(options?: { avoid?: number[] }): Promise<number>;
  tail(file: string, lines: number): string;
  startCodeServer(options: {
    dirs: Record<string, string>;
    port: number;
    env: Record<string, string>;
    logFile: string;
    say: (m: string) => void;
    build: Build;
  }): {
    pid: number;
    ready: Promise<void>;
    stop(): Promise<void>;
    exited: Promise<unknown>;
  };
}

const started = performance.now();
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
mkdirSync(RESULTS, { recursive: true });
for (const name of readdirSync(RESULTS)) rmSync(join(RESULTS, name), { recursive: true, force: true });
const RUN_LOG = join(RESULTS, 'run.log');
/**
 * The last guard of the test output: a line that holds more of one of the run's keys than a mask
 * shows (an accessible name or an error that quotes one, say) is withheld, not printed.
 */
let runKeys: readonly string[] = [];
const guard = (message: string): string =>
  holdsKey(message, runKeys) ? '(line withheld: it held more of a key than its mask; a leak to look into)' : message;
function say(message: string): void {
  const line = `[e2e] ${guard(message)}`;
  console.log(line);
  appendFileSync(RUN_LOG, `${line}\n`);
}
function shout(message: string): void {
  const line = `[e2e] ${guard(message)}`;
  console.error(line);
  appendFileSync(RUN_LOG, `${line}\n`);
}

// --- teardown: last in, first out, once; also on Ctrl-C --------------------------------------------
const cleanups: Array<{ what: string; run: () => Promise<unknown> }> = [];
let finishing = false;

async function finish(code: number, reason: string): Promise<never> {
  if (!finishing) {
    finishing = true;
    (code === 0 ? say : shout)(reason);
    while (cleanups.length > 0) {
      const cleanup = cleanups.pop()!;
      try {
        await Promise.race([cleanup.run(), new Promise((done) => setTimeout(done, KILL_AFTER_MS + 5_000))]);
      } catch (error) {
        shout(`stopping ${cleanup.what} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    say(`wall time ${seconds(performance.now() - started)}; exit code ${code}`);
  }
  process.exit(code);
}

for (const [signal, number] of [
  ['SIGINT', 2],
  ['SIGTERM', 15],
  ['SIGHUP', 1],
] as const) {
  process.on(signal, () => void finish(128 + number, `${signal}: stopping everything`));
}
setTimeout(() => void finish(1, `TIMEOUT: the end-to-end run took longer than ${seconds(RUN_TIMEOUT_MS)}`), RUN_TIMEOUT_MS).unref();

// --- the run -------------------------------------------------------------------------------------

interface Running {
  dirs: Record<string, string>;
  base: string;
  vsix: string;
  serverLog: string;
  standIn: StandIn;
  standInLog: string[];
  browserLog: string[];
  secretsValues: Set<string>;
  /** The workspace's .env file and the bytes written to it (it holds a key by design). */
  dotenv: { path: string; content: Buffer };
  context?: BrowserContext;
  page?: Page;
}

function packageVsix(vsix: string, env: NodeJS.ProcessEnv): void {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--out', vsix], { cwd: ROOT, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`scripts/package.mjs failed:\n${result.stdout}${result.stderr}`);
  const size = /^VSIX: .*? ([\d.]+ KB)/m.exec(result.stdout)?.[1];
  say(`packaged the VSIX (${size ?? '?'})`);
}

/** Packages the Key Consumer fixture as a VSIX of its own, as any other extension is installed. */
function packageConsumer(vsix: string, env: NodeJS.ProcessEnv): void {
  const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const args = [vsce, 'package', '--no-dependencies', '--skip-license', '--out', vsix];
  const result = spawnSync(process.execPath, args, { cwd: CONSUMER_FIXTURE, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`vsce package (the Key Consumer fixture) failed:\n${result.stdout}${result.stderr}`);
}

async function startStandInOffDiscoveryPorts(log: string[]): Promise<StandIn> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const standIn = await startStandIn({ port: 0, controlPort: 0, log: (line) => log.push(line) });
    if (!DISCOVERY_PORTS.includes(standIn.port)) return standIn;
    await standIn.stop();
  }
  throw new Error('no free port for the stand-in outside the ports Pieces OS discovery scans');
}

async function setUp(lib: VSCodeLib, keys: Record<KeyName, string>): Promise<Running> {
  const build = lib.ensureCodeServer(say, 'test', BUILD);
  say(`VS Code ${build.vscode} (code-server ${build.codeServer})`);
  const base = mkdtempSync(join(tmpdir(), 'provider-keys-e2e-'));
  cleanups.push({
    what: 'the temporary folder',
    run: async () => {
      if (process.env.PROVIDER_KEYS_KEEP_TMP === '1') say(`kept ${base}`);
      else rmSync(base, { recursive: true, force: true, maxRetries: 3, retryDelay: 200 });
    },
  });
  const dirs = lib.makeDirs(base, [...lib.ENV_DIRS, 'user-data', 'extensions', 'browser', 'workspace']);
  // Temporary files of this process (Playwright's) and of every child land where the leak scan looks.
  process.env.TMPDIR = dirs.tmp;
  const env = lib.codeServerEnv(dirs, undefined, build);
  // A developer's own keys in these variables would reach Import from Environment, the terminals and
  // the screenshots: code-server (and so the extension host and every terminal) starts without them.
  for (const variable of [...allVariables(), OPENAI_ORG_ENV]) delete env[variable];
  // The workspace (trusted in this run) has a .env file with a key, for Import from Environment.
  const dotenv = { path: join(dirs.workspace!, DOTENV_FILE), content: Buffer.from(dotenvText(keys.dotenv, keys.anthropic), 'utf8') };
  writeFileSync(dotenv.path, dotenv.content);

  const vsix = join(base, 'provider-keys.vsix');
  packageVsix(vsix, { ...process.env, TMPDIR: dirs.tmp });
  const consumerVsix = join(base, 'key-consumer.vsix');
  packageConsumer(consumerVsix, { ...process.env, TMPDIR: dirs.tmp });
  lib.installExtension({ dirs, env, vsix: [vsix, consumerVsix], build });
  say('installed it and the Key Consumer fixture into code-server with --install-extension');

  const standInLog: string[] = [];
  const standIn = await startStandInOffDiscoveryPorts(standInLog);
  cleanups.push({ what: 'the stand-in', run: () => standIn.stop() });
  say(`stand-in at ${standIn.url}, control ${standIn.controlUrl}`);

  lib.writeJson(join(dirs['user-data']!, 'User', 'settings.json'), {
    ...lib.USER_SETTINGS,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.tips.enabled': false,
    'git.openRepositoryInParentFolders': 'never',
    'remote.autoForwardPorts': false,
    // The terminal draws its rows as DOM text (not on a canvas), so the run can read them.
    'terminal.integrated.gpuAcceleration': 'off',
  });
  // Machine-scoped settings are read from Machine/settings.json in code-server (see scripts/start.mjs).
  lib.writeJson(join(dirs['user-data']!, 'Machine', 'settings.json'), { 'providerKeys.serviceUrl': standIn.url });

  const serverLog = join(base, 'code-server.log');
  writeFileSync(serverLog, '');
  const port = await lib.freePort({ avoid: DISCOVERY_PORTS });
  const server = lib.startCodeServer({ dirs, port, env, logFile: serverLog, say, build });
  cleanups.push({ what: 'code-server', run: () => server.stop() });
  try {
    await server.ready;
  } catch (error) {
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n--- code-server log (last 30 lines) ---\n${lib.tail(serverLog, 30)}`,
    );
  }
  say(`code-server ready on 127.0.0.1:${port} (pid ${server.pid}, its own process group)`);

  const running: Running = { dirs, base, vsix, serverLog, standIn, standInLog, browserLog: [], secretsValues: new Set(), dotenv };
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(
    dirs.browser!,
    lib.chromiumOptions({
      viewport: { width: 1280, height: 800 },
      env: { ...process.env, HOME: dirs.home!, TMPDIR: dirs.tmp!, XDG_CONFIG_HOME: dirs.config!, XDG_CACHE_HOME: dirs.cache! },
    }),
  );
  cleanups.push({ what: 'the browser', run: () => context.close() });
  running.context = context;
  // The leak scan excludes SecretStorage's own encrypted store, exactly: every value the workbench
  // writes to localStorage['secrets.provider'] is noted here (in memory only).
  await context.exposeFunction('__providerKeysSecretsWritten', (value: string) => running.secretsValues.add(value));
  await context.addInitScript({
    content: `(() => {
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (key, value) {
        if (key === 'secrets.provider' && this === window.localStorage) void window.__providerKeysSecretsWritten(String(value));
        return setItem.call(this, key, value);
      };
    })();`,
  });
  // Copy Key writes the key to the browser's clipboard. Reading it needs the user's permission, which
  // this user never gave (as most do not): the workbench may write the clipboard, not read it. The run
  // reads it only for its own checks (Workbench.clipboardDigest), allowing the read for that moment.
  const origin = `http://127.0.0.1:${port}`;
  await context.grantPermissions(['clipboard-write'], { origin });
  const page = context.pages()[0] ?? (await context.newPage());
  running.page = page;
  page.on('console', (message) => running.browserLog.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => running.browserLog.push(`[pageerror] ${error.message}`));
  const url = `${origin}/?folder=${encodeURIComponent(dirs.workspace!)}`;
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  say(`workbench opened: ${url}`);
  return running;
}

/** Where the Key Consumer keeps its report (its global storage, on the server's side). */
function consumerStorage(running: Running): string {
  return join(running.dirs['user-data']!, 'User', 'globalStorage', CONSUMER.id);
}

function extensionLog(running: Running): string | undefined {
  const logs = join(running.dirs['user-data']!, 'logs');
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (full.includes('provider-keys.provider-keys')) found.push(full);
    }
  };
  walk(logs);
  return found.sort().pop();
}

function saveLogs(running: Running, lib: VSCodeLib, failed: boolean): void {
  writeFileSync(join(RESULTS, 'stand-in.log'), running.standInLog.join('\n') + '\n');
  writeFileSync(join(RESULTS, 'browser-console.log'), running.browserLog.join('\n') + '\n');
  copyFileSync(running.serverLog, join(RESULTS, 'code-server.log'));
  const extLog = extensionLog(running);
  if (extLog) copyFileSync(extLog, join(RESULTS, 'extension.log'));
  if (!failed) return;
  shout(`--- the extension's log (last 15 lines) ---\n${extLog ? lib.tail(extLog, 15) : '(none)'}`);
  shout(`--- the stand-in (last 10 requests) ---\n${running.standInLog.slice(-10).join('\n')}`);
  shout(`--- code-server (last 10 lines) ---\n${lib.tail(running.serverLog, 10)}`);
  const errors = running.browserLog.filter((line) => /^\[(error|pageerror)\]/.test(line) && !/127\.0\.0\.1:9\b/.test(line));
  shout(
    `--- browser errors (last 10) ---\n${errors
      .slice(-10)
      .map((l) => l.slice(0, 300))
      .join('\n')}`,
  );
}

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);

async function runScenario(running: Running, keyValues: Record<KeyName, string>): Promise<void> {
  const page = running.page!;
  const wb = new Workbench(page, EXTENSION_STATUS_ITEM);
  const control = new StandInControl(running.standIn.controlUrl!);
  await control.stop(); // step 1 begins with nothing running
  let stepIndex = 0;
  let shotIndex = 0;
  const prefix = (): string => String(stepIndex + 1).padStart(2, '0');
  const all = Object.values(keyValues);
  const reports = join(consumerStorage(running), 'report.jsonl');
  const ctx: ScenarioContext = {
    wb,
    standIn: control,
    keys: keyValues,
    holds: (key) => running.standIn.openAI?.api_key === key,
    shot: async (name) => {
      await checkScreen(wb, all);
      const file = join(RESULTS, `${prefix()}-${String.fromCharCode(97 + shotIndex++)}-${name}.png`);
      await page.screenshot({ path: file, animations: 'disabled' });
      const clip = README_SHOTS[name]?.clip;
      if (clip) {
        const clipped = file.replace(/\.png$/, '.readme.png');
        await page.screenshot({ path: clipped, animations: 'disabled', clip });
        shots.set(name, clipped);
      } else {
        shots.set(name, file);
      }
    },
    say,
    memo: {},
    consumer: () =>
      existsSync(reports)
        ? readFileSync(reports, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as ConsumerReport)
        : [],
  };
  for (; stepIndex < SCENARIO.length; stepIndex++) {
    const step = SCENARIO[stepIndex]!;
    shotIndex = 0;
    const began = performance.now();
    say(`step ${stepIndex + 1}/${SCENARIO.length}: ${step.title}`);
    try {
      await step.run(ctx);
      await checkScreen(wb, all);
      await page.screenshot({ path: join(RESULTS, `${prefix()}-${slug(step.title)}.png`), animations: 'disabled' });
      say(`  ok (${seconds(performance.now() - began)})`);
    } catch (error) {
      wb.keyboardOnly = false;
      const shot = join(RESULTS, `${prefix()}-FAILED-${slug(step.title)}.png`);
      await page.screenshot({ path: shot, timeout: 10_000 }).catch(() => undefined);
      throw new Error(
        `step ${stepIndex + 1} (${step.title}) failed after ${seconds(performance.now() - began)}: ${error instanceof Error ? error.message : String(error)}\n  screenshot: ${shot}`,
      );
    }
  }
}

async function main(): Promise<number> {
  const lib = (await import(join(ROOT, 'scripts', 'lib', 'vscode.mjs'))) as VSCodeLib;
  const canaries = makeKeys();
  const keyValues = Object.fromEntries(Object.entries(canaries).map(([name, canary]) => [name, canary.value])) as Record<KeyName, string>;
  runKeys = Object.values(keyValues);
  const running = await setUp(lib, keyValues);
  if (finishing) return new Promise<number>(() => undefined);
  let failure: string | undefined;
  try {
    await runScenario(running, keyValues);
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  // Interrupted (Ctrl-C): finish() is stopping everything and exits; nothing more to do here.
  if (finishing) return new Promise<number>(() => undefined);
  // Stop the browser, code-server and the stand-in now, so every file is flushed before the scan.
  try {
    const value = await running.page?.evaluate<string | null>("localStorage.getItem('secrets.provider')");
    if (value) running.secretsValues.add(value);
  } catch {
    // the page is gone (a failed run): the values noted while it ran are all there is
  }
  for (const what of ['the browser', 'code-server', 'the stand-in']) {
    const index = cleanups.findIndex((cleanup) => cleanup.what === what);
    if (index >= 0) await cleanups.splice(index, 1)[0]!.run();
  }
  if (failure) shout(`FAILED: ${failure}`);
  saveLogs(running, lib, failure !== undefined);

  const scan = runLeakScan({
    base: running.base,
    results: RESULTS,
    canaries,
    secretsValues: running.secretsValues,
    keyFiles: [running.dotenv],
    // Everything the other extension touched: where it is installed, and its global storage.
    places: [
      { dir: join(running.base, 'extensions'), label: 'extensions' },
      { dir: consumerStorage(running), label: `user-data/User/globalStorage/${CONSUMER.id}` },
    ],
    say,
    shout,
  });
  if (!failure && scan.ok && !FLOOR && process.env.PROVIDER_KEYS_E2E_MEDIA === '1') {
    mkdirSync(MEDIA, { recursive: true });
    for (const [name, { file: target }] of Object.entries(README_SHOTS)) {
      const file = shots.get(name);
      if (file) copyFileSync(file, join(MEDIA, target));
      else shout(`no screenshot named "${name}" was taken; media/screenshots/${target} is unchanged`);
    }
    say(`copied the README's screenshots to ${MEDIA}`);
  }
  return failure || !scan.ok ? 1 : 0;
}

main().then(
  (code) => finish(code, code === 0 ? 'end-to-end run and leak scan passed' : 'END-TO-END RUN FAILED'),
  (error: unknown) => finish(1, `END-TO-END RUN FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
);
