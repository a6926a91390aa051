import * as assert from 'node:assert/strict';
import { ConnectionMonitor } from '../../src/core/connection';
import { NotSignedInError, ServiceUnreachableError, ServiceUrlRefusedError, SessionExpiredError } from '../../src/core/errors';
import type { PiecesClient } from '../../src/core/piecesClient';
import { FakeClock } from '../support/fakeClock';

type Mode = 'down' | 'up' | 'signedOut' | 'sessionExpired' | 'refusedUrl' | 'nameless';

/** Just the calls the monitor makes, answering as `mode` says. */
function fakeClient(state: { mode: Mode; calls: number }): PiecesClient {
  const up = (): void => {
    state.calls++;
    if (state.mode === 'down') throw new ServiceUnreachableError('refused', 'http://127.0.0.1:39300');
  };
  return {
    resolveBaseUrl: async () => {
      if (state.mode === 'refusedUrl') throw new ServiceUrlRefusedError('pieces.example.com is not on this computer.');
      return 'http://127.0.0.1:39300';
    },
    health: async () => up(),
    version: async () => '1.2.3',
    getUser: async () => {
      if (state.mode === 'signedOut') throw new NotSignedInError();
      if (state.mode === 'sessionExpired') throw new SessionExpiredError('token expired', 'GET /user');
      if (state.mode === 'nameless') return { id: 'user-\u202e1' };
      return { id: 'user-1', name: 'Ada' };
    },
  } as unknown as PiecesClient;
}

describe('connection monitor (health watch)', () => {
  it('looks again with backoff while Pieces OS is away, and announces its return once', async () => {
    const clock = new FakeClock();
    const state = { mode: 'down' as Mode, calls: 0 };
    const monitor = new ConnectionMonitor(fakeClient(state), { timers: clock });
    let reconnects = 0;
    monitor.onDidReconnect(() => reconnects++);
    assert.equal((await monitor.check()).kind, 'notRunning');
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = clock.nextAt();
      assert.ok(next !== undefined, 'a retry is scheduled');
      delays.push(next - clock.now());
      await clock.advance(next - clock.now(), () => monitor.check().then(() => undefined));
    }
    // Doubling from about 1 s (±20% jitter) up to the 60 s cap.
    for (const [i, delay] of delays.entries()) {
      const base = Math.min(60_000, 1000 * 2 ** i);
      assert.ok(delay >= Math.max(1000, base * 0.8) && delay <= Math.min(60_000, base * 1.2), `retry ${i}: ${delay} ms`);
    }
    state.mode = 'up';
    await clock.advance(60_000, () => monitor.check().then(() => undefined));
    assert.equal(monitor.state.kind, 'connected');
    assert.equal(reconnects, 1);
    assert.equal(clock.nextAt(), undefined, 'no more polling once connected');
    monitor.dispose();
  });

  it('tells "not signed in" apart from "not running", and keeps looking for the sign-in', async () => {
    const clock = new FakeClock();
    const state = { mode: 'signedOut' as Mode, calls: 0 };
    const monitor = new ConnectionMonitor(fakeClient(state), { timers: clock });
    const checked = await monitor.check();
    assert.deepEqual(checked, { kind: 'notSignedIn', url: 'http://127.0.0.1:39300', version: '1.2.3' });
    assert.ok(clock.nextAt() !== undefined);
    state.mode = 'up';
    await clock.advance(2000, () => monitor.check().then(() => undefined));
    assert.deepEqual(monitor.state, { kind: 'connected', url: 'http://127.0.0.1:39300', version: '1.2.3', user: 'Ada' });
    monitor.dispose();
  });

  it('a refused service URL is its own state, with the reason; nothing is polled until the setting changes', async () => {
    const clock = new FakeClock();
    const state = { mode: 'refusedUrl' as Mode, calls: 0 };
    const monitor = new ConnectionMonitor(fakeClient(state), { timers: clock });
    const checked = await monitor.check();
    assert.equal(checked.kind, 'refusedUrl');
    assert.ok(checked.kind === 'refusedUrl' && checked.reason === 'pieces.example.com is not on this computer.');
    assert.ok(checked.kind === 'refusedUrl' && /providerKeys\.serviceUrl/.test(checked.detail));
    assert.equal(state.calls, 0, 'no health check was sent anywhere');
    assert.equal(clock.nextAt(), undefined, 'no retry is scheduled: only a new setting can fix it');
    state.mode = 'up'; // the user fixed the setting; the extension checks again on the change
    assert.equal((await monitor.check()).kind, 'connected');
    monitor.dispose();
  });

  it('a 401 from GET /user is "not signed in" with the session message, not an error', async () => {
    const clock = new FakeClock();
    const monitor = new ConnectionMonitor(fakeClient({ mode: 'sessionExpired', calls: 0 }), { timers: clock });
    const checked = await monitor.check();
    assert.equal(checked.kind, 'notSignedIn');
    assert.ok(checked.kind === 'notSignedIn' && /Sign in to Pieces again/.test(checked.detail ?? ''));
    monitor.dispose();
  });

  it('shows a user without name or email by a cleaned id', async () => {
    const monitor = new ConnectionMonitor(fakeClient({ mode: 'nameless', calls: 0 }), { timers: new FakeClock() });
    const checked = await monitor.check();
    assert.ok(checked.kind === 'connected' && checked.user === 'user-1', JSON.stringify(checked));
    monitor.dispose();
  });
});
