// Crash safety, second half: a new extension host over the profile the first run left. The queued
// change is still there, and once Pieces OS answers, the extension sends it by itself.
import * as assert from 'node:assert/strict';
import { testingApi } from '../host/support';
import { type StandIn, startStandIn } from '../../stand-in/server';
import { RESTART_KEY_NAME, RESTART_KEY_ROTATED } from './shared';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('crash safety, after the restart', function () {
  this.timeout(60_000);
  let standIn: StandIn | undefined;
  after(async () => standIn?.stop());

  it('keeps the queued change and sends it, coalesced, when Pieces OS comes up', async () => {
    const api = await testingApi();
    await api.ready;
    const [record] = api.store.list();
    assert.equal(record?.name, RESTART_KEY_NAME, 'the key survived the restart');
    assert.equal(await api.store.secret(record.id), RESTART_KEY_ROTATED);
    assert.equal(api.sync.planFor('openai').kind, 'push', 'the waiting change survived the restart');

    standIn = await startStandIn({ port: Number(process.env.PROVIDER_KEYS_TEST_SERVICE_PORT) });
    // No command: the extension finds the service again by itself (its health watch backs off up to 60 s,
    // but has only run a few seconds here) and drains its queue.
    const deadline = Date.now() + 40_000;
    const done = (): boolean => standIn?.openAI?.api_key === RESTART_KEY_ROTATED && api.sync.state.pending === 0;
    while (Date.now() < deadline && !done()) await sleep(250);
    assert.equal(standIn.openAI?.api_key, RESTART_KEY_ROTATED);
    assert.equal(standIn.openAI?.api_key_name, RESTART_KEY_NAME);
    const calls = standIn.requests.filter((r) => r.path.startsWith('/external_provider/')).map((r) => r.path.split('/').pop());
    assert.deepEqual(calls, ['create'], 'one create with the latest key, nothing more');
    assert.equal(api.sync.state.pending, 0);
    for (const old of api.store.list()) await api.store.remove(old.id);
  });
});
