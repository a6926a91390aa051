// Offline-first sync in a real VS Code: drift shown in the tree and resolved through the commands, and
// the sender lease over the real store folder shared by a second engine (as a second window).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../src/constants';
import { PiecesClient } from '../../src/core/pieces/client';
import { piecesServicePort } from '../../src/core/pieces/servicePort';
import { SENDER_LEASE_TTL_MS, createStore } from '../../src/core/store/createStore';
import { GenerationLock } from '../../src/core/store/lock';
import { SyncEngine } from '../../src/core/sync/engine';
import type { TestingApi } from '../../src/extension';
import type { StandIn } from '../../stand-in/server';
import { ScriptedPrompter } from '../support/scriptedPrompter';
import { addOpenAI, runScripted, useStandIn } from './support';

const KEY_1 = 'sk-test-FAKE-hostsync-00000000000000001';
const KEY_PIECES = 'sk-test-FAKE-hostsync-0000000000000pcs9';

let api: TestingApi;
let standIn: StandIn;
/** What the stand-in holds now (a function, so that TypeScript does not narrow it between calls). */
const heldKey = (): string | undefined => standIn.openAI?.api_key;

describe('offline-first sync in VS Code', function () {
  this.timeout(30_000);

  useStandIn((a, s) => {
    api = a;
    standIn = s;
  });

  it('reconciliation: shows drift when Pieces OS holds another key, and keeps it on request', async () => {
    await runScripted(api, Commands.addKey, addOpenAI('Mine', KEY_1));
    // Someone sets another key in Pieces itself.
    const client = new PiecesClient({ baseUrl: standIn.url });
    await client.updateKey(standIn.userId, { apiKey: KEY_PIECES, name: 'Set in Pieces' });
    await vscode.commands.executeCommand(Commands.refresh);
    const [provider] = api.tree.getChildren();
    assert.ok(provider);
    const [first] = api.tree.getChildren(provider);
    assert.equal(first?.kind, 'drift');
    const item = api.tree.getTreeItem(first);
    assert.equal(item.label, 'Pieces OS holds another key');
    assert.equal(item.contextValue, 'drift');
    assert.match(String(item.description), /…pcs9 · Set in Pieces/);
    assert.match(api.statusBar.view().text, /Pieces OS: holds another key/);
    // What a screen reader reads: the row, then its sentence, without a space before a full stop.
    assert.match(item.accessibilityInformation?.label ?? '', /^Pieces OS holds another key, …pcs9 · Set in Pieces\. Pieces OS holds /);
    assert.doesNotMatch(item.accessibilityInformation?.label ?? '', / \.|\s{2}/);

    api.setPrompter(new ScriptedPrompter([]));
    try {
      await vscode.commands.executeCommand(Commands.adoptFromPieces, first);
    } finally {
      api.setPrompter(undefined);
    }
    const adopted = api.store.list().find((k) => k.name === 'Set in Pieces');
    assert.ok(adopted);
    assert.equal(await api.store.secret(adopted.id), KEY_PIECES);
    assert.equal(api.store.choice('openai')?.activeId, adopted.id);
    assert.equal(heldKey(), KEY_PIECES, 'keeping it sends nothing back');
    assert.ok(
      api.tree.getChildren(provider).every((node) => node.kind === 'key'),
      'the drift is gone',
    );
  });

  it('reconciliation: "send my key" puts ours back', async () => {
    await runScripted(api, Commands.addKey, addOpenAI('Mine', KEY_1));
    await new PiecesClient({ baseUrl: standIn.url }).deleteKey(standIn.userId);
    await vscode.commands.executeCommand(Commands.refresh);
    assert.equal(api.sync.state.drift.openai?.kind, 'holdsNone');
    // One state, one wording: the status bar, its tooltip, the provider row, the drift row and the key's row.
    const view = api.statusBar.view();
    assert.equal(view.text, '$(warning) Pieces OS: holds no key');
    assert.deepEqual(view.lines, ['Pieces OS holds no OpenAI key; you chose "Mine".']);
    const [provider] = api.tree.getChildren();
    assert.ok(provider);
    assert.equal(api.tree.getTreeItem(provider).tooltip, 'OpenAI: Pieces OS holds no OpenAI key; you chose "Mine".');
    const [drift, key] = api.tree.getChildren(provider);
    assert.equal(api.tree.getTreeItem(drift!).label, 'Pieces OS holds no key');
    assert.match(
      api.tree.getTreeItem(drift!).accessibilityInformation?.label ?? '',
      /^Pieces OS holds no key\. Pieces OS holds no OpenAI key;/,
    );
    const row = api.tree.getTreeItem(key!);
    assert.equal(row.label, 'not in Pieces OS · Mine', 'the row does not say "in Pieces OS"');
    assert.equal((row.iconPath as vscode.ThemeIcon).id, 'warning', 'not the green synced icon');
    assert.match(row.accessibilityInformation?.label ?? '', /, chosen for Pieces OS, not in Pieces OS$/);
    api.setPrompter(new ScriptedPrompter([]));
    try {
      await vscode.commands.executeCommand(Commands.pushToPieces);
    } finally {
      api.setPrompter(undefined);
    }
    assert.equal(heldKey(), KEY_1);
  });

  it("lease: a second window's engine over the same store folder waits while this window holds the lease", async () => {
    const other = createStore({ root: api.storeRoot, secrets: api.secrets, windowId: 'other-window' });
    await other.open();
    const engine = new SyncEngine({
      store: other.store,
      service: piecesServicePort(new PiecesClient({ baseUrl: standIn.url })),
      lease: new GenerationLock(path.join(api.storeRoot, 'locks', 'sender'), 'other-window', SENDER_LEASE_TTL_MS),
    });
    try {
      // Only the create call (the connection monitor's own GET /user must not take the fault), and more
      // than once: the engine's first retry comes after about a second, which a slow run can reach.
      standIn.failNext(5, 'serverError', { paths: ['/external_provider/api_key/create'] });
      await runScripted(api, Commands.addKey, addOpenAI('Mine', KEY_1)); // this window takes the lease, fails, and keeps it to retry
      assert.equal(api.sync.state.pending, 1);
      await other.store.refresh();
      assert.equal(engine.planFor('openai').kind, 'push', 'the other window sees the waiting change');
      assert.deepEqual(await engine.drain(), [{ kind: 'waiting', reason: 'otherWindow' }]);
      assert.equal(heldKey(), undefined);
      standIn.clearFaults();
      await vscode.commands.executeCommand(Commands.syncNow);
      assert.equal(heldKey(), KEY_1);
    } finally {
      engine.dispose();
      other.dispose();
    }
  });
});

describe('the status bar while Pieces OS hangs', function () {
  this.timeout(60_000);

  useStandIn((a, s) => {
    api = a;
    standIn = s;
  });

  it('does not flip between two texts while every key call hangs past the timeout', async () => {
    // Every key call is answered only after the client gave up (5 s): the change keeps waiting.
    standIn.failNext(10, 'delay', { delayMs: 20_000, paths: ['/external_provider/api_key/create', '/external_provider/api_key/update'] });
    const texts: string[] = [];
    const timer = setInterval(() => {
      const text = api.statusBar.view().text;
      if (texts.at(-1) !== text) texts.push(text);
    }, 50);
    try {
      api.setPrompter(new ScriptedPrompter(addOpenAI('Mine', KEY_1)));
      const adding = vscode.commands.executeCommand(Commands.addKey);
      await new Promise((resolve) => setTimeout(resolve, 14_000)); // the first call and at least one retry time out
      api.setPrompter(undefined);
      await Promise.race([adding, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    } finally {
      clearInterval(timer);
      standIn.clearFaults();
    }
    // "syncing" during the first attempt only; once it failed, one steady text through every retry.
    const firstFailure = texts.findIndex((text, i) => i > 0 && /syncing/.test(texts[i - 1] ?? '') && /waiting/.test(text));
    assert.ok(firstFailure > 0, `the first attempt was not seen failing: ${texts.join(' → ')}`);
    assert.deepEqual(texts.slice(firstFailure), [texts[firstFailure]], `the text changed after the first failure: ${texts.join(' → ')}`);
  });
});
