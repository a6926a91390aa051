// What the "use the keys" flow tests share (they were host tests, and keep their assertions): a real store
// over a temporary folder, the real engine and client against the stand-in, the key flows to add keys, a
// fake LLM provider for Verify Key, and a fake workbench; all new for each test.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Settings } from '../../../src/constants';
import { MaskCache } from '../../../src/core/keys/maskCache';
import { PiecesClient } from '../../../src/core/pieces/client';
import { piecesServicePort } from '../../../src/core/pieces/servicePort';
import { PROVIDERS } from '../../../src/core/providers/catalogue';
import { SyncEngine } from '../../../src/core/sync/engine';
import { KeyActions } from '../../../src/flows/keyActions';
import type { UseKeysKnobs } from '../../../src/flows/useKeys/flowDeps';
import { type UseKeyFlows, createUseKeyFlows } from '../../../src/flows/useKeys/useKeyFlows';
import { type StandIn, startStandIn } from '../../../stand-in/server';
import { REPO_ROOT } from '../../contract/helpers';
import { type FakeProvider, startFakeProvider } from '../../support/fakeProvider';
import { FakeWorkbench } from '../../support/fakeWorkbench';
import type { Answer, ScriptedPrompter } from '../../support/scriptedPrompter';
import { ALL_KEYS } from '../../support/useKeysFixtures';
import { type TempStore, openTempStore, removeRoot } from '../../support/tempStore';

export interface World {
  readonly standIn: StandIn;
  readonly fake: FakeProvider;
  readonly temp: TempStore;
  readonly sync: SyncEngine;
  readonly actions: KeyActions;
  readonly flows: UseKeyFlows;
  readonly workbench: FakeWorkbench;
  readonly knobs: UseKeysKnobs;
  readonly logs: string[];
  /** Runs a flow with its questions answered by `script`; checks that every answer was used. */
  run(script: Answer[], flow: () => Promise<unknown>): Promise<ScriptedPrompter>;
  /** Adds an OpenAI key through the Add Key flow; a second one is kept out of Pieces OS ("keep"). */
  addKey(name: string, key: string): Promise<string>;
}

/** The answers that add an OpenAI key through the Add Key flow. */
export const addOpenAI = (name: string, key: string, org = ''): Answer[] => [
  { pick: 'OpenAI' },
  { input: name },
  { input: key },
  { input: org },
];

/** Mocha hooks that make a new world before each test and take it down after; `world()` is the current one. */
export function useWorld(): () => World {
  let current: World | undefined;
  let closing: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const standIn = await startStandIn({ port: 0 });
    const fake = await startFakeProvider({ port: 0 });
    const temp = await openTempStore();
    const sync = new SyncEngine({
      store: temp.store,
      service: piecesServicePort(new PiecesClient({ baseUrl: standIn.url, timeoutMs: 1000 })),
    });
    const masks = new MaskCache(temp.store);
    const workbench = new FakeWorkbench();
    // As the host runner's machine setting does: every provider's Verify goes to the fake provider.
    workbench.settings.set(Settings.verifyBaseUrls, Object.fromEntries(PROVIDERS.map((p) => [p.id, fake.baseUrl(p.id)])));
    const logs: string[] = [];
    const log = { info: (m: string) => void logs.push(m), warn: (m: string) => void logs.push(m) };
    const knobs: UseKeysKnobs = {};
    const actions = new KeyActions({
      store: temp.store,
      sync,
      masks,
      prompter: () => workbench,
      autoSync: () => true,
      runCommand: (command, ...args) => workbench.runCommand(command, ...args),
      log,
    });
    const flows = createUseKeyFlows({
      store: temp.store,
      masks,
      sync,
      hasKeyInUse: (provider) => temp.store.choice(provider)?.activeId !== undefined,
      workbench: () => workbench,
      log,
      distPath: path.join(REPO_ROOT, 'dist'),
      knobs,
      terminalsChanged: () => undefined,
    });
    const run = async (script: Answer[], flow: () => Promise<unknown>): Promise<ScriptedPrompter> => {
      const prompter = workbench.script(script);
      await flow();
      assert.equal(prompter.remaining, 0, 'the flow asked fewer questions than the script answers');
      return prompter;
    };
    const addKey = async (name: string, key: string): Promise<string> => {
      const more: Answer[] = temp.store.keysOf('openai').length > 0 ? [{ confirm: false }] : [];
      await run([...addOpenAI(name, key), ...more], () => actions.addKey());
      const record = temp.store.keysOf('openai').find((k) => k.name === name);
      assert.ok(record);
      return record.id;
    };
    current = { standIn, fake, temp, sync, actions, flows, workbench, knobs, logs, run, addKey };
    closing = async () => {
      flows.dispose();
      await sync.whenIdle();
      sync.dispose();
      masks.dispose();
      temp.close();
      removeRoot(temp.root);
      await fake.stop();
      await standIn.stop();
    };
  });
  afterEach(async () => {
    await closing?.();
    current = undefined;
  });
  return () => {
    assert.ok(current, 'no world: call useWorld() in a describe block');
    return current;
  };
}

/** No key byte (nor its last 8 characters) in globalState. */
export function assertGlobalStateClean(workbench: FakeWorkbench): void {
  const text = workbench.memento.dump();
  for (const key of ALL_KEYS) assert.ok(!text.includes(key.slice(-8)), 'globalState holds key bytes');
}
