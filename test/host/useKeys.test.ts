// Using the keys in a real VS Code: Get a Key, Copy Key, Verify Key against a fake provider on the
// port the runner reserved (providerKeys.verify.baseUrls points there), Use in Terminals seen by a
// real integrated terminal, and both imports, through the real commands and the prompt seam.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, StorageKeys } from '../../src/constants';
import type { TestingApi } from '../../src/extension';
import { PROVIDER_APIS } from '../../src/core/providerApis';
import type { StandIn } from '../../stand-in/server';
import type { TreeNode } from '../../src/views/keysTree';
import { type FakeProvider, startFakeProvider } from '../support/fakeProvider';
import type { Answer, ScriptedPrompter } from './scriptedPrompter';
import { addOpenAI, runScripted, useStandIn } from './support';

const ROOT = path.resolve(__dirname, '../../..');
const KEY_1 = 'sk-test-FAKE-use-00000000000000000001';
const KEY_2 = 'sk-test-FAKE-use-00000000000000000002';
const ANTHROPIC = 'sk-ant-test-FAKE-use-000000000000003';
const GROQ = 'gsk_FAKE_use_groq_0000000000000004';
const MISTRAL = 'FAKEmistraluse000000000000000005';
const ALL_KEYS = [KEY_1, KEY_2, ANTHROPIC, GROQ, MISTRAL];

let api: TestingApi;
let standIn: StandIn;
let fake: FakeProvider;

const run = (command: string, script: Answer[], ...args: unknown[]): Promise<ScriptedPrompter> => runScripted(api, command, script, ...args);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Adds an OpenAI key; a second one is kept out of Pieces OS (the flow asks, the answer is "keep"). */
async function addKey(name: string, key: string): Promise<string> {
  const more: Answer[] = api.store.keysOf('openai').length > 0 ? [{ confirm: false }] : [];
  await run(Commands.addKey, [...addOpenAI(name, key), ...more]);
  const record = api.store.keysOf('openai').find((k) => k.name === name);
  assert.ok(record);
  return record.id;
}

async function keyRow(id: string): Promise<vscode.TreeItem> {
  for (const providerNode of api.tree.getChildren()) {
    for (const node of api.tree.getChildren(providerNode) as TreeNode[]) {
      if (node.kind === 'key' && node.record.id === id) return api.tree.getTreeItem(node);
    }
  }
  throw new Error(`no row for ${id}`);
}

function tooltipText(item: vscode.TreeItem): string {
  return item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip);
}

/** No key byte (nor its last 8 characters) in globalState. */
function assertGlobalStateClean(): void {
  for (const name of api.globalState.keys()) {
    const text = JSON.stringify(api.globalState.get(name));
    for (const key of ALL_KEYS) assert.ok(!text.includes(key.slice(-8)), `globalState[${name}] holds key bytes`);
  }
}

function assertMessagesClean(prompter: ScriptedPrompter): void {
  for (const m of prompter.messages) for (const key of ALL_KEYS) assert.ok(!m.message.includes(key.slice(-8)), `a message holds key bytes: ${m.message}`);
}

describe('using the keys', function () {
  this.timeout(60_000);

  useStandIn((a, s) => {
    api = a;
    standIn = s;
  });

  before(async () => {
    fake = await startFakeProvider({ port: Number(process.env.PROVIDER_KEYS_TEST_PROVIDER_PORT) });
  });
  after(async () => {
    await fake?.stop();
    await api.globalState.update(StorageKeys.terminals, undefined);
  });
  beforeEach(async () => {
    fake.requests.length = 0;
    fake.mode = 'ok';
    for (const knob of Object.keys(api.useKeys.knobs)) delete (api.useKeys.knobs as Record<string, unknown>)[knob];
    await api.globalState.update(StorageKeys.terminals, undefined);
    await api.globalState.update(StorageKeys.copyConfirmed, undefined);
    await api.useKeys.refreshTerminals();
  });

  describe('Get a Key', () => {
    it('opens the provider\'s key page from its row, and the add flow offers it beside the key box', async () => {
      const opened: string[] = [];
      api.useKeys.knobs.openExternal = async (url) => (opened.push(url), true);
      await run(Commands.getKey, [], { kind: 'provider', provider: { id: 'anthropic' } });
      await run(Commands.getKey, [{ pick: 'Groq' }]);
      assert.deepEqual(opened, [PROVIDER_APIS.anthropic.keyPage, PROVIDER_APIS.groq.keyPage]);
      const prompter = await run(Commands.addKey, [{ pick: 'OpenAI' }, { input: 'Personal' }, 'escape']);
      assert.deepEqual(prompter.asked[2]?.buttons, ['Get a key from OpenAI…']);
    });
  });

  describe('Copy Key', () => {
    it('asks the first time only, copies, and clears the clipboard when the time is up', async () => {
      const id = await addKey('Personal', KEY_1);
      api.useKeys.knobs.clipboardClearMs = 1_500;
      const first = await run(Commands.copyKey, [{ confirm: true }], id);
      assert.equal(first.asked[0]?.kind, 'confirm');
      assert.equal(await vscode.env.clipboard.readText(), KEY_1);
      assert.match(first.messages.at(-1)?.message ?? '', /^Copied "Personal" \(sk-…0001\)\. The clipboard will be cleared in 2 seconds if it still holds the key\.$/);
      await until('the clipboard to be cleared', async () => (await vscode.env.clipboard.readText()) === '');

      const second = await run(Commands.copyKey, [], id);
      assert.equal(second.asked.length, 0, 'asked again');
      assert.equal(await vscode.env.clipboard.readText(), KEY_1);
      // Something else copied since: left alone.
      await vscode.env.clipboard.writeText('something the user copied');
      await sleep(2_000);
      assert.equal(await vscode.env.clipboard.readText(), 'something the user copied');
      assertMessagesClean(first);
      assertGlobalStateClean();
    });

    it('copies nothing when the question is declined', async () => {
      const id = await addKey('Personal', KEY_1);
      await vscode.env.clipboard.writeText('before');
      await run(Commands.copyKey, [{ confirm: false }], id);
      assert.equal(await vscode.env.clipboard.readText(), 'before');
    });
  });

  describe('Verify Key (fake provider on the reserved port)', () => {
    it('200: records "verified", shows it in the tooltip, sends the key only in its header', async () => {
      const id = await addKey('Personal', KEY_1);
      fake.expectedKey = KEY_1;
      const prompter = await run(Commands.verifyKey, [], id);
      assert.deepEqual(fake.requests.map((r) => `${r.method} ${r.path} ${r.keyHeader} ${r.keyMatches} ${r.keyInUrl}`), ['GET /openai/models authorization true false']);
      assert.equal(api.store.get(id)?.verified?.result, 'ok');
      assert.equal(prompter.messages.at(-1)?.message, 'OpenAI accepted "Personal".');
      assert.match(tooltipText(await keyRow(id)), /Verified: OpenAI accepted it/);
      assertGlobalStateClean();
    });

    it('401: marks the key rejected, in the tree too, and offers Update Key', async () => {
      const id = await addKey('Personal', KEY_1);
      fake.expectedKey = 'sk-another-key-000000000000000000';
      const prompter = await run(Commands.verifyKey, [], id);
      assert.deepEqual(api.store.get(id)?.verified && { result: api.store.get(id)?.verified?.result, status: api.store.get(id)?.verified?.status }, { result: 'rejected', status: 401 });
      const last = prompter.messages.at(-1);
      assert.equal(last?.severity, 'error');
      assert.deepEqual(last?.buttons, ['Update Key', 'Get a Key…']);
      assert.equal((await keyRow(id)).description, 'sk-…0001 · rejected by OpenAI');
      assertMessagesClean(prompter);
    });

    it('an Anthropic key is checked with x-api-key and anthropic-version', async () => {
      await run(Commands.addKey, [{ pick: 'Anthropic' }, { input: 'Work' }, { input: ANTHROPIC }]);
      const record = api.store.keysOf('anthropic')[0];
      assert.ok(record);
      fake.expectedKey = ANTHROPIC;
      await run(Commands.verifyKey, [], record.id);
      assert.equal(fake.requests[0]?.keyHeader, 'x-api-key');
      assert.equal(fake.requests[0]?.anthropicVersion, '2023-06-01');
      assert.equal(api.store.get(record.id)?.verified?.result, 'ok');
    });

    it('no answer: says so and changes nothing', async () => {
      const id = await addKey('Personal', KEY_1);
      fake.mode = 'hang';
      api.useKeys.knobs.verifyTimeoutMs = 500;
      const prompter = await run(Commands.verifyKey, [], id);
      assert.equal(api.store.get(id)?.verified, undefined);
      assert.match(prompter.messages.at(-1)?.message ?? '', /did not answer within 1 seconds\. Nothing was changed\./);
      assert.deepEqual(prompter.messages.at(-1)?.buttons, ['Retry']);
    });
  });

  describe('Use in Terminals', () => {
    /** Runs a real integrated terminal that writes the hash of $OPENAI_API_KEY to a file; returns the hash. */
    async function terminalSees(variable: string): Promise<string> {
      const out = path.join(os.tmpdir(), `provider-keys-terminal-${process.pid}-${Date.now()}`);
      const terminal = vscode.window.createTerminal({
        name: 'provider-keys test',
        shellPath: '/bin/sh',
        // Only a hash leaves the terminal: the test never writes the key itself anywhere.
        shellArgs: ['-c', `printf %s "$${variable}" | sha256sum | cut -c1-64 > "${out}.tmp" && mv "${out}.tmp" "${out}"`],
      });
      try {
        const text = await until('the terminal to write its answer', () => (fs.existsSync(out) ? fs.readFileSync(out, 'utf8').trim() : undefined), 20_000);
        return text;
      } finally {
        terminal.dispose();
        fs.rmSync(out, { force: true });
      }
    }

    it('gives new terminals the key (not persisted), follows a rotation, and removes it when turned off', async () => {
      const id = await addKey('Personal', KEY_1);
      const prompter = await run(Commands.useInTerminals, [], id);
      const collection = api.useKeys.collection;
      assert.equal(collection.persistent, false);
      assert.equal(collection.get('OPENAI_API_KEY')?.value, KEY_1);
      assert.match(String(collection.description), /OPENAI_API_KEY \("Personal"\)/);
      assert.match(prompter.messages.at(-1)?.message ?? '', /^New terminals get OPENAI_API_KEY from "Personal"/);
      assert.equal((await keyRow(id)).description, 'sk-…0001 · in terminals');
      assert.equal(await terminalSees('OPENAI_API_KEY'), sha256(KEY_1), 'a new terminal does not see the key');

      await api.store.update(id, { secret: KEY_2 });
      await until('the rotated key in the collection', () => collection.get('OPENAI_API_KEY')?.value === KEY_2);
      assert.equal(await terminalSees('OPENAI_API_KEY'), sha256(KEY_2));

      await run(Commands.stopUsingInTerminals, [], id);
      assert.equal(collection.get('OPENAI_API_KEY'), undefined);
      assert.equal(await terminalSees('OPENAI_API_KEY'), sha256(''));
      assert.equal((await keyRow(id)).description, 'sk-…0002');
      assertGlobalStateClean();
      assertMessagesClean(prompter);
    });

    it('one key per variable: opting in a second key replaces the first; deleting it removes the variable', async () => {
      const first = await addKey('Personal', KEY_1);
      const second = await addKey('Work', KEY_2);
      await run(Commands.useInTerminals, [], first);
      const prompter = await run(Commands.useInTerminals, [], second);
      assert.match(prompter.messages.at(-1)?.message ?? '', /It replaces "Personal": one key per variable\.$/);
      assert.equal(api.useKeys.collection.get('OPENAI_API_KEY')?.value, KEY_2);
      assert.equal((await keyRow(first)).description, 'sk-…0001');

      await run(Commands.deleteKey, [{ confirm: true }], second);
      await until('the variable to be removed', () => api.useKeys.collection.get('OPENAI_API_KEY') === undefined);
      assert.equal(api.globalState.get(StorageKeys.terminals), undefined);
    });
  });

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
      assert.deepEqual(api.store.list().map((k) => `${k.provider}:${k.name}`), ['openai:Environment', 'anthropic:.env', 'groq:Environment']);
      const openai = api.store.keysOf('openai')[0];
      assert.ok(openai);
      assert.equal(await api.secrets.get(`providerKeys.secret.${openai.id}`), KEY_1);
      // Synced like any new key: the first OpenAI key is the one Pieces OS uses.
      await until('Pieces OS to hold the imported key', () => standIn.openAI?.api_key === KEY_1);
      const summary = prompter.messages.at(-1);
      assert.match(summary?.message ?? '', /^Imported 3 into VS Code's secret storage/);
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
      assert.deepEqual(api.store.list().map((k) => k.name), ['Personal', '.env']);
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
        assert.equal(await api.secrets.get(`providerKeys.secret.${record?.id}`), KEY_1);

        // A service name of one's own, and a key whose provider neither name nor prefix tells.
        await run(Commands.importFromKeychain, [{ pick: 'Other service name…' }, { input: 'my-llm-keys' }, { pick: 'Mistral AI' }, { pickMany: (items) => items }]);
        const [mistral] = api.store.keysOf('mistral');
        assert.equal(mistral?.name, 'mistral-work');
        assert.equal(await api.secrets.get(`providerKeys.secret.${mistral?.id}`), MISTRAL);
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
