// What the "use the keys" host suites share: the extension, the stand-in and a fake LLM provider on the
// port the runner reserved (providerKeys.verify.baseUrls points there), reset before each test; fake
// keys; and helpers that drive commands and read the tree.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, StateKeys } from '../../src/constants';
import type { TestingApi } from '../../src/extension';
import type { StandIn } from '../../stand-in/server';
import { type FakeProvider, startFakeProvider } from '../support/fakeProvider';
import type { Answer, ScriptedPrompter } from '../support/scriptedPrompter';
import { ALL_KEYS, until } from '../support/useKeysFixtures';
import { addOpenAI, runScripted, useStandIn } from './support';

export const ROOT = path.resolve(__dirname, '../../..');
export let api: TestingApi;
export let standIn: StandIn;
export let fake: FakeProvider;

export const run = (command: string, script: Answer[], ...args: unknown[]): Promise<ScriptedPrompter> =>
  runScripted(api, command, script, ...args);
/** Adds an OpenAI key; a second one is kept out of Pieces OS (the flow asks, the answer is "keep"). */
export async function addKey(name: string, key: string): Promise<string> {
  const more: Answer[] = api.store.keysOf('openai').length > 0 ? [{ confirm: false }] : [];
  await run(Commands.addKey, [...addOpenAI(name, key), ...more]);
  const record = api.store.keysOf('openai').find((k) => k.name === name);
  assert.ok(record);
  return record.id;
}

/** The key's row, once its mask is read (masks are read from SecretStorage in the background). */
export async function keyRow(id: string): Promise<vscode.TreeItem> {
  const row = async (): Promise<vscode.TreeItem> => {
    for (const providerNode of api.tree.getChildren()) {
      for (const node of api.tree.getChildren(providerNode)) {
        if (node.kind === 'key' && node.record.id === id) return api.tree.getTreeItem(node);
      }
    }
    throw new Error(`no row for ${id}`);
  };
  await until("the row's mask", async () => !String((await row()).description).includes('loading'));
  return row();
}

export function tooltipText(item: vscode.TreeItem): string {
  return item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip);
}

/** No key byte (nor its last 8 characters) in globalState. */
export function assertGlobalStateClean(): void {
  for (const name of api.globalState.keys()) {
    const text = JSON.stringify(api.globalState.get(name));
    for (const key of ALL_KEYS) assert.ok(!text.includes(key.slice(-8)), `globalState[${name}] holds key bytes`);
  }
}

/** Mocha hooks for a "use the keys" suite: the extension and stand-in (useStandIn), the fake provider, a clean slate. */
export function useKeysHooks(): void {
  useStandIn((a, s) => {
    api = a;
    standIn = s;
  });

  before(async () => {
    fake = await startFakeProvider({ port: Number(process.env.PROVIDER_KEYS_TEST_PROVIDER_PORT) });
  });
  after(async () => {
    await fake?.stop();
    await api.globalState.update(StateKeys.terminals, undefined);
  });
  beforeEach(async () => {
    fake.requests.length = 0;
    fake.mode = 'ok';
    for (const knob of Object.keys(api.useKeys.knobs)) delete (api.useKeys.knobs as Record<string, unknown>)[knob];
    await api.globalState.update(StateKeys.terminals, undefined);
    await api.globalState.update(StateKeys.copyConfirmed, undefined);
    await api.useKeys.refreshTerminals();
  });
}
