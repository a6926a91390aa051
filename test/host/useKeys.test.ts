// Using the keys in a real VS Code, through the real commands and the prompt seam: the window's workbench,
// Verify Key's marks in the tree, and Use in Terminals seen by a real integrated terminal.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, StateKeys } from '../../src/constants';
import { VsCodeWorkbench } from '../../src/vscode/workbench';
import { KEY_1, KEY_2, assertMessagesClean, sha256, until } from '../support/useKeysFixtures';
import { addKey, api, assertGlobalStateClean, fake, keyRow, run, tooltipText, useKeysHooks } from './useKeysSupport';

describe('using the keys', function () {
  this.timeout(60_000);
  useKeysHooks();

  // The flows' own logic (Get a Key, Copy Key, Verify Key) is tested under plain mocha with a fake workbench
  // (test/unit/flows/useKeys.test.ts); here, what needs VS Code itself.
  describe("the window's workbench", () => {
    it('in code-server (a browser) does not read the clipboard back: Copy Key empties it without reading', () => {
      assert.equal(vscode.env.uiKind, vscode.UIKind.Web, 'the host tests run in code-server');
      const workbench = new VsCodeWorkbench({
        context: { globalState: api.globalState, environmentVariableCollection: api.useKeys.collection },
      });
      assert.equal(workbench.clipboardReadable(), false);
    });
  });

  describe('Verify Key in a real window (fake provider on the reserved port)', () => {
    it('shows what the provider answered on the key: accepted in the tooltip, rejected in the row', async () => {
      const id = await addKey('Personal', KEY_1);
      fake.expectedKey = KEY_1;
      await run(Commands.verifyKey, [], id);
      assert.equal(api.store.get(id)?.verified?.result, 'ok');
      assert.match(tooltipText(await keyRow(id)), /Verified: OpenAI accepted it/);
      fake.expectedKey = 'sk-another-key-000000000000000000';
      await run(Commands.verifyKey, [], id);
      assert.equal((await keyRow(id)).description, '…0001 · rejected by OpenAI');
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
        const text = await until(
          'the terminal to write its answer',
          () => (fs.existsSync(out) ? fs.readFileSync(out, 'utf8').trim() : undefined),
          20_000,
        );
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
      assert.equal((await keyRow(id)).description, '…0001 · in terminals');
      // Its menu offers Stop Using in Terminals, not Use in Terminals (package.json's when clauses read this).
      assert.equal((await keyRow(id)).contextValue, 'key.syncable.active.terminals');
      assert.equal(await terminalSees('OPENAI_API_KEY'), sha256(KEY_1), 'a new terminal does not see the key');

      await api.store.rotate(id, KEY_2);
      await until('the rotated key in the collection', () => collection.get('OPENAI_API_KEY')?.value === KEY_2);
      assert.equal(await terminalSees('OPENAI_API_KEY'), sha256(KEY_2));

      await run(Commands.stopUsingInTerminals, [], id);
      assert.equal(collection.get('OPENAI_API_KEY'), undefined);
      assert.equal(await terminalSees('OPENAI_API_KEY'), sha256(''));
      assert.equal((await keyRow(id)).description, '…0002');
      assert.equal((await keyRow(id)).contextValue, 'key.syncable.active');
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
      assert.equal((await keyRow(first)).description, '…0001', 'no longer in terminals');

      await run(Commands.deleteKey, [{ confirm: true }], second);
      await until('the variable to be removed', () => api.useKeys.collection.get('OPENAI_API_KEY') === undefined);
      assert.equal(api.globalState.get(StateKeys.terminals), undefined);
    });
  });
});
