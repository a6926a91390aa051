// Importing keys from the OS keychain in a real VS Code, through the real command and the prompt seam: the
// packaged helper (dist/keychain-helper.js) and keytar against a private GNOME Keyring the runner started, or
// none (then the "unavailable" message). Import from Environment is tested under plain mocha
// (test/unit/flows/importEnvironment.test.ts).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { Commands } from '../../src/constants';
import { KEY_1, MISTRAL, assertMessagesClean } from '../support/useKeysFixtures';
import { ROOT, addKey, api, assertGlobalStateClean, run, useKeysHooks } from './useKeysSupport';

describe('importing keys from the OS keychain', function () {
  this.timeout(60_000);
  useKeysHooks();

  describe('Import from OS Keychain', () => {
    const keyring = process.env.PROVIDER_KEYS_TEST_KEYRING;

    function storeWithKeytar(service: string, account: string, password: string): void {
      const script = `require(${JSON.stringify(path.join(ROOT, 'node_modules', 'keytar'))}).setPassword(process.argv[1], process.argv[2], process.env.SECRET).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); })`;
      const result = spawnSync(process.execPath, ['-e', script, service, account], {
        env: { ...process.env, SECRET: password, ELECTRON_RUN_AS_NODE: '1' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(result.status, 0, `keytar.setPassword failed: ${result.stderr}`);
    }

    if (keyring === 'unlocked') {
      it('finds keys stored with keytar, and imports the picked ones into SecretStorage', async () => {
        storeWithKeytar('openai', 'personal', KEY_1);
        storeWithKeytar('my-llm-keys', 'mistral-work', MISTRAL);
        const prompter = await run(Commands.importFromKeychain, [{ pick: 'openai' }, { pickMany: (items) => items }]);
        assert.deepEqual(prompter.asked[0]?.labels, ['openai', 'Other service name…']);
        const [record] = api.store.keysOf('openai');
        assert.equal(record?.name, 'personal');
        assert.equal(await api.store.secret(record.id), KEY_1);

        // A service name of one's own, and a key whose provider neither name nor prefix tells.
        await run(Commands.importFromKeychain, [
          { pick: 'Other service name…' },
          { input: 'my-llm-keys' },
          { pick: 'Mistral AI' },
          { pickMany: (items) => items },
        ]);
        const [mistral] = api.store.keysOf('mistral');
        assert.equal(mistral?.name, 'mistral-work');
        assert.equal(await api.store.secret(mistral.id), MISTRAL);
        assertGlobalStateClean();
        assertMessagesClean(prompter);
      });
    } else {
      it('(run without a keychain) says in one clear message that it is unavailable', async () => {
        assert.equal(keyring, 'none', 'the runner sets PROVIDER_KEYS_TEST_KEYRING');
        const prompter = await run(Commands.importFromKeychain, []);
        assert.match(prompter.messages.at(-1)?.message ?? '', /^No OS keychain answered: there is no D-Bus session/);
      });
    }

    it('with no D-Bus: one clear message, nothing stored, everything else works', async () => {
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.DBUS_SESSION_BUS_ADDRESS;
      delete env.DISPLAY;
      api.useKeys.knobs.keychainEnv = env;
      const prompter = await run(Commands.importFromKeychain, []);
      assert.deepEqual(
        prompter.messages.map((m) => m.severity),
        ['warning'],
      );
      assert.match(
        prompter.messages[0]?.message ?? '',
        /^No OS keychain answered: there is no D-Bus session or no secret service .* and try again\.$/,
      );
      assert.equal(api.store.list().length, 0);
      await addKey('Personal', KEY_1);
    });

    it("without keytar's native module (the universal VSIX): points at the platform VSIX and offers the environment import", async () => {
      api.useKeys.knobs.keychainModulePaths = [path.join(os.tmpdir(), 'no-such-keytar.node')];
      const prompter = await run(Commands.importFromKeychain, []);
      assert.match(prompter.messages[0]?.message ?? '', /only the platform VSIX carries/);
      assert.deepEqual(prompter.messages[0]?.buttons, ['Import from Environment']);
    });
  });
});
