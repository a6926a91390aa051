// `npm run setup`, the first step of `npm test`, on a Debian machine that lacks the operating-system packages
// and where this user cannot install them (not root, no sudo): one message naming the exact apt-get line, a
// non-zero exit, and nothing after it (no keytar build, no tool install). The machine's package database is
// replaced by a dpkg-query that reports every package removed, and apt-get by one that records any call.
import * as assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../contract/helpers';

const SETUP = path.join(REPO_ROOT, 'scripts', 'setup.mjs');
const SYSTEM = path.join(REPO_ROOT, 'scripts', 'lib', 'system.mjs');

/** A folder of commands: fake dpkg-query and apt-get, and the real node and sh. Nothing else, so no sudo. */
function fakeBin(dir: string): { bin: string; aptCalls: string } {
  const bin = path.join(dir, 'bin');
  const aptCalls = path.join(dir, 'apt-calls');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'dpkg-query'), '#!/bin/sh\nprintf "deinstall ok config-files"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'apt-get'), `#!/bin/sh\necho "$@" >> ${aptCalls}\nexit 1\n`, { mode: 0o755 });
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
  return { bin, aptCalls };
}

/** Runs `node args` as a user who is not root: as `nobody` through setpriv when we are root. */
function runAsUser(args: string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const asRoot = process.getuid?.() === 0;
  const command = asRoot ? '/usr/bin/setpriv' : process.execPath;
  const fullArgs = asRoot ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...args] : args;
  return spawnSync(command, fullArgs, { env, encoding: 'utf8', timeout: 30_000, cwd: REPO_ROOT });
}

describe('npm run setup on a machine that lacks packages', function () {
  this.timeout(40_000);
  let dir: string;
  before(function () {
    if (process.platform !== 'linux') this.skip(); // apt-get and setpriv: Debian and Ubuntu only, as the list itself
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'provider-keys-setup-'));
    fs.chmodSync(dir, 0o755);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('without root or sudo: names the exact apt-get line, exits 1 and goes no further', () => {
    const { bin, aptCalls } = fakeBin(dir);
    const home = path.join(dir, 'home');
    fs.mkdirSync(home, { mode: 0o777 });
    const listed = spawnSync(process.execPath, [SYSTEM, '--list', 'test'], { encoding: 'utf8' }).stdout.trim().split('\n');
    assert.ok(listed.includes('libsecret-1-dev') && listed.includes('gnome-keyring') && listed.includes('chromium'), listed.join(' '));

    const result = runAsUser([SETUP], { PATH: bin, HOME: home, CI: 'true' });
    assert.equal(result.status, 1, `exit ${result.status}\n${result.stdout}\n${result.stderr}`);
    const line = `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${listed.join(' ')}`;
    assert.ok(result.stderr.includes(line), `the message names the install line:\n${result.stderr}`);
    assert.equal(result.stderr.split('\n').filter((l) => l.startsWith('[setup]')).length, 1, 'one message');
    assert.doesNotMatch(result.stdout, /keytar|code-server|node 24/, 'nothing runs after the message');
    assert.equal(fs.existsSync(aptCalls), false, 'apt-get is never called without root');
  });

  it('lists only what is missing', () => {
    const { bin } = fakeBin(dir);
    // dpkg-query says only chromium is installed.
    fs.writeFileSync(
      path.join(bin, 'dpkg-query'),
      '#!/bin/sh\nfor last; do :; done\n[ "$last" = chromium ] && printf "install ok installed" || printf "unknown ok not-installed"\n',
      { mode: 0o755 },
    );
    const missing = spawnSync(process.execPath, [SYSTEM, '--missing', 'test'], { env: { PATH: bin }, encoding: 'utf8' });
    assert.equal(missing.status, 0, missing.stderr);
    const names = missing.stdout.trim().split('\n');
    assert.ok(!names.includes('chromium') && names.includes('libsecret-1-dev'), names.join(' '));
    const forStart = spawnSync(process.execPath, [SYSTEM, '--missing', 'start'], { env: { PATH: bin }, encoding: 'utf8' })
      .stdout.trim()
      .split('\n');
    assert.ok(
      forStart.includes('libkrb5-dev') && !forStart.includes('gnome-keyring'),
      `npm start needs no keychain: ${forStart.join(' ')}`,
    );
  });
});
