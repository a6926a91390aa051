// The key flows through the real commands in a real VS Code, answered through the prompt seam, against
// the stand-in on the port the runner reserved (providerKeys.serviceUrl points there): what lands in
// SecretStorage and the store folder, what the tree and the status bar show.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, Views } from '../../src/constants';
import type { TestingApi } from '../../src/extension';
import type { TreeNode } from '../../src/views/keysTree';
import type { StandIn } from '../../stand-in/server';
import type { Answer, ScriptedPrompter } from '../support/scriptedPrompter';
import { addOpenAI, runScripted, useStandIn } from './support';

const KEY_1 = 'sk-test-FAKE-host-000000000000000000001';
const KEY_2 = 'sk-test-FAKE-host-000000000000000000002';
const KEY_3 = 'sk-test-FAKE-host-000000000000000000003';
const ALL_KEYS = [KEY_1, KEY_2, KEY_3];

let api: TestingApi;
let standIn: StandIn;

const run = (command: string, script: Answer[], ...args: unknown[]): Promise<ScriptedPrompter> =>
  runScripted(api, command, script, ...args);

interface Row {
  label: string;
  description: string;
  contextValue: string;
  accessible: string;
}

function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

/** The tree as a user sees it, once the masks are read. */
async function tree(): Promise<Record<string, Row[]>> {
  const read = async (): Promise<Record<string, Row[]>> => {
    const result: Record<string, Row[]> = {};
    for (const providerNode of api.tree.getChildren()) {
      const providerItem = api.tree.getTreeItem(providerNode);
      const rows: Row[] = [];
      for (const keyNode of api.tree.getChildren(providerNode)) {
        const item = api.tree.getTreeItem(keyNode);
        rows.push({
          label: labelOf(item),
          description: String(item.description),
          contextValue: String(item.contextValue),
          accessible: item.accessibilityInformation?.label ?? '',
        });
      }
      result[labelOf(providerItem)] = rows;
    }
    return result;
  };
  for (let i = 0; i < 50; i++) {
    const rows = await read();
    if (!JSON.stringify(rows).includes('loading')) return rows; // masks still loading
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return read();
}

/** Neither globalState nor the store folder holds any key, or 8 characters of one. */
function assertNoKeyBytesOutsideSecretStorage(): void {
  const texts: string[] = api.globalState.keys().map((name) => JSON.stringify(api.globalState.get(name)));
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else texts.push(readFileSync(full, 'utf8'));
    }
  };
  walk(api.storeRoot);
  const all = texts.join('\n');
  for (const key of ALL_KEYS) {
    for (let i = 0; i + 8 <= key.length; i++) {
      assert.ok(!all.includes(key.slice(i, i + 8)), `"${key.slice(i, i + 8)}" of a key is stored outside SecretStorage`);
    }
  }
}

function keyCalls(): string[] {
  return standIn.requests.filter((r) => r.path.startsWith('/external_provider/')).map((r) => `${r.path.split('/').pop()} ${r.status}`);
}

describe('key management in VS Code', function () {
  this.timeout(30_000);

  useStandIn((a, s) => {
    api = a;
    standIn = s;
  });

  it('adds an OpenAI key: stored in SecretStorage, masked in the tree and marked as used by Pieces OS, held by Pieces OS', async () => {
    const prompter = await run(Commands.addKey, addOpenAI('Personal', KEY_1, 'org-FAKEhost01'));
    assert.deepEqual(
      prompter.asked.map((a) => `${a.kind} ${a.step}`),
      ['pick undefined', 'input 2/4', 'input 3/4', 'input 4/4'],
    );
    assert.equal(prompter.asked[2]?.password, true, 'the key box hides what is typed');
    const [record] = api.store.list();
    assert.ok(record);
    assert.equal(await api.store.secret(record.id), KEY_1);
    const rows = await tree();
    assert.deepEqual(
      rows.OpenAI?.map(({ label, description, contextValue }) => ({ label, description, contextValue })),
      [{ label: 'in Pieces OS · Personal', description: '…0001', contextValue: 'key.syncable.active' }],
    );
    assert.match(rows.OpenAI?.[0]?.accessible ?? '', /^Personal, OpenAI key sk-…0001, used by Pieces OS, synced$/);
    assert.deepEqual(standIn.openAI, { api_key: KEY_1, api_key_name: 'Personal', organization_key: 'org-FAKEhost01' });
    assert.match(api.statusBar.view().text, /check\) Pieces OS$/);
    assertNoKeyBytesOutsideSecretStorage();
    for (const m of prompter.messages) for (const key of ALL_KEYS) assert.ok(!m.message.includes(key));
  });

  it('rotates, renames, switches and deletes, keeping Pieces OS in step', async () => {
    await run(Commands.addKey, addOpenAI('Personal', KEY_1));
    const [first] = api.store.list();
    assert.ok(first);

    await run(Commands.updateKey, [{ input: KEY_2 }, { input: '' }], { record: first });
    assert.equal(standIn.openAI?.api_key, KEY_2);
    assert.deepEqual(
      (await tree()).OpenAI?.map(({ label, description }) => ({ label, description })),
      [{ label: 'in Pieces OS · Personal', description: '…0002' }],
    );

    await run(Commands.renameKey, [{ input: 'Home' }], first.id);
    assert.equal(standIn.openAI?.api_key_name, 'Home');

    // A second key: one question, and Pieces OS keeps the first.
    await run(Commands.addKey, [...addOpenAI('Work', KEY_3), { confirm: false }]);
    const second = api.store.list().find((k) => k.name === 'Work');
    assert.ok(second);
    assert.equal(standIn.openAI?.api_key, KEY_2);
    assert.deepEqual(
      (await tree()).OpenAI?.map((r) => r.contextValue),
      ['key.syncable.active', 'key.syncable.inactive'],
    );

    await run(Commands.useForPieces, [], { record: second });
    // An update names every field: the empty organization clears the one a previous key may have set.
    assert.deepEqual(standIn.openAI, { api_key: KEY_3, api_key_name: 'Work', organization_key: '' });

    // Deleting the key Pieces OS uses asks which key takes over, then confirms as every delete does.
    await run(Commands.deleteKey, [{ pick: 'Use "Home"' }, { confirm: true }], { record: second });
    assert.equal(standIn.openAI?.api_key, KEY_2);
    assert.equal(await api.secrets.get(`providerKeys.secret.${second.id}`), undefined);

    await run(Commands.deleteKey, [{ confirm: true }], { record: first });
    assert.equal(standIn.openAI, undefined);
    assert.deepEqual(await tree(), {});
    assert.deepEqual(keyCalls(), ['create 200', 'update 200', 'update 200', 'update 200', 'update 200', 'delete 200']);
    assertNoKeyBytesOutsideSecretStorage();
  });

  it('after one key changes, VS Code reads that row again and keeps the others as they were built', async () => {
    await vscode.commands.executeCommand(`${Views.keys}.focus`); // a tree VS Code shows is one it reads
    await api.store.add({ provider: 'openai', name: 'Alpha', secret: KEY_1 });
    const beta = await api.store.add({ provider: 'openai', name: 'Beta', secret: KEY_2 });
    await tree();
    // The redraws the adds and their masks asked for have run: what VS Code reads from here on is the rotation's.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await api.tree.drawNow();
    const node = (name: string): TreeNode =>
      api.tree.getChildren(api.tree.getChildren()[0]).find((n) => n.kind === 'key' && n.record.name === name)!;
    const alphaRow = api.tree.getTreeItem(node('Alpha'));
    const read: string[] = [];
    // What the tree told VS Code to read again, for the failure message: a row VS Code did not read is then
    // either one we never named or one VS Code left unread.
    const told: string[] = [];
    const telling = api.tree.onDidChangeTreeData((nodes) => {
      const names = nodes === undefined ? ['(everything)'] : [nodes].flat().map((n) => (n.kind === 'key' ? n.record.name : n.kind));
      told.push(names.join('+'));
    });
    let lastRead = performance.now();
    const getTreeItem = api.tree.getTreeItem.bind(api.tree);
    api.tree.getTreeItem = (n: TreeNode): vscode.TreeItem => {
      if (n.kind === 'key') read.push(n.record.name);
      lastRead = performance.now();
      return getTreeItem(n);
    };
    try {
      // VS Code gathers the redraws it is told of over 200 ms before it reads them: the masks' may still come.
      for (let i = 0; i < 50 && performance.now() - lastRead < 400; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      read.length = 0;
      told.length = 0;
      await run(Commands.updateKey, [{ input: KEY_3 }, { input: '' }], { record: beta }); // its message waits for the redraw
      for (let i = 0; i < 100 && !read.includes('Beta'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(read.includes('Beta'), `VS Code read the rotated row again (told to read: ${told.join(', ') || 'nothing'})`);
      assert.ok(!read.includes('Alpha'), `VS Code read rows that did not change: ${read.join(', ')}`);
    } finally {
      telling.dispose();
      delete (api.tree as Partial<Pick<typeof api.tree, 'getTreeItem'>>).getTreeItem;
    }
    assert.equal(api.tree.getTreeItem(node('Alpha')), alphaRow, 'the unchanged row is the one built before');
    assert.match(String(api.tree.getTreeItem(node('Beta')).description), /…0003/);
  });

  it('keeps a key of a provider Pieces OS does not accept local, and sends nothing', async () => {
    await run(Commands.addKey, [{ pick: 'Anthropic' }, { input: 'Default' }, { input: 'sk-ant-FAKE-host-0000000000000001' }]);
    const rows = await tree();
    assert.deepEqual(
      rows.Anthropic?.map(({ label, description, contextValue }) => ({ label, description, contextValue })),
      [{ label: 'Default', description: '…0001', contextValue: 'key.local' }],
    );
    assert.deepEqual(keyCalls(), []);
  });

  it('keeps the key when Pieces OS is down, says not running and waiting, and sends it when it is back', async () => {
    await standIn.stop();
    try {
      const prompter = await run(Commands.addKey, addOpenAI('Personal', KEY_1));
      const [record] = api.store.list();
      assert.ok(record);
      assert.equal(await api.store.secret(record.id), KEY_1);
      assert.equal(api.sync.stateOf(record).kind, 'waiting');
      const warning = prompter.messages.find((m) => m.severity === 'warning');
      assert.deepEqual(warning?.buttons, ['Retry', 'Select Service URL', 'Show Log']);
      await api.monitor.check();
      assert.equal(api.monitor.state.kind, 'notRunning');
      const view = api.statusBar.view();
      assert.match(view.text, /not running/, 'the worst problem first');
      assert.ok(
        view.lines.some((l) => /1 change waiting/.test(l)),
        `every problem in the tooltip: ${view.lines.join(' | ')}`,
      );
      assert.match((await tree()).OpenAI?.[0]?.label ?? '', /^waiting · Personal$/);
    } finally {
      await standIn.restart();
    }
    await vscode.commands.executeCommand(Commands.refresh);
    assert.equal(standIn.openAI?.api_key, KEY_1, 'the waiting change was sent when Pieces OS came back');
  });

  it('leads a row with its state word and keeps the whole name (VS Code cuts the end of a narrow row)', async () => {
    await run(Commands.addKey, addOpenAI('Work (old laptop) key', KEY_1));
    await run(Commands.addKey, [...addOpenAI('Personal', KEY_2), { confirm: false }]);
    assert.deepEqual(
      (await tree()).OpenAI?.map(({ label, description }) => ({ label, description })),
      [
        // A key Pieces OS does not use has no word on its row: its icon says so, and its tooltip and accessible name in words.
        { label: 'Personal', description: '…0002' },
        { label: 'in Pieces OS · Work (old laptop) key', description: '…0001' },
      ],
    );
    const [inactive] = (await tree()).OpenAI ?? [];
    assert.match(inactive?.accessible ?? '', /^Personal, OpenAI key sk-…0002, not used by Pieces OS$/);
  });

  it('marks the key rejected on 401, offers Update Key, and the status bar says so', async () => {
    standIn.failNext(1, 'unauthorized', { paths: ['/external_provider/api_key/create'] });
    const prompter = await run(Commands.addKey, addOpenAI('Personal', KEY_1));
    const [record] = api.store.list();
    assert.equal(api.sync.stateOf(record!).kind, 'rejected');
    assert.deepEqual(prompter.messages.find((m) => m.severity === 'error')?.buttons, ['Update Key', 'Show Log']);
    assert.match(api.statusBar.view().text, /key rejected/);
    const node: TreeNode = { kind: 'key', record: record! };
    // The problem takes the place of "in Pieces OS", before the name: the end of a row is what VS Code cuts.
    assert.equal(api.tree.getTreeItem(node).label, 'rejected · Personal');
    assert.equal(String(api.tree.getTreeItem(node).description), '…0001');
    // Pieces OS never held it: the row says it was chosen for Pieces OS, not that Pieces OS uses it.
    assert.match(api.tree.getTreeItem(node).accessibilityInformation?.label ?? '', /, chosen for Pieces OS, rejected$/);
    assert.doesNotMatch(api.tree.getTreeItem(node).accessibilityInformation?.label ?? '', /used by Pieces OS/);
  });

  it('a 500 is an answer: the status bar quotes it rather than "sent when Pieces OS answers", and offers Sync Now first', async () => {
    // Every try fails until the faults are cleared, so the retry (1 s later) does not race the assertions.
    standIn.failNext(100, 'serverError', { paths: ['/external_provider/api_key/create'] });
    try {
      await run(Commands.addKey, addOpenAI('Personal', KEY_1));
      const view = api.statusBar.view();
      assert.match(view.text, /1 change waiting$/);
      assert.deepEqual(view.problem, { kind: 'waiting', answeredWithError: true });
      assert.deepEqual(view.lines, [
        '1 change waiting: Pieces OS did not take the last try: Pieces OS failed with status 500: Internal Server Error. It is sent again automatically; Sync Now sends it at once.',
      ]);
    } finally {
      standIn.clearFaults();
    }
    await vscode.commands.executeCommand(Commands.syncNow);
    assert.equal(standIn.openAI?.api_key, KEY_1);
  });

  it('names a removal Pieces OS refused in the status bar, and Sync Now sends it again', async () => {
    await run(Commands.addKey, addOpenAI('Personal', KEY_1));
    assert.equal(standIn.openAI?.api_key, KEY_1);
    standIn.failNext(1, 'unauthorized', { paths: ['/external_provider/api_key/delete'] });
    await run(Commands.deleteKey, [{ confirm: true }], api.store.list()[0]?.id);
    assert.deepEqual(api.store.list(), [], 'the key is gone here');
    assert.equal(standIn.openAI?.api_key, KEY_1, 'Pieces OS still holds it');
    const view = api.statusBar.view();
    assert.match(view.text, /sync failed/, 'no key row shows the removal, so the status bar must');
    assert.equal(view.severity, 'error');
    assert.ok(
      view.lines.some((l) => /still holds your OpenAI key: removing it failed/.test(l)),
      view.lines.join(' | '),
    );
    await vscode.commands.executeCommand(Commands.syncNow);
    assert.equal(standIn.openAI, undefined, 'Sync Now sent the removal again');
    assert.match(api.statusBar.view().text, /check\) Pieces OS$/);
  });

  it('says not signed in and sends nothing when nobody is signed in to Pieces', async () => {
    standIn.signedIn = false;
    await api.monitor.check();
    assert.equal(api.monitor.state.kind, 'notSignedIn');
    assert.match(api.statusBar.view().text, /not signed in/);
    const prompter = await run(Commands.addKey, addOpenAI('Personal', KEY_1));
    assert.deepEqual(keyCalls(), []);
    assert.match(prompter.messages[0]?.message ?? '', /Sign in to Pieces/);
    assert.equal(api.sync.stateOf(api.store.list()[0]!).kind, 'signIn');
  });
});
