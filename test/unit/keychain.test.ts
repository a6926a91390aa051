// The OS keychain through keytar, for real: a private D-Bus session with an unlocked GNOME Keyring
// (scripts/lib/keyring.mjs), credentials stored with keytar, found through the helper process; and
// each way it can be unavailable (no D-Bus, no module, a locked keyring, no answer) giving its one
// clear message.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  KeychainProcess,
  classifyKeychainError,
  classifyLoadError,
  keychainMatches,
  unavailableMessage,
  wellKnownServices,
} from '../../src/core/import/keychain';
import { REPO_ROOT } from '../contract/helpers';

const HELPER = path.join(REPO_ROOT, 'out', 'src', 'core', 'import', 'keychainHelper.js');
const OPENAI = 'sk-test-FAKE-keychain-0000000000000001';
const MISTRAL = 'FAKEmistralkeychain00000000000002';

// The linter's type service does not follow this import attribute; tsc does (the type is checked there).
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
type KeyringModule = typeof import('../../scripts/lib/keyring.mjs', { with: { 'resolution-mode': 'import' } });
// The script is an ES module shared with the host-test runner; TypeScript keeps this import() as is.
const keyringModule = (): Promise<KeyringModule> => import(pathToFileURL(path.join(REPO_ROOT, 'scripts', 'lib', 'keyring.mjs')).href);

/** Stores a credential with keytar in a child process inside the keyring's session. */
function storeWithKeytar(env: NodeJS.ProcessEnv, service: string, account: string, password: string): void {
  const script = `require(${JSON.stringify(path.join(REPO_ROOT, 'node_modules', 'keytar'))}).setPassword(process.argv[1], process.argv[2], process.env.SECRET).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); })`;
  const result = spawnSync(process.execPath, ['-e', script, service, account], {
    env: { ...env, SECRET: password },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(result.status, 0, `keytar.setPassword failed: ${result.stderr}`);
}

describe('OS keychain (keytar in a helper process)', function () {
  this.timeout(30_000);
  let dir: string;
  let keyring: KeyringModule;

  before(async () => {
    keyring = await keyringModule();
    const missing = keyring.missingKeyringTools();
    assert.deepEqual(
      missing,
      [],
      'these tests need a real keychain: `npm run setup` installs it (scripts/lib/system.mjs lists the packages)',
    );
    assert.ok(
      fs.existsSync(path.join(REPO_ROOT, 'node_modules', 'keytar', 'build', 'Release', 'keytar.node')),
      'keytar is not built: `npm run setup` builds it',
    );
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'provider-keys-keyring-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds credentials stored with keytar in an unlocked keyring', async () => {
    const running = await keyring.startTestKeyring({ dir });
    try {
      storeWithKeytar(running.env, 'openai', 'personal', OPENAI);
      storeWithKeytar(running.env, 'my-llm-keys', 'mistral-work', MISTRAL);
      const keychain = new KeychainProcess({ helperPath: HELPER, modulePaths: ['keytar'], env: running.env });
      const lookup = await keychain.find([...wellKnownServices(), 'my-llm-keys']);
      assert.ok(lookup.ok, lookup.ok ? '' : lookup.unavailable.message);
      assert.deepEqual(lookup.found.openai, [{ account: 'personal', password: OPENAI }]);
      assert.deepEqual(lookup.found.anthropic, []);
      assert.deepEqual(
        keychainMatches('openai', lookup.found.openai ?? []).map((m) => [m.provider, m.account]),
        [['openai', 'personal']],
      );
      // A service name and a key without a known prefix: the provider is asked for.
      assert.equal(keychainMatches('my-llm-keys', lookup.found['my-llm-keys'] ?? [])[0]?.provider, undefined);
    } finally {
      await running.stop();
    }
  });

  it('with no D-Bus: unavailable, "no secret service", and says what to do', async () => {
    const keychain = new KeychainProcess({
      helperPath: HELPER,
      modulePaths: ['keytar'],
      env: { ...keyring.withoutDBus(), HOME: dir, XDG_RUNTIME_DIR: dir },
    });
    const lookup = await keychain.find(['openai']);
    assert.ok(!lookup.ok);
    assert.equal(lookup.unavailable.kind, 'noSecretService');
    assert.match(lookup.unavailable.message, /^No OS keychain answered: there is no D-Bus session/);
  });

  it('with a locked keyring that cannot prompt: unavailable, "locked" (the helper crashed, not the caller)', async () => {
    const first = await keyring.startTestKeyring({ dir });
    storeWithKeytar(first.env, 'openai', 'personal', OPENAI);
    await first.stop();
    const locked = await keyring.startTestKeyring({ dir, unlock: false });
    try {
      const lookup = await new KeychainProcess({ helperPath: HELPER, modulePaths: ['keytar'], env: locked.env }).find(['openai']);
      assert.ok(!lookup.ok);
      assert.equal(lookup.unavailable.kind, 'locked');
      assert.match(lookup.unavailable.message, /locked/);
    } finally {
      await locked.stop();
    }
  });

  it('without the native module (the universal VSIX): unavailable, "module missing", pointing at the platform VSIX', async () => {
    const lookup = await new KeychainProcess({ helperPath: HELPER, modulePaths: [path.join(dir, 'keytar.node')] }).find(['openai']);
    assert.ok(!lookup.ok);
    assert.equal(lookup.unavailable.kind, 'moduleMissing');
    assert.match(lookup.unavailable.message, /platform VSIX/);
  });

  it('a helper that never answers is stopped after the timeout', async () => {
    const silent = path.join(dir, 'silent-helper.js');
    fs.writeFileSync(silent, "process.on('message', () => undefined); setInterval(() => undefined, 1000);\n");
    const started = Date.now();
    const lookup = await new KeychainProcess({ helperPath: silent, modulePaths: [], timeoutMs: 300 }).find(['openai']);
    assert.ok(!lookup.ok);
    assert.equal(lookup.unavailable.kind, 'timeout');
    assert.ok(Date.now() - started < 5000);
  });
});

describe('keychain error messages', () => {
  it("tells the unavailable cases apart from libsecret's and GLib's texts", () => {
    const table: Array<[string, string]> = [
      ['Cannot autolaunch D-Bus without X11 $DISPLAY', 'noSecretService'],
      ['Could not connect: No such file or directory', 'noSecretService'],
      ['The name org.freedesktop.secrets was not provided by any .service files', 'noSecretService'],
      ['Cannot create an item in a locked collection', 'locked'],
      ['Unlock prompt was dismissed', 'locked'],
      ['Something else went wrong', 'failed'],
    ];
    for (const [text, kind] of table) assert.equal(classifyKeychainError(text), kind, text);
    assert.equal(classifyLoadError('libsecret-1.so.0: cannot open shared object file: No such file or directory'), 'libraryMissing');
    assert.equal(classifyLoadError("Cannot find module '/x/dist/keytar.node'"), 'moduleMissing');
  });

  it('never repeats more than a redacted excerpt of an unexpected error', () => {
    const message = unavailableMessage('failed', `boom sk-test-FAKE-keychain-0000000000000009 ${'x'.repeat(500)}`);
    assert.ok(!message.includes('sk-test-FAKE-keychain-0000000000000009'));
    assert.ok(message.length < 260);
  });
});
