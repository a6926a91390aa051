// Crash safety, first half (named to run last in this run): change keys while Pieces OS is down, and
// leave. test/host-restart/ checks, in a new extension host over the same profile, that the changes
// were kept and reach Pieces OS once it answers. The extension host simply exits after this file, as it
// does when a window is reloaded or crashes; nothing is flushed on purpose.
import * as assert from 'node:assert/strict';
import { Commands } from '../../src/constants';
import { RESTART_KEY_NAME, RESTART_KEY_ROTATED } from '../host-restart/shared';
import type { Answer } from '../support/scriptedPrompter';
import { addOpenAI, clearKeys, runScripted, testingApi } from './support';

describe('crash safety, before the restart', function () {
  this.timeout(30_000);

  it('changes made while Pieces OS is down are queued durably, holding no key bytes', async () => {
    const api = await testingApi();
    await clearKeys(api);
    // Nothing listens on the service port now: the other suites stopped their stand-ins.
    const run = (command: string, script: Answer[], ...args: unknown[]) => runScripted(api, command, script, ...args);
    await run(Commands.addKey, addOpenAI(RESTART_KEY_NAME, 'sk-test-FAKE-restart-00000000000000001'));
    const [record] = api.store.list();
    assert.ok(record);
    await run(Commands.updateKey, [{ input: RESTART_KEY_ROTATED }, { input: '' }], record.id);
    assert.equal(api.store.choice('openai')?.activeId, record.id);
    const plan = api.sync.planFor('openai');
    assert.equal(plan.kind === 'push' && plan.call, 'create', 'create then rotate before any sync is one create');
    for (const name of api.globalState.keys()) assert.ok(!JSON.stringify(api.globalState.get(name)).includes('FAKE-restart'));
  });
});
