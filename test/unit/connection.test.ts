import * as assert from 'node:assert/strict';
import { ConnectionMonitor } from '../../src/core/pieces/connection';
import { Emitter } from '../../src/core/emitter';
import { type IdleConnection, KeepAliveConnection } from '../../src/core/pieces/keepAlive';
import { NotSignedInError, ServiceUnreachableError, ServiceUrlRefusedError, SessionExpiredError } from '../../src/core/pieces/errors';
import { PiecesClient, type RequestRecord } from '../../src/core/pieces/client';
import { type StandIn, type StandInOptions, startStandIn } from '../../stand-in/server';
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

/** An idle connection under the test's control: it opens as told, and ends when the test says. */
class FakeLine implements IdleConnection {
  readonly opened: string[] = [];
  answer = true;
  private url: string | undefined;
  private readonly ended = new Emitter<void>();
  readonly onDidEnd = this.ended.event;
  isOpenTo(baseUrl: string): boolean {
    return this.url === baseUrl;
  }
  open(baseUrl: string): Promise<boolean> {
    this.opened.push(baseUrl);
    this.url = this.answer ? baseUrl : undefined;
    return Promise.resolve(this.answer);
  }
  close(): void {
    this.url = undefined;
  }
  end(): void {
    this.url = undefined;
    this.ended.fire();
  }
  dispose(): void {
    this.ended.dispose();
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('connection monitor (idle keep-alive connection)', () => {
  it('keeps one idle connection while connected, and polls nothing', async () => {
    const clock = new FakeClock();
    const line = new FakeLine();
    const state = { mode: 'up' as Mode, calls: 0 };
    const monitor = new ConnectionMonitor(fakeClient(state), { timers: clock, line, now: () => clock.now() });
    assert.equal((await monitor.check()).kind, 'connected');
    assert.deepEqual(line.opened, ['http://127.0.0.1:39300']);
    assert.equal(clock.nextAt(), undefined, 'no timer while connected');
    await monitor.check(); // a check while it is open opens nothing more
    assert.deepEqual(line.opened, ['http://127.0.0.1:39300']);
    monitor.dispose();
  });

  it('when it ends, opens it again at once: Pieces OS answers (it only closed an idle connection), or a check says it quit', async () => {
    const clock = new FakeClock();
    const line = new FakeLine();
    const state = { mode: 'up' as Mode, calls: 0 };
    const monitor = new ConnectionMonitor(fakeClient(state), { timers: clock, line, now: () => clock.now() });
    const kinds: string[] = [];
    monitor.onDidChange((s) => kinds.push(s.kind));
    await monitor.check();
    await clock.advance(120_000); // idle for two minutes, then closed by the server
    line.end();
    await settle();
    assert.equal(line.opened.length, 2, 'opened again at once');
    assert.equal(monitor.state.kind, 'connected');
    const checksBefore = state.calls;
    await clock.advance(120_000);
    state.mode = 'down'; // Pieces OS quits: its connection ends, and it cannot be opened again
    line.answer = false;
    line.end();
    await settle();
    await settle();
    assert.equal(monitor.state.kind, 'notRunning', 'told at once, without waiting for a timer');
    assert.ok(state.calls > checksBefore, 'the check asked Pieces OS');
    assert.deepEqual(kinds, ['connected', 'notRunning']);
    monitor.dispose();
  });

  it('an idle connection refused while Pieces OS answers (a proxy, say): one check, then tries with backoff, not a loop', async () => {
    const clock = new FakeClock();
    const line = new FakeLine();
    line.answer = false;
    const state = { mode: 'up' as Mode, calls: 0 };
    const monitor = new ConnectionMonitor(fakeClient(state), { timers: clock, line, now: () => clock.now() });
    await monitor.check();
    for (let i = 0; i < 5; i++) await settle();
    assert.equal(monitor.state.kind, 'connected');
    assert.equal(state.calls, 2, 'the first check and one more after the connection was refused');
    assert.equal(line.opened.length, 2);
    assert.ok(clock.nextAt() !== undefined, 'the next try waits for a timer');
    monitor.dispose();
  });

  it('a server that closes idle connections at once is asked again with backoff, not in a loop', async () => {
    const clock = new FakeClock();
    const line = new FakeLine();
    const monitor = new ConnectionMonitor(fakeClient({ mode: 'up', calls: 0 }), { timers: clock, line, now: () => clock.now() });
    await monitor.check();
    line.end(); // at once after it opened: it may be Pieces OS quitting, so it is opened again at once
    await settle();
    assert.equal(line.opened.length, 2, 'opened again at once the first time');
    line.end(); // at once again: a server that keeps no idle connection
    await settle();
    assert.equal(line.opened.length, 2, 'not opened again at once the second time');
    const due = clock.nextAt();
    assert.ok(due !== undefined && due - clock.now() >= 800, 'opened again after a backoff delay');
    await clock.advance(due - clock.now(), settle);
    assert.equal(line.opened.length, 3);
    monitor.dispose();
  });
});

describe('connection monitor against the stand-in: Pieces OS quits while connected', function () {
  this.timeout(10_000);

  interface Watched {
    standIn: StandIn;
    line: KeepAliveConnection;
    clock: FakeClock;
    monitor: ConnectionMonitor;
    /** The idle connection's own requests. */
    requests: RequestRecord[];
    /** The state kinds the monitor announced. */
    kinds: string[];
    /** How many health requests the stand-in answered. */
    health(): number;
  }

  /** A stand-in and a monitor with a real idle connection to it; retries wait for the fake clock. */
  async function watching(options: StandInOptions, run: (w: Watched) => Promise<void>): Promise<void> {
    const standIn = await startStandIn({ port: 0, ...options });
    const requests: RequestRecord[] = [];
    const line = new KeepAliveConnection({ onRequest: (record) => requests.push(record) });
    const clock = new FakeClock();
    const monitor = new ConnectionMonitor(new PiecesClient({ baseUrl: standIn.url, timeoutMs: 1000 }), { timers: clock, line });
    const kinds: string[] = [];
    monitor.onDidChange((state) => kinds.push(state.kind));
    const health = (): number => standIn.requests.filter((r) => r.path === '/.well-known/health').length;
    try {
      await run({ standIn, line, clock, monitor, requests, kinds, health });
    } finally {
      monitor.dispose();
      line.dispose();
      await standIn.stop();
    }
  }

  it('the state says "not running" within moments of the stand-in going away, with no polling before', () =>
    watching({}, async ({ standIn, line, clock, monitor, requests, health }) => {
      assert.equal((await monitor.check()).kind, 'connected');
      await until(() => line.isOpenTo(standIn.url), 'the idle connection to open');
      assert.equal(clock.nextAt(), undefined, 'nothing is polled while connected');
      const healthBefore = health();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(health(), healthBefore, 'no request while idle');

      const quit = Date.now();
      await standIn.stop();
      await until(() => monitor.state.kind === 'notRunning', '"not running"');
      const tookMs = Date.now() - quit;
      assert.ok(tookMs < 2000, `told after ${tookMs} ms`);
      assert.ok(
        requests.some((r) => r.error !== undefined),
        'the idle connection could not be opened again',
      );
    }));

  // node's server closes an idle connection a moment after its keepAliveTimeout (here after about 3 s).
  it('the stand-in closing an idle connection is not quitting: it is opened again at once and the state stays', () =>
    watching({ idleTimeoutMs: 2000 }, async ({ standIn, line, clock, monitor, kinds, health }) => {
      await monitor.check();
      await until(() => line.isOpenTo(standIn.url), 'the idle connection to open');
      const opened = health();
      await until(
        () => health() === opened + 1 && line.isOpenTo(standIn.url),
        'one health request to open it again after the stand-in closed it',
        6000,
      );
      assert.equal(clock.nextAt(), undefined, 'no timer: it was opened again at once');
      assert.deepEqual(kinds, ['connected'], 'the state never changed');
    }));

  // Under 1 s, node's server announces "Keep-Alive: timeout=0", and node's client drops each connection at once.
  it('a server that keeps no idle connection open is asked again once at once, then with backoff', () =>
    watching({ idleTimeoutMs: 500 }, async ({ clock, monitor, health }) => {
      await monitor.check();
      await until(() => clock.nextAt() !== undefined, 'a backoff timer');
      const asked = health();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(health(), asked, 'not asked in a loop');
      assert.equal(monitor.state.kind, 'connected');
    }));
});

async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
