// Importing keys in a real VS Code, through the real commands and the prompt seam: from the
// environment and the workspace's .env files, and from the OS keychain (a private GNOME Keyring the
// runner started, or none: then the "unavailable" message).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../src/constants';
import { ANTHROPIC, GROQ, KEY_1, MISTRAL, ROOT, addKey, api, assertGlobalStateClean, assertMessagesClean, run, standIn, until, useKeysHooks } from './useKeysSupport';

describe('importing keys', function () {
  this.timeout(60_000);
  useKeysHooks();

  describe('Import from Environment', () => {
    let envFile: string;

    before(() => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder, 'the host tests run with a workspace folder');
      envFile = path.join(folder.uri.fsPath, '.env');
    });
    afterEach(() => fs.rmSync(envFile, { force: true }));

    const ENV_TEXT = `# keys for the app\r\nexport OPENAI_API_KEY="${KEY_1}"\r\nANTHROPIC_API_KEY='${ANTHROPIC}' # work\r\nMISTRAL_API_KEY=short\r\n`;

    it('offers what it found, masked and with where it came from, and stores only what is picked', async () => {
      fs.writeFileSync(envFile, ENV_TEXT);
      api.useKeys.knobs.environment = { GROQ_API_KEY: GROQ, OPENAI_API_KEY: KEY_1, PATH: '/usr/bin' };
      const prompter = await run(Commands.importFromEnvironment, [{ pickMany: (items) => items.filter((i) => !i.label.startsWith('Mistral')) }]);
      const offered = prompter.asked[0]?.items ?? [];
      assert.deepEqual(offered.map((i) => `${i.label} | ${i.description}`), [
        'OpenAI  sk-…0001 | OPENAI_API_KEY (environment), OPENAI_API_KEY in .env',
        'Groq  gsk_…0004 | GROQ_API_KEY (environment)',
        'Anthropic  sk-ant-…0003 | ANTHROPIC_API_KEY in .env',
        'Mistral AI  … | MISTRAL_API_KEY in .env',
      ]);
      assert.match(offered[3]?.detail ?? '', /Cannot be imported: That is too short/);
      assert.deepEqual(api.store.list().map((k) => `${k.provider}:${k.name}`), ['openai:From environment', 'anthropic:From .env', 'groq:From environment']);
      const openai = api.store.keysOf('openai')[0];
      assert.ok(openai);
      assert.equal(await api.store.secret(openai.id), KEY_1);
      // Synced like any new key: the first OpenAI key is the one Pieces OS uses.
      await until('Pieces OS to hold the imported key', () => standIn.openAI?.api_key === KEY_1);
      const summary = prompter.messages.at(-1);
      assert.match(summary?.message ?? '', /^Imported 3 keys into VS Code's secret storage/);
      assert.match(summary?.message ?? '', /A plain-text copy stays in \.env; remove it there/);
      assert.deepEqual(summary?.buttons, ['Open .env']);
      assert.equal(fs.readFileSync(envFile, 'utf8'), ENV_TEXT, 'the .env file was changed');
      assertGlobalStateClean();
      assertMessagesClean(prompter);
    });

    it('marks keys already stored, and refuses an invalid one with the reason', async () => {
      await addKey('Personal', KEY_1);
      fs.writeFileSync(envFile, ENV_TEXT);
      api.useKeys.knobs.environment = {};
      const prompter = await run(Commands.importFromEnvironment, [{ pickMany: (items) => items }]);
      const offered = prompter.asked[0]?.items ?? [];
      assert.match(offered[0]?.detail ?? '', /Already stored as "Personal"/);
      const summary = prompter.messages.at(-1);
      assert.equal(summary?.severity, 'warning');
      assert.match(summary?.message ?? '', /Already stored: "Personal"\./);
      assert.match(summary?.message ?? '', /Not imported: MISTRAL_API_KEY in \.env: That is too short for an API key/);
      assert.deepEqual(api.store.list().map((k) => k.name), ['Personal', 'From .env']);
    });

    it('does not read .env files in an untrusted workspace, and says so', async () => {
      fs.writeFileSync(envFile, ENV_TEXT);
      api.useKeys.knobs.trusted = false;
      api.useKeys.knobs.environment = {};
      const prompter = await run(Commands.importFromEnvironment, []);
      assert.match(prompter.messages.at(-1)?.message ?? '', /No provider keys found in VS Code's environment .*\.env files were not read because this workspace is not trusted\./);
      api.useKeys.knobs.environment = { GROQ_API_KEY: GROQ };
      const picking = await run(Commands.importFromEnvironment, ['escape']);
      assert.deepEqual(picking.asked[0]?.items?.map((i) => i.description), ['GROQ_API_KEY (environment)']);
      assert.match(picking.asked[0]?.placeholder ?? '', /\.env files not read: this workspace is not trusted/);
      assert.equal(api.store.list().length, 0);
      // The same workspace, trusted: the .env file is read.
      api.useKeys.knobs.trusted = true;
      const trusted = await run(Commands.importFromEnvironment, ['escape']);
      assert.deepEqual(trusted.asked[0]?.items?.map((i) => i.description), ['GROQ_API_KEY (environment)', 'OPENAI_API_KEY in .env', 'ANTHROPIC_API_KEY in .env', 'MISTRAL_API_KEY in .env']);
    });
  });

  describe('Import from OS Keychain', () => {
    const keyring = process.env.PROVIDER_KEYS_TEST_KEYRING;

    function storeWithKeytar(service: string, account: string, password: string): void {
      const script = `require(${JSON.stringify(path.join(ROOT, 'node_modules', 'keytar'))}).setPassword(process.argv[1], process.argv[2], process.env.SECRET).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); })`;
      const result = spawnSync(process.execPath, ['-e', script, service, account], { env: { ...process.env, SECRET: password, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8', timeout: 20_000 });
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
        await run(Commands.importFromKeychain, [{ pick: 'Other service name…' }, { input: 'my-llm-keys' }, { pick: 'Mistral AI' }, { pickMany: (items) => items }]);
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
      assert.deepEqual(prompter.messages.map((m) => m.severity), ['warning']);
      assert.match(prompter.messages[0]?.message ?? '', /^No OS keychain answered: there is no D-Bus session or no secret service .* and try again\.$/);
      assert.equal(api.store.list().length, 0);
      await addKey('Personal', KEY_1);
    });

    it('without keytar\'s native module (the universal VSIX): points at the platform VSIX and offers the environment import', async () => {
      api.useKeys.knobs.keychainModulePaths = [path.join(os.tmpdir(), 'no-such-keytar.node')];
      const prompter = await run(Commands.importFromKeychain, []);
      assert.match(prompter.messages[0]?.message ?? '', /only the platform VSIX carries/);
      assert.deepEqual(prompter.messages[0]?.buttons, ['Import from Environment']);
    });
  });
});
