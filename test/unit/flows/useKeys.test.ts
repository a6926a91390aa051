// Using the keys under plain mocha (these were host tests; their assertions are kept): Get a Key, Copy
// Key and Verify Key against the fake provider, through the flows and a fake workbench. What needs VS Code
// itself (a real terminal, the tree's rows, the clipboard of a browser) stays in test/host/useKeys.test.ts.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { Settings } from '../../../src/constants';
import { PROVIDER_APIS } from '../../../src/core/providers/apis';
import { ANTHROPIC, KEY_1, assertMessagesClean, sleep, until } from '../../support/useKeysFixtures';
import { assertGlobalStateClean, useWorld } from './useKeysWorld';

describe('using the keys (flows, fake workbench)', function () {
  this.timeout(60_000);
  const world = useWorld();

  describe('Get a Key', () => {
    it("opens the provider's key page from its row, and the add and rotate flows offer it beside the key box", async () => {
      const { run, flows, actions, workbench, addKey } = world();
      await run([], () => flows.getKey({ kind: 'provider', provider: { id: 'anthropic' } }));
      await run([{ pick: 'Groq' }], () => flows.getKey(undefined));
      assert.deepEqual(workbench.opened, [PROVIDER_APIS.anthropic.keyPage, PROVIDER_APIS.groq.keyPage]);
      const prompter = await run([{ pick: 'OpenAI' }, { input: 'Personal' }, 'escape'], () => actions.addKey());
      assert.deepEqual(prompter.asked[2]?.buttons, ['Get a key from OpenAI…']);
      // The rotate box has it too.
      const id = await addKey('Personal', KEY_1);
      const rotate = await run(['escape'], () => actions.updateKey(id));
      assert.deepEqual(rotate.asked[0]?.buttons, ['Get a key from OpenAI…']);
    });
  });

  it('Copy, Verify and Use in Terminals with no key yet answer with a button that adds one', async () => {
    const { flows, workbench } = world();
    for (const flow of [() => flows.copyKey(undefined), () => flows.verifyKey(undefined), () => flows.terminals.use(undefined)]) {
      workbench.commands.length = 0;
      const prompter = workbench.script([]);
      prompter.buttonFor = (_message, buttons) => buttons[0];
      await flow();
      await sleep(0);
      assert.deepEqual(prompter.asked, [], 'no empty picker');
      assert.deepEqual(prompter.messages.at(-1)?.buttons, ['Add Key…']);
      assert.deepEqual(
        workbench.commands.map((c) => c.command),
        ['providerKeys.addKey'],
      );
    }
  });

  describe('Copy Key', () => {
    it('asks the first time only, copies, and clears the clipboard when the time is up (where it can be read back)', async () => {
      const { run, flows, addKey, workbench, knobs } = world();
      const id = await addKey('Personal', KEY_1);
      knobs.clipboardClearMs = 1_500;
      // As in desktop VS Code (the host's own, in a browser, is checked in test/host/useKeys.test.ts).
      workbench.readable = true;
      const first = await run([{ confirm: true }], () => flows.copyKey(id));
      assert.equal(first.asked[0]?.kind, 'confirm');
      assert.equal(await workbench.clipboard.readText(), KEY_1);
      assert.match(
        first.messages.at(-1)?.message ?? '',
        /^Copied "Personal" \(sk-…0001\)\. The clipboard will be cleared in 2 seconds if it still holds the key\.$/,
      );
      await until('the clipboard to be cleared', async () => (await workbench.clipboard.readText()) === '');

      const second = await run([], () => flows.copyKey(id));
      assert.equal(second.asked.length, 0, 'asked again');
      assert.equal(await workbench.clipboard.readText(), KEY_1);
      // Something else copied since: left alone.
      await workbench.clipboard.writeText('something the user copied');
      await sleep(2_000);
      assert.equal(await workbench.clipboard.readText(), 'something the user copied');
      assertMessagesClean(first);
      assertGlobalStateClean(workbench);
    });

    it('in a browser, never reads the clipboard (VS Code would show its own error) and says first that it empties it', async () => {
      const { run, flows, addKey, workbench, knobs } = world();
      // A browser: the clipboard is not read back (test/host/useKeys.test.ts checks that code-server's workbench says so).
      workbench.readable = false;
      const id = await addKey('Personal', KEY_1);
      const clipboard = workbench.clipboard;
      clipboard.held = 'before';
      knobs.clipboardClearMs = 300;
      const copied = await run([{ confirm: true }], () => flows.copyKey(id));
      assert.match(
        copied.messages.at(-1)?.message ?? '',
        /^Copied "Personal" \(sk-…0001\)\. In 0 seconds the clipboard is emptied, whatever it holds then \(in a browser VS Code cannot check it\)\.$/,
      );
      await until('the clipboard to be emptied', () => clipboard.held === '');
      assert.deepEqual(
        clipboard.writes.map((text) => (text === KEY_1 ? 'the key' : JSON.stringify(text))),
        ['the key', '""'],
      );
      assert.equal(clipboard.reads, 0, 'the clipboard was read');
    });

    it('copies nothing when the question is declined', async () => {
      const { run, flows, addKey, workbench } = world();
      const id = await addKey('Personal', KEY_1);
      await workbench.clipboard.writeText('before');
      await run([{ confirm: false }], () => flows.copyKey(id));
      assert.equal(await workbench.clipboard.readText(), 'before');
    });
  });

  describe('Verify Key (fake provider)', () => {
    it('200: records "verified", sends the key only in its header', async () => {
      const { run, flows, addKey, fake, temp, workbench } = world();
      const id = await addKey('Personal', KEY_1);
      fake.expectedKey = KEY_1;
      const prompter = await run([], () => flows.verifyKey(id));
      assert.deepEqual(
        fake.requests.map((r) => `${r.method} ${r.path} ${r.keyHeader} ${r.keyMatches} ${r.keyInUrl}`),
        ['GET /openai/models authorization true false'],
      );
      assert.equal(temp.store.get(id)?.verified?.result, 'ok');
      assert.equal(prompter.messages.at(-1)?.message, 'OpenAI accepted "Personal".');
      assertGlobalStateClean(workbench);
    });

    it('401: marks the key rejected, and offers Update Key', async () => {
      const { run, flows, addKey, fake, temp } = world();
      const id = await addKey('Personal', KEY_1);
      fake.expectedKey = 'sk-another-key-000000000000000000';
      const prompter = await run([], () => flows.verifyKey(id));
      assert.deepEqual(
        temp.store.get(id)?.verified && { result: temp.store.get(id)?.verified?.result, status: temp.store.get(id)?.verified?.status },
        { result: 'rejected', status: 401 },
      );
      const last = prompter.messages.at(-1);
      assert.equal(last?.severity, 'error');
      assert.deepEqual(last?.buttons, ['Update Key', 'Get a Key…']);
      assertMessagesClean(prompter);
    });

    it('an Anthropic key is checked with x-api-key and anthropic-version', async () => {
      const { run, flows, actions, fake, temp } = world();
      await run([{ pick: 'Anthropic' }, { input: 'Work' }, { input: ANTHROPIC }], () => actions.addKey());
      const record = temp.store.keysOf('anthropic')[0];
      assert.ok(record);
      fake.expectedKey = ANTHROPIC;
      await run([], () => flows.verifyKey(record.id));
      assert.equal(fake.requests[0]?.keyHeader, 'x-api-key');
      assert.equal(fake.requests[0]?.anthropicVersion, '2023-06-01');
      assert.equal(temp.store.get(record.id)?.verified?.result, 'ok');
    });

    it('unreachable: says why in words, and offers Retry and the setting for a company proxy', async () => {
      const { flows, addKey, workbench, temp } = world();
      const id = await addKey('Personal', KEY_1);
      // A closed port on this computer: the connection is refused at once.
      const closed = await new Promise<number>((resolve) => {
        const server = net.createServer().listen(0, '127.0.0.1', () => {
          const { port } = server.address() as net.AddressInfo;
          server.close(() => resolve(port));
        });
      });
      workbench.settings.set(Settings.verifyBaseUrls, { openai: `http://127.0.0.1:${closed}/v1` });
      const prompter = workbench.script([]);
      prompter.buttonFor = (_message, buttons) => buttons[1];
      await flows.verifyKey(id);
      assert.equal(temp.store.get(id)?.verified, undefined);
      const last = prompter.messages.at(-1);
      assert.match(
        last?.message ?? '',
        /^Could not reach OpenAI: 127\.0\.0\.1:\d+ refused the connection \(ECONNREFUSED\)\. Nothing was changed\./,
      );
      assert.match(last?.message ?? '', /"providerKeys\.verify\.baseUrls"/);
      assert.deepEqual(last?.buttons, ['Retry', 'Open Settings']);
      assert.deepEqual(workbench.commands.at(-1), { command: 'workbench.action.openSettings', args: ['providerKeys.verify.baseUrls'] });
    });

    it('no answer: says so and changes nothing', async () => {
      const { run, flows, addKey, fake, temp, knobs } = world();
      const id = await addKey('Personal', KEY_1);
      fake.mode = 'hang';
      knobs.verifyTimeoutMs = 500;
      const prompter = await run([], () => flows.verifyKey(id));
      assert.equal(temp.store.get(id)?.verified, undefined);
      assert.match(prompter.messages.at(-1)?.message ?? '', /did not answer within 1 seconds\. Nothing was changed\./);
      assert.deepEqual(prompter.messages.at(-1)?.buttons, ['Retry']);
    });
  });
});
