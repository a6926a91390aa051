// The key flows under plain mocha: a real store (temporary folder), the real engine and client against
// the stand-in, and the questions answered by a script. What the user is asked, what they keep when
// they go back, the one question per decision, and what each message says.
import * as assert from 'node:assert/strict';
import { MaskCache } from '../../../src/core/keys/maskCache';
import { PiecesClient } from '../../../src/core/pieces/client';
import { piecesServicePort } from '../../../src/core/pieces/servicePort';
import { SyncEngine } from '../../../src/core/sync/engine';
import { DriftActions } from '../../../src/flows/driftActions';
import { KeyActions } from '../../../src/flows/keyActions';
import { type StandIn, startStandIn } from '../../../stand-in/server';
import { type Answer, ScriptedPrompter } from '../../support/scriptedPrompter';
import { type TempStore, openTempStore, removeRoot } from '../../support/tempStore';

const K1 = 'sk-test-FAKE-flows-0000000000000000001';
const K2 = 'sk-test-FAKE-flows-0000000000000000002';
const K3 = 'sk-test-FAKE-flows-0000000000000000003';

describe('key flows (plain mocha, real store and engine, the stand-in)', function () {
  this.timeout(20_000);
  let standIn: StandIn;
  let temp: TempStore;
  let sync: SyncEngine;
  let actions: KeyActions;
  let prompter: ScriptedPrompter;
  let commands: string[];
  let logs: string[];

  const script = (answers: Answer[]): ScriptedPrompter => (prompter = new ScriptedPrompter(answers));
  const add = (name: string, key: string, extra: Answer[] = []): Answer[] => [
    { pick: 'OpenAI' },
    { input: name },
    { input: key },
    { input: '' },
    ...extra,
  ];
  const last = (): string => prompter.messages.at(-1)?.message ?? '';

  beforeEach(async () => {
    standIn = await startStandIn({ port: 0 });
    temp = await openTempStore();
    sync = new SyncEngine({ store: temp.store, service: piecesServicePort(new PiecesClient({ baseUrl: standIn.url, timeoutMs: 1000 })) });
    commands = [];
    logs = [];
    prompter = new ScriptedPrompter([]);
    actions = new KeyActions({
      store: temp.store,
      sync,
      masks: new MaskCache(temp.store),
      prompter: () => prompter,
      autoSync: () => true,
      runCommand: async (command) => void commands.push(command),
      log: { info: (m) => logs.push(m), warn: (m) => logs.push(m) },
    });
  });
  afterEach(async () => {
    sync.dispose();
    temp.close();
    removeRoot(temp.root);
    await standIn.stop();
  });

  it('adds the first OpenAI key in four steps with placeholders, hides the key, and confirms what Pieces OS uses', async () => {
    script(add('Personal', K1));
    await actions.addKey();
    // The provider question shows no count: before the answer, how many steps follow is not known.
    assert.deepEqual(
      prompter.asked.map((a) => `${a.kind} ${a.step}`),
      ['pick undefined', 'input 2/4', 'input 3/4', 'input 4/4'],
    );
    assert.equal(prompter.asked[2]?.password, true);
    for (const asked of prompter.asked.filter((a) => a.kind === 'input')) {
      assert.ok(asked.placeholder, `"${asked.title}" step ${asked.step} has a placeholder`);
    }
    assert.equal(standIn.openAI?.api_key, K1);
    assert.equal(last(), 'Saved "Personal" (sk-…0001). Synced: Pieces OS uses it.');
    assert.deepEqual(
      logs.filter((l) => l.startsWith('Added')),
      ['Added OpenAI key "Personal"'],
      'the log says "OpenAI key", not "openai key"',
    );
    script([{ pick: 'Anthropic' }, { input: 'Claude' }, 'escape']);
    await actions.addKey();
    assert.deepEqual(
      prompter.asked.map((a) => `${a.kind} ${a.step}`),
      ['pick undefined', 'input 2/3', 'input 3/3'],
    );
  });

  it('the key box says where the key goes: secret storage, and Pieces OS for a key it uses', async () => {
    script([...add('Personal', K1), { pick: 'Anthropic' }, { input: 'Claude' }, { input: 'sk-ant-FAKE-0000000000000' }]);
    await actions.addKey();
    await actions.addKey();
    const [openai, anthropic] = prompter.asked.filter((a) => a.password).map((a) => a.prompt ?? '');
    assert.equal(
      openai,
      "Paste the OpenAI API key. It is kept in VS Code's secret storage and, once Pieces OS uses it, in Pieces OS on this computer.",
    );
    assert.equal(
      anthropic,
      "Paste the Anthropic API key. It is kept in VS Code's secret storage only: Pieces OS does not take Anthropic keys.",
    );
    script([{ input: K2 }, { input: '' }]);
    await actions.updateKey(temp.store.list().find((k) => k.name === 'Personal')!.id);
    assert.match(prompter.asked[0]?.prompt ?? '', /replaces the old one in VS Code's secret storage and in Pieces OS on this computer\.$/);
  });

  it('a key of another provider in the key box: a warning, then a question with a button to add it there', async () => {
    const claude = `sk-ant-api03-FAKE${'0'.repeat(90)}1`;
    script([{ pick: 'Anthropic' }, { input: 'Work' }, { input: `sk-ant-api03-FAKE${'0'.repeat(90)}2` }]);
    await actions.addKey();
    // Cancel on the question shows the box again with the key as pasted; the second Enter takes the offer.
    script([{ pick: 'OpenAI' }, { input: 'Work' }, { input: claude }, { confirm: false }, { input: claude }, { confirm: true }]);
    await actions.addKey();
    assert.deepEqual(prompter.warnings, [
      'This looks like a key from Anthropic (it starts with "sk-ant-"), not from OpenAI. Press Enter to add it there instead.',
      'This looks like a key from Anthropic (it starts with "sk-ant-"), not from OpenAI. Press Enter to add it there instead.',
    ]);
    const questions = prompter.asked.filter((a) => a.kind === 'confirm');
    assert.deepEqual(
      questions.map((q) => [q.title, q.labels]),
      [
        ['This looks like a key from Anthropic, not from OpenAI.', ['Add as Anthropic Key']],
        ['This looks like a key from Anthropic, not from OpenAI.', ['Add as Anthropic Key']],
      ],
    );
    const boxes = prompter.asked.filter((a) => a.password);
    assert.equal(boxes[1]?.value, claude, 'the box shows the pasted key again (hidden) after Cancel');
    const added = temp.store.keysOf('anthropic').find((k) => k.name === 'Work (2)');
    assert.ok(
      added,
      `stored under Anthropic, as "Work (2)" since "Work" is taken there: ${temp.store
        .list()
        .map((k) => `${k.provider}/${k.name}`)
        .join(', ')}`,
    );
    assert.equal(await temp.store.secret(added.id), claude);
    assert.deepEqual(temp.store.keysOf('openai'), [], 'nothing stored as an OpenAI key');
    assert.equal(standIn.requests.filter((r) => r.method === 'POST').length, 0, 'nothing sent to Pieces OS');
    assert.match(last(), /^Saved "Work \(2\)" \(sk-ant-…0001\)\. Local only: Pieces OS does not accept Anthropic keys\.$/);
    for (const text of [...prompter.warnings, ...prompter.messages.map((m) => m.message)]) {
      assert.ok(!text.includes(claude.slice(7, 20)), 'no key bytes in a message');
    }

    // Rotating cannot move a key to another provider: the same key is refused with the reason.
    script(add('Personal', K1));
    await actions.addKey();
    script([{ input: claude }, { input: K2 }, { input: '' }]);
    await actions.updateKey(temp.store.keysOf('openai')[0]!.id);
    assert.deepEqual(prompter.refusals, ['This looks like a key from Anthropic (it starts with "sk-ant-"), not from OpenAI.']);
    assert.equal(standIn.openAI?.api_key, K2);
  });

  it("refuses a key too short for any provider, and warns about one shorter than the provider's keys", async () => {
    script([{ pick: 'OpenAI' }, { input: 'Personal' }, { input: 'sk-proj-abc' }, { input: K1 }, { input: '' }]);
    await actions.addKey();
    assert.deepEqual(prompter.refusals, ['That is too short for an API key (11 characters; at least 20).']);
    assert.deepEqual(prompter.warnings, [
      'OpenAI keys have 51 to 256 characters; this one has 38. Check that you copied all of it; it can still be saved.',
    ]);
    assert.equal(standIn.openAI?.api_key, K1);
  });

  it('going Back from the organization step keeps the pasted key; going back to the provider forgets it', async () => {
    script([{ pick: 'OpenAI' }, { input: 'Personal' }, { input: K1 }, 'back', { input: K1 }, { input: '' }]);
    await actions.addKey();
    const keyAsks = prompter.asked.filter((a) => a.password);
    assert.equal(keyAsks.length, 2);
    assert.equal(keyAsks[1]?.value, K1, 'the key box shows the key pasted before (hidden)');
    script([
      { pick: 'OpenAI' },
      { input: 'Second' },
      { input: K2 },
      'back',
      'back',
      'back',
      { pick: 'Anthropic' },
      { input: 'A' },
      { input: 'sk-ant-FAKE-0000000000000' },
    ]);
    await actions.addKey();
    assert.equal(prompter.asked.filter((a) => a.password).at(-1)?.value, '', 'a key typed for another provider is not offered again');
  });

  it('adding a second key asks one question with two plain answers and confirms the outcome', async () => {
    script(add('Personal', K1));
    await actions.addKey();
    script(add('Work', K2, [{ confirm: false }]));
    await actions.addKey();
    const question = prompter.asked.at(-1);
    assert.deepEqual(question?.labels, ['Use "Work" in Pieces OS', 'Keep "Personal" in Pieces OS']);
    assert.equal(standIn.openAI?.api_key, K1);
    assert.equal(last(), 'Saved "Work" (sk-…0002). Pieces OS keeps using "Personal".');
    script([]);
    await actions.useForPieces(temp.store.list().find((k) => k.name === 'Work')!.id);
    assert.equal(last(), 'Pieces OS switched to "Work".');
    assert.equal(standIn.openAI?.api_key, K2);
    script(add('Team', K3, [{ confirm: true }]));
    await actions.addKey();
    assert.equal(standIn.openAI?.api_key, K3);
    assert.match(last(), /^Saved "Team" \(sk-…0003\)\. Pieces OS switched to "Team"\.$/);
  });

  it('closing the question keeps the new key, as the question says, without switching, and says so', async () => {
    script(add('Personal', K1));
    await actions.addKey();
    script(add('Work', K2, ['escape']));
    await actions.addKey();
    assert.deepEqual(
      temp.store
        .list()
        .map((k) => k.name)
        .sort(),
      ['Personal', 'Work'],
    );
    const work = temp.store.list().find((k) => k.name === 'Work')!;
    assert.equal(await temp.store.secret(work.id), K2, 'the pasted key is kept');
    assert.equal(
      temp.store.choice('openai')?.activeId,
      temp.store.list().find((k) => k.name === 'Personal')!.id,
      'Pieces OS still uses "Personal"',
    );
    assert.equal(standIn.openAI?.api_key, K1);
    assert.equal(
      last(),
      'Saved "Work" (sk-…0002). Pieces OS keeps using "Personal" (the question was closed without an answer); "Use for Pieces OS" switches to "Work" any time.',
    );
  });

  it('escaping a step before the question stores nothing and sends nothing', async () => {
    script([{ pick: 'OpenAI' }, { input: 'Personal' }, { input: K1 }, 'escape']);
    await actions.addKey();
    assert.deepEqual(temp.store.list(), []);
    assert.equal(standIn.requests.filter((r) => r.method === 'POST').length, 0);
  });

  it('a rejected rotation can be undone: the 401 message offers Restore Previous Key, which restores it', async () => {
    script(add('Personal', K1));
    await actions.addKey();
    const [record] = temp.store.list();
    standIn.failNext(1, 'unauthorized', { paths: ['/external_provider/api_key/update'] });
    script([{ input: K2 }, { input: '' }]);
    prompter.buttonFor = (_message, buttons) => (buttons.includes('Restore Previous Key') ? 'Restore Previous Key' : undefined);
    await actions.updateKey(record!.id);
    const rejected = prompter.messages.find((m) => m.severity === 'error');
    assert.deepEqual(rejected?.buttons, ['Restore Previous Key', 'Update Key', 'Show Log']);
    assert.equal(await temp.store.secret(record!.id), K1, 'the previous key is back');
    assert.equal(standIn.openAI?.api_key, K1);
    assert.equal(temp.store.get(record!.id)?.previousRev, undefined);
    assert.equal(sync.stateOf(temp.store.get(record!.id)!).kind, 'synced');
  });

  it('a picker with nothing to offer says why: no key at all, or none that fits the command', async () => {
    // No key at all: every key command answers with a button that adds one.
    for (const run of [
      () => actions.restorePrevious(undefined),
      () => actions.updateKey(undefined),
      () => actions.renameKey(undefined),
      () => actions.deleteKey(undefined),
    ]) {
      script([]).buttonFor = (_message, buttons) => buttons[0];
      commands = [];
      await run();
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(prompter.messages.at(-1), {
        severity: 'info',
        message: 'There is no key yet. Add one, then try again.',
        buttons: ['Add Key…'],
      });
      assert.deepEqual(commands, ['providerKeys.addKey']);
    }
    script(add('Personal', K1));
    await actions.addKey();
    script([]);
    assert.equal(await actions.restorePrevious(undefined), undefined);
    assert.match(last(), /^No key has a previous value to restore/);
    script([]);
    assert.equal(await actions.useForPieces(undefined), undefined);
    assert.match(last(), /^There is no other key Pieces OS could use/);
    assert.equal(prompter.asked.length, 0, 'no empty picker was shown');
  });

  it("the rotate flow's boxes match the add flow's: hidden key with a placeholder, then the organization", async () => {
    script(add('Personal', K1));
    await actions.addKey();
    const addBoxes = prompter.asked.slice(2).map((a) => ({ password: a.password, placeholder: a.placeholder }));
    script([{ input: K2 }, { input: 'org-FAKEflows1' }]);
    await actions.updateKey(temp.store.list()[0]!.id);
    assert.deepEqual(
      prompter.asked.map((a) => ({ password: a.password, placeholder: a.placeholder })),
      addBoxes,
    );
    assert.deepEqual(
      prompter.asked.map((a) => a.step),
      ['1/2', '2/2'],
    );
    assert.equal(standIn.openAI?.organization_key, 'org-FAKEflows1');
  });

  it('deleting the key Pieces OS uses asks which key takes over, then confirms as every delete does', async () => {
    script(add('Personal', K1));
    await actions.addKey();
    script(add('Work', K2, [{ confirm: false }]));
    await actions.addKey();
    const personal = temp.store.list().find((k) => k.name === 'Personal')!;
    // Choosing the successor deletes nothing: the same modal as any delete comes next, and Cancel there keeps the key.
    script([{ pick: 'Use "Work"' }, { confirm: false }]);
    await actions.deleteKey(personal.id);
    assert.deepEqual(prompter.asked[0]?.labels, ['Use "Work"', 'Use none']);
    assert.equal(temp.store.list().length, 2);
    assert.equal(standIn.openAI?.api_key, K1);

    script([{ pick: 'Use "Work"' }, { confirm: true }]);
    await actions.deleteKey(personal.id);
    assert.deepEqual(
      prompter.asked.map((a) => `${a.kind} ${a.title}`),
      ['pick Delete "Personal" (sk-…0001)', 'confirm Delete "Personal" (sk-…0001)?'],
    );
    assert.equal(
      prompter.asked[1]?.prompt,
      'After the delete Pieces OS uses "Work". The key is removed from VS Code\'s secret storage. This cannot be undone.',
    );
    assert.equal(last(), 'Deleted "Personal". Pieces OS switched to "Work".');
    assert.equal(standIn.openAI?.api_key, K2);

    // The last key: no choice to make, the same modal.
    const work = temp.store.list()[0]!;
    script([{ confirm: true }]);
    await actions.deleteKey(work.id);
    assert.deepEqual(
      prompter.asked.map((a) => a.kind),
      ['confirm'],
    );
    assert.match(prompter.asked[0]?.prompt ?? '', /This cannot be undone\.$/);
    assert.equal(last(), 'Deleted "Work". Pieces OS holds no OpenAI key now.');
    assert.equal(standIn.openAI, undefined);
  });

  it('the delete question words what Pieces OS holds from what it confirmed: a key it rejected is not "used"', async () => {
    standIn.failNext(1, 'unauthorized', { paths: ['/external_provider/api_key/create'] });
    script(add('Personal', K1));
    await actions.addKey();
    const record = temp.store.list()[0]!;
    assert.equal(sync.stateOf(record).kind, 'rejected');
    assert.match(prompter.messages.at(-1)?.message ?? '', /rejected/);
    script([{ confirm: false }]);
    await actions.deleteKey(record.id);
    assert.equal(
      prompter.asked[0]?.prompt,
      "Pieces OS rejected this key (401) and does not use it; after the delete it is told to hold no OpenAI key. The key is removed from VS Code's secret storage. This cannot be undone.",
    );

    // Confirmed by Pieces OS: "uses this key".
    await actions.syncNow();
    assert.equal(sync.stateOf(record).kind, 'synced');
    script([{ confirm: false }]);
    await actions.deleteKey(record.id);
    assert.match(prompter.asked[0]?.prompt ?? '', /^Pieces OS uses this key; after the delete it holds no OpenAI key\./);

    // Forgotten in Pieces: "holds no key", nothing to send.
    await new PiecesClient({ baseUrl: standIn.url }).deleteKey(standIn.userId);
    await sync.reconcile();
    script([{ confirm: false }]);
    await actions.deleteKey(record.id);
    assert.match(prompter.asked[0]?.prompt ?? '', /^Pieces OS holds no OpenAI key, so nothing is sent to it\./);

    // With another key to take over, the picker says "you chose" rather than "uses" for a key it does not hold.
    script(add('Work', K2, [{ confirm: false }]));
    await actions.addKey();
    script(['escape']);
    await actions.deleteKey(record.id);
    assert.equal(
      prompter.asked[0]?.placeholder,
      'You chose "Personal" for Pieces OS (not in Pieces OS). Which key should it use after the delete?',
    );
  });

  it('refuses invalid names and keys with messages that say why; the duplicate-name error names the existing key', async () => {
    script(add('Personal', K1));
    await actions.addKey();
    script([
      { pick: 'OpenAI' },
      { input: 'PERSONAL' },
      { input: 'sk-proj-FAKEFAKEFAKEFAKEFAKEFAKEFAKE' },
      { input: 'Second' },
      { input: '' },
      { input: 'sk-test FAKE 0000000000' },
      { input: K2 },
      { input: K3 },
      { input: '' },
      { confirm: false },
    ]);
    await actions.addKey();
    assert.match(prompter.refusals[0] ?? '', /"Personal" already exists/);
    assert.match(prompter.refusals[1] ?? '', /looks like an API key/i);
    assert.match(prompter.refusals[4] ?? '', /^That looks like an API key, not an organization id/);
    // A key in the name or organization box is on screen in clear: refused as it is typed, not only at Enter.
    assert.deepEqual(prompter.refusedAtOnce, [prompter.refusals[1], prompter.refusals[4]]);
    assert.match(prompter.refusals[2] ?? '', /Enter the API key/);
    assert.match(prompter.refusals[3] ?? '', /no spaces/);
  });

  it('says what happens when Pieces OS is down, and offers Retry, Select Service URL and Show Log', async () => {
    await standIn.stop();
    script(add('Personal', K1));
    await actions.addKey();
    const warning = prompter.messages.find((m) => m.severity === 'warning');
    assert.deepEqual(warning?.buttons, ['Retry', 'Select Service URL', 'Show Log']);
    // What went wrong and what happens next come first, what was saved last.
    assert.match(
      warning?.message ?? '',
      /^Pieces OS is not running at \S+ \(connection refused\)\. Start Pieces OS\. The change waits and is sent when Pieces OS answers\. Saved "Personal" \(sk-…0001\)\.$/,
    );
    assert.equal(sync.stateOf(temp.store.list()[0]!).kind, 'waiting');
  });

  it('drift: "send mine" puts the chosen key back', async () => {
    script(add('Personal', K1));
    await actions.addKey();
    await new PiecesClient({ baseUrl: standIn.url }).deleteKey(standIn.userId);
    await sync.reconcile();
    assert.equal(sync.state.drift.openai?.kind, 'holdsNone');
    const drift = new DriftActions(
      sync,
      () => prompter,
      (error, keyId) => actions.report.failure(error, keyId),
    );
    await drift.pushToPieces(undefined);
    assert.equal(standIn.openAI?.api_key, K1);
    assert.equal(last(), 'Pieces OS holds your key again.');
  });

  // Moved from test/host/keys.test.ts (flow logic only; their assertions are kept).
  const keyCalls = (): string[] =>
    standIn.requests.filter((r) => r.path.startsWith('/external_provider/')).map((r) => `${r.path.split('/').pop()} ${r.status}`);

  it('asks which key from the palette when no key is given', async () => {
    script(add('Personal', K1));
    await actions.addKey();
    script([{ pick: 'Personal' }, { input: 'Renamed' }]);
    await actions.renameKey(undefined);
    assert.equal(prompter.remaining, 0);
    assert.equal(prompter.asked[0]?.kind, 'pick');
    assert.equal(temp.store.list()[0]?.name, 'Renamed');
  });

  it('F2, Enter or Delete on a tree row that is not a key (the drift row) asks nothing and changes nothing', async () => {
    script(add('Personal', K1));
    await actions.addKey();
    const driftRow = { kind: 'drift', provider: { id: 'openai' } } as unknown as string;
    script([]);
    assert.equal(await actions.renameKey(driftRow), undefined);
    assert.equal(await actions.updateKey(driftRow), undefined);
    assert.equal(await actions.deleteKey(driftRow), false);
    assert.deepEqual(prompter.asked, []);
    assert.deepEqual(prompter.messages, []);
    assert.equal(temp.store.list().length, 1);
  });

  describe('cancel', () => {
    const full = add('Personal', K1);
    for (let at = 0; at < full.length; at++) {
      it(`at step ${at + 1} of adding stores nothing, sends nothing and shows nothing`, async () => {
        script([...full.slice(0, at), 'escape']);
        await actions.addKey();
        assert.equal(prompter.remaining, 0);
        assert.deepEqual(temp.store.list(), []);
        assert.deepEqual(keyCalls(), []);
        assert.deepEqual(prompter.messages, []);
      });
    }

    it('of a delete confirmation keeps the key', async () => {
      script(add('Personal', K1));
      await actions.addKey();
      script([{ confirm: false }]);
      await actions.deleteKey(temp.store.list()[0]?.id);
      assert.equal(temp.store.list().length, 1);
      assert.equal(standIn.openAI?.api_key, K1);
    });
  });
});
