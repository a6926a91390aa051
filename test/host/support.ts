// What the host test suites share: the extension's testing API, commands answered through a script,
// and a clean slate between tests.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { CONFIG_SECTION, EXTENSION_ID } from '../../src/constants';
import type { ProviderKeysApi, TestingApi } from '../../src/extension';
import { type StandIn, startStandIn } from '../../stand-in/server';
import { type Answer, ScriptedPrompter } from '../support/scriptedPrompter';

/** Activates the extension (if needed) and returns its testing API. */
export async function testingApi(): Promise<TestingApi> {
  const ext = vscode.extensions.getExtension<ProviderKeysApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  const exported = await ext.activate();
  assert.ok(exported.testing, 'the extension exposes no testing API in test mode');
  return exported.testing;
}

/** Runs a command with its questions answered by `script`; checks that every answer was used. */
export async function runScripted(api: TestingApi, command: string, script: Answer[], ...args: unknown[]): Promise<ScriptedPrompter> {
  const prompter = new ScriptedPrompter(script);
  api.setPrompter(prompter);
  try {
    const result = await vscode.commands.executeCommand<unknown>(command, ...args);
    // Another extension can run our commands: none hands back what it produced (an import's keys, a record).
    assert.equal(result, undefined, `${command} returned something to its caller`);
  } finally {
    api.setPrompter(undefined);
  }
  assert.equal(prompter.remaining, 0, 'the flow asked fewer questions than the script answers');
  return prompter;
}

/** Removes every key and what the engine believes Pieces OS holds, so that each test starts empty. */
export async function clearKeys(api: TestingApi): Promise<void> {
  await api.ready;
  await api.sync.whenIdle();
  for (const record of api.store.list()) await api.store.remove(record.id);
  await api.store.setChoice('openai', undefined);
  await api.store.writeSent('openai', () => ({ v: 1, provider: 'openai', holds: 'none', attempts: 0 }));
  await api.sync.whenIdle();
}

/**
 * Waits until the engine has no retry waiting. A suite whose calls failed leaves one (backoff, up to 60 s),
 * and a kick never hurries a waiting retry: the next suite's changes would wait behind it, however fast the
 * suite before ran. With nothing left to send, the retry finds nothing when it fires.
 */
async function retryFired(api: TestingApi): Promise<void> {
  while (api.sync.state.nextRetryAt !== undefined) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** The answers that add an OpenAI key through the Add Key flow. */
export const addOpenAI = (name: string, key: string, org = ''): Answer[] => [
  { pick: 'OpenAI' },
  { input: name },
  { input: key },
  { input: org },
];

/**
 * Mocha hooks for a suite that drives the extension against an in-process stand-in on the port the
 * runner reserved (providerKeys.serviceUrl points there): started before, stopped after, and reset
 * with no keys, signed in, before each test. `assign` receives the two once they exist.
 */
export function useStandIn(assign: (api: TestingApi, standIn: StandIn) => void): void {
  let api: TestingApi | undefined;
  let standIn: StandIn | undefined;
  before(async () => {
    api = await testingApi();
    standIn = await startStandIn({ port: Number(process.env.PROVIDER_KEYS_TEST_SERVICE_PORT) });
    assign(api, standIn);
  });
  after(async () => {
    if (api) {
      await clearKeys(api);
      await retryFired(api);
    }
    await standIn?.stop();
  });
  beforeEach(async () => {
    assert.ok(api && standIn);
    await clearKeys(api);
    standIn.reset();
    standIn.signedIn = true;
    await api.monitor.check();
  });
}

/** Sets a user setting and waits until the extension has seen the change. */
export async function setSetting(name: string, value: unknown): Promise<void> {
  const seen = new Promise<void>((resolve) => {
    const listener = vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${CONFIG_SECTION}.${name}`)) {
        listener.dispose();
        setTimeout(resolve, 50);
      }
    });
  });
  await vscode.workspace.getConfiguration(CONFIG_SECTION).update(name, value, vscode.ConfigurationTarget.Global);
  await seen;
}
