// Using the keys in a real VS Code, through the real commands and the prompt seam: Get a Key, Copy
// Key, Verify Key against the fake provider, and Use in Terminals seen by a real integrated terminal.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, StateKeys } from '../../src/constants';
import { PROVIDER_APIS } from '../../src/core/providers/apis';
import { ANTHROPIC, KEY_1, KEY_2, addKey, api, assertGlobalStateClean, assertMessagesClean, fake, keyRow, run, sha256, sleep, tooltipText, until, useKeysHooks } from './useKeysSupport';

describe('using the keys', function () {
  this.timeout(60_000);
  useKeysHooks();

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
    it('asks the first time only, copies, and clears the clipboard when the time is up (where it can be read back)', async () => {
      const id = await addKey('Personal', KEY_1);
      api.useKeys.knobs.clipboardClearMs = 1_500;
      // As in desktop VS Code; the tests run in code-server, whose test mode reads the clipboard without the browser.
      api.useKeys.knobs.clipboardReadable = true;
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
      delete api.useKeys.knobs.clipboardReadable;
    });

    it('in a browser, never reads the clipboard (VS Code would show its own error) and says first that it empties it', async () => {
      assert.equal(vscode.env.uiKind, vscode.UIKind.Web, 'the host tests run in code-server');
      const id = await addKey('Personal', KEY_1);
      let held = 'before';
      let reads = 0;
      const writes: string[] = [];
      api.useKeys.knobs.clipboard = {
        readText: () => {
          reads++;
          return Promise.resolve('');
        },
        writeText: (text: string) => {
          held = text;
          writes.push(text === KEY_1 ? 'the key' : JSON.stringify(text));
          return Promise.resolve();
        },
      };
      api.useKeys.knobs.clipboardClearMs = 300;
      try {
        const copied = await run(Commands.copyKey, [{ confirm: true }], id);
        assert.match(copied.messages.at(-1)?.message ?? '', /^Copied "Personal" \(sk-…0001\)\. In 0 seconds the clipboard is emptied, whatever it holds then \(in a browser VS Code cannot check it\)\.$/);
        await until('the clipboard to be emptied', () => held === '');
        assert.deepEqual(writes, ['the key', '""']);
        assert.equal(reads, 0, 'the clipboard was read');
      } finally {
        delete api.useKeys.knobs.clipboard;
      }
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
      assert.equal((await keyRow(id)).description, 'in Pieces OS · …0001 · rejected by OpenAI');
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
      const description = collection.description;
      assert.match(typeof description === 'string' ? description : (description?.value ?? ''), /OPENAI_API_KEY \("Personal"\)/);
      assert.match(prompter.messages.at(-1)?.message ?? '', /^New terminals get OPENAI_API_KEY from "Personal"/);
      assert.equal((await keyRow(id)).description, 'in Pieces OS · …0001 · in terminals');
      assert.equal(await terminalSees('OPENAI_API_KEY'), sha256(KEY_1), 'a new terminal does not see the key');

      await api.store.rotate(id, KEY_2);
      await until('the rotated key in the collection', () => collection.get('OPENAI_API_KEY')?.value === KEY_2);
      assert.equal(await terminalSees('OPENAI_API_KEY'), sha256(KEY_2));

      await run(Commands.stopUsingInTerminals, [], id);
      assert.equal(collection.get('OPENAI_API_KEY'), undefined);
      assert.equal(await terminalSees('OPENAI_API_KEY'), sha256(''));
      assert.equal((await keyRow(id)).description, 'in Pieces OS · …0002');
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
      assert.equal((await keyRow(first)).description, 'in Pieces OS · …0001', 'no longer in terminals');

      await run(Commands.deleteKey, [{ confirm: true }], second);
      await until('the variable to be removed', () => api.useKeys.collection.get('OPENAI_API_KEY') === undefined);
      assert.equal(api.globalState.get(StateKeys.terminals), undefined);
    });
  });
});
