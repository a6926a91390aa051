// The operating-system packages the tests and `npm start` need: the one list, used by `npm run setup` (the
// first step of `npm test`), by `npm start`, and by `.ci/run` (`node scripts/lib/system.mjs --list`).
// On Debian and Ubuntu the missing ones are installed with apt-get, as root or through sudo; without
// either, one message names the exact `apt-get install …` line and the run stops before any test.
//
//   node scripts/lib/system.mjs --list [test|start]   prints the package names, one per line
//   node scripts/lib/system.mjs --missing [test|start] prints the missing ones
//   node scripts/lib/system.mjs --install [test|start] installs the missing ones (what setup does)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Each Debian package, what needs it (`test`: `npm test`; `start`: `npm start`) and why. Names are
 * Debian's (bookworm) and Ubuntu's (22.04 and later) alike.
 */
export const SYSTEM_PACKAGES = [
  { name: 'chromium', for: ['test'], why: 'the headless browser that drives VS Code in the host and end-to-end tests' },
  { name: 'libkrb5-dev', for: ['test', 'start'], why: "code-server's native build (its kerberos module)" },
  { name: 'libsecret-1-dev', for: ['test'], why: "keytar's native build (the OS keychain import)" },
  { name: 'gnome-keyring', for: ['test'], why: 'a private, throwaway OS keychain for the keychain tests' },
  { name: 'dbus-x11', for: ['test'], why: "that keychain's own D-Bus session (dbus-daemon)" },
  { name: 'ripgrep', for: ['test'], why: 'code-server 4.90.3 (VS Code 1.90, the oldest we support), which cannot download its own' },
  { name: 'python3', for: ['test', 'start'], why: 'node-gyp (native builds)' },
  { name: 'make', for: ['test', 'start'], why: 'node-gyp (native builds)' },
  { name: 'g++', for: ['test', 'start'], why: 'node-gyp (native builds)' },
];

export const PURPOSES = ['test', 'start'];

/** The package names `purpose` needs (every package without one). */
export function packagesFor(purpose) {
  return SYSTEM_PACKAGES.filter((p) => !purpose || p.for.includes(purpose)).map((p) => p.name);
}

const succeeds = (command, args) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const hasCommand = (command) => succeeds('sh', ['-c', `command -v ${command}`]);

/**
 * Whether dpkg says `name` is installed. `dpkg -s` alone is not enough: it succeeds for a package that was
 * removed but left its configuration files behind.
 */
function installed(name) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() === 'install ok installed';
}

/** Whether this system has dpkg and apt-get (Debian, Ubuntu and their kin). */
export function isDebianLike() {
  return process.platform === 'linux' && hasCommand('dpkg-query') && hasCommand('apt-get');
}

/** The packages `purpose` needs that are not installed (empty off Debian-like systems: see ensure). */
export function missingPackages(purpose) {
  if (!isDebianLike()) return [];
  return packagesFor(purpose).filter((name) => !installed(name));
}

/** The exact command a person would type to install `names`. */
export function installLine(names) {
  return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${names.join(' ')}`;
}

/** How to run apt-get here: as root, through sudo that asks nothing (or may ask at a terminal), or not at all. */
function aptRunner() {
  if (process.getuid?.() === 0) return (args) => ['apt-get', args];
  if (!hasCommand('sudo')) return undefined;
  // In CI nobody can type a password: only a sudo that asks nothing will do.
  if (!succeeds('sudo', ['-n', 'true']) && !(process.stdin.isTTY && !process.env.CI)) return undefined;
  return (args) => ['sudo', ['-E', 'apt-get', ...args]];
}

/**
 * Makes sure the packages `purpose` needs are installed, installing the missing ones with apt-get. Throws
 * with one message naming the exact `apt-get install` line when it cannot (no root, no sudo, apt failed).
 * Off Debian-like systems it checks nothing and returns: the tools say what they lack when they run.
 */
export function ensureSystemPackages(purpose, say = (message) => console.log(`[system] ${message}`)) {
  const missing = missingPackages(purpose);
  if (missing.length === 0) return [];
  const runner = aptRunner();
  if (!runner) {
    throw new Error(
      `npm ${purpose} needs these Debian packages, which are missing: ${missing.join(', ')}. Only root can install them, and ` +
        `this user is not root and has no sudo that works without a password. Install them, then run the command again:\n\n` +
        `    ${installLine(missing)}\n`,
    );
  }
  say(`installing Debian packages with apt-get: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...missing],
  ]) {
    const [command, commandArgs] = runner(args);
    // dpkg prints a page per package even with -qq: shown only when apt-get fails.
    const result = spawnSync(command, commandArgs, {
      stdio: ['inherit', 'pipe', 'pipe'],
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0) {
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trimEnd().split('\n').slice(-20).join('\n');
      throw new Error(
        `apt-get ${args[0]} failed (exit ${result.status ?? result.signal}):\n${output}\n\nInstall the packages by hand:\n\n    ${installLine(missing)}\n`,
      );
    }
  }
  const still = missingPackages(purpose);
  if (still.length > 0) throw new Error(`apt-get did not install ${still.join(', ')}:\n\n    ${installLine(still)}\n`);
  return missing;
}

const main = () => {
  const [action, purpose] = process.argv.slice(2);
  if (purpose !== undefined && !PURPOSES.includes(purpose)) {
    console.error(`unknown purpose "${purpose}" (one of ${PURPOSES.join(', ')})`);
    process.exit(2);
  }
  if (action === '--list') {
    console.log(packagesFor(purpose).join('\n'));
  } else if (action === '--missing') {
    const missing = missingPackages(purpose);
    if (missing.length > 0) console.log(missing.join('\n'));
  } else if (action === '--install') {
    try {
      ensureSystemPackages(purpose);
    } catch (error) {
      console.error(`[system] ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
  } else {
    console.error('usage: node scripts/lib/system.mjs --list|--missing|--install [test|start]');
    process.exit(2);
  }
};

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main();
