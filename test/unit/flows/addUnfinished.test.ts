// An add whose key bytes are stored but whose last write fails is not a failed add: the user is told
// that the key is saved and being finished, and recovery then lists it and it is sent.
import * as assert from 'node:assert/strict';
import { MaskCache } from '../../../src/core/keys/maskCache';
import { PiecesClient } from '../../../src/core/pieces/client';
import { piecesServicePort } from '../../../src/core/pieces/servicePort';
import type { RecordFolderPort } from '../../../src/core/store/recordFolder';
import { SyncEngine } from '../../../src/core/sync/engine';
import { KeyActions } from '../../../src/flows/keyActions';
import { type StandIn, startStandIn } from '../../../stand-in/server';
import { ScriptedPrompter } from '../../support/scriptedPrompter';
import { type TempStore, interceptWrites, openTempStore, removeRoot } from '../../support/tempStore';

const KEY = 'sk-test-FAKE-unfinished-00000000000001';

/** Fails the write that would make a new key visible (its record without the add mark), `times` times. */
function failingLastWrite(inner: RecordFolderPort, state: { times: number }): RecordFolderPort {
  return interceptWrites(inner, async (name, text, next) => {
    if (name.startsWith('key-') && !text.includes('"pending"') && state.times > 0) {
      state.times--;
      throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
    }
    await next();
  });
}

describe('an add whose last write fails after the key bytes are stored', function () {
  this.timeout(20_000);
  let standIn: StandIn;
  let temp: TempStore;
  let sync: SyncEngine;
  const failures = { times: 0 };
  const logs: string[] = [];

  beforeEach(async () => {
    standIn = await startStandIn({ port: 0 });
    temp = await openTempStore({ wrapFolder: (folder) => failingLastWrite(folder, failures), log: (line) => logs.push(line) });
    sync = new SyncEngine({ store: temp.store, service: piecesServicePort(new PiecesClient({ baseUrl: standIn.url, timeoutMs: 1000 })) });
  });
  afterEach(async () => {
    sync.dispose();
    temp.close();
    removeRoot(temp.root);
    await standIn.stop();
  });

  it('says "saved, being finished", not that the add failed; the key is then listed and sent', async () => {
    failures.times = 1;
    const prompter = new ScriptedPrompter([{ pick: 'OpenAI' }, { input: 'Personal' }, { input: KEY }, { input: '' }]);
    const actions = new KeyActions({
      store: temp.store,
      sync,
      masks: new MaskCache(temp.store),
      prompter: () => prompter,
      autoSync: () => true,
      runCommand: async () => undefined,
      log: { info: (m) => logs.push(m), warn: (m) => logs.push(m) },
    });
    await actions.addKey(); // resolves: nothing for the command wrapper to report as a failure
    const told = prompter.messages.map((m) => `${m.severity}: ${m.message}`);
    assert.deepEqual(told, ['warning: Saved "Personal" (sk-…0001); it is being finished and appears in the list shortly.']);
    assert.ok(!told.join('\n').toLowerCase().includes('fail'), told.join('\n'));
    assert.deepEqual(temp.store.list(), [], 'not listed until it is finished');

    // Recovery finishes it soon, without waiting for a window focus or the next start.
    for (let waited = 0; temp.store.list().length === 0 && waited < 5000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(
      temp.store.list().map((k) => k.name),
      ['Personal'],
    );
    assert.equal(temp.store.activeKey('openai')?.name, 'Personal', 'the choice asked for is kept');
    await sync.drain();
    assert.equal(standIn.openAI?.api_key, KEY);
    assert.ok(!logs.join('\n').includes(KEY.slice(-12)), 'no key bytes in the log');
  });
});
