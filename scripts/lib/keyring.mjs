// A private, throwaway OS keychain for tests: its own D-Bus session bus (dbus-daemon) and a GNOME
// Keyring unlocked with a test password, with every file in the folder given. Nothing reaches the
// user's own keyring or session bus. Stopping the bus ends gnome-keyring-daemon too (it exits when
// its bus goes away).
//
//   const keyring = await startTestKeyring({ dir });   // dir: an empty temporary folder
//   keyring.env  // { DBUS_SESSION_BUS_ADDRESS, HOME, XDG_DATA_HOME, XDG_RUNTIME_DIR, ... } for children
//   await keyring.stop();
//   startTestKeyring({ dir, unlock: false })  // the same keyring folder, locked (not unlocked at start)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const KEYRING_TOOLS = ['dbus-daemon', 'gnome-keyring-daemon'];
const PASSWORD = 'provider-keys-test-keyring';

/** The tools a private keyring needs that are missing from PATH (empty when it can run). */
export function missingKeyringTools() {
  return KEYRING_TOOLS.filter((tool) => spawnSync('which', [tool], { stdio: 'ignore' }).status !== 0);
}

/** The environment of a process with no session bus at all (and no X display to start one from). */
export function withoutDBus(env = process.env) {
  const copy = { ...env };
  delete copy.DBUS_SESSION_BUS_ADDRESS;
  delete copy.DISPLAY;
  delete copy.WAYLAND_DISPLAY;
  return copy;
}

export async function startTestKeyring({ dir, unlock = true, timeoutMs = 15_000 }) {
  const missing = missingKeyringTools();
  if (missing.length > 0) {
    throw new Error(`a test keyring needs ${missing.join(' and ')} ('npm run setup' installs them; scripts/lib/system.mjs lists them)`);
  }
  const dirs = {};
  for (const name of ['home', 'data', 'runtime', 'config', 'cache']) {
    dirs[name] = path.join(dir, name);
    fs.mkdirSync(dirs[name], { recursive: true, mode: 0o700 });
  }
  const baseEnv = {
    ...withoutDBus(),
    HOME: dirs.home,
    XDG_DATA_HOME: dirs.data,
    XDG_RUNTIME_DIR: dirs.runtime,
    XDG_CONFIG_HOME: dirs.config,
    XDG_CACHE_HOME: dirs.cache,
  };
  // detached: its own process group, ended as a whole by stop().
  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', '--print-address=1'], {
    env: baseEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise((resolve) => bus.once('exit', resolve));
  const stop = async () => {
    try {
      process.kill(-bus.pid, 'SIGTERM');
    } catch {
      return; // already gone
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3_000))]);
    try {
      process.kill(-bus.pid, 'SIGKILL');
    } catch {
      // stopped
    }
  };
  const address = await new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('dbus-daemon did not print its address')), timeoutMs);
    bus.stdout.on('data', (chunk) => {
      text += chunk.toString();
      const line = text.split('\n')[0];
      if (text.includes('\n') && line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    bus.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dbus-daemon exited (${code}) before printing its address`));
    });
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  const env = { ...baseEnv, DBUS_SESSION_BUS_ADDRESS: address };
  // --unlock reads the password on stdin, creates the login keyring if needed and unlocks it;
  // --start only starts the daemon, so an existing keyring stays locked.
  const result = spawnSync('gnome-keyring-daemon', unlock ? ['--unlock', '--components=secrets'] : ['--start', '--components=secrets'], {
    env,
    input: unlock ? PASSWORD : undefined,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (result.status !== 0) {
    await stop();
    throw new Error(`gnome-keyring-daemon failed (exit ${result.status ?? result.signal}): ${result.stderr}`);
  }
  return { env, address, stop };
}
