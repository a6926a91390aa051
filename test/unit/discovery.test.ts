import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DISCOVERY_PORTS, LEGACY_PORTS, PRIORITY_GRACE_MS, ServiceLocator, discoverService } from '../../src/core/pieces/discovery';
import { ServiceUnreachableError, ServiceUrlRefusedError } from '../../src/core/pieces/errors';
import { PiecesClient } from '../../src/core/pieces/client';

/** Ports a developer's Pieces OS (or `npm start`) may use: never taken by these tests. */
const RESERVED = new Set([...DISCOVERY_PORTS, ...LEGACY_PORTS, 8080]);

/**
 * A tiny health peer on a real loopback socket, on a free port outside the reserved ones. `delayMs`
 * delays the health answer; `hang` accepts and never answers.
 */
async function listen(port = 0, options: { status?: number; hang?: boolean; delayMs?: number } = {}): Promise<http.Server> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = http.createServer((req, res) => {
      if (options.hang) return; // accept, never answer
      const answer = (): void => {
        if (req.url === '/.well-known/health') {
          res.writeHead(options.status ?? 200, { 'content-type': 'text/plain' }).end('ok');
        } else if (req.url === '/.well-known/version') {
          res.writeHead(200, { 'content-type': 'text/plain' }).end(`port-${(server.address() as AddressInfo).port}`);
        } else {
          res.writeHead(404).end();
        }
      };
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    if (port !== 0 || !RESERVED.has(portOf(server))) return server;
    await close(server);
  }
  throw new Error('no free port outside the reserved ones');
}

function portOf(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}

async function close(server: http.Server | undefined): Promise<void> {
  if (!server?.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A port where nothing listens (it was free a moment ago): connections are refused. */
async function closedPort(): Promise<number> {
  const server = await listen();
  const port = portOf(server);
  await close(server);
  return port;
}

async function openConnections(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((_, count) => resolve(count)));
}

describe('discovery (real sockets on 127.0.0.1, ports the test chose)', function () {
  this.timeout(15_000);
  let servers: http.Server[] = [];
  const serve = async (options: Parameters<typeof listen>[1] = {}): Promise<number> => {
    const server = await listen(0, options);
    servers.push(server);
    return portOf(server);
  };
  afterEach(async () => {
    await Promise.all(servers.map(close));
    servers = [];
  });
  const url = (port: number): string => `http://127.0.0.1:${port}`;

  it('probes the range in order and the legacy ports last, by default', () => {
    assert.deepEqual(
      DISCOVERY_PORTS,
      Array.from({ length: 34 }, (_, i) => 39300 + i),
    );
    assert.deepEqual(LEGACY_PORTS, [1000, 5323]);
  });

  it('finds a service that answers only on the last port of the range', async () => {
    const refused = [await closedPort(), await closedPort(), await closedPort()];
    const live = await serve();
    assert.equal(await discoverService({ portGroups: [[...refused, live], [await closedPort()]] }), url(live));
  });

  it('skips a port whose health check does not answer 200', async () => {
    const failing = await serve({ status: 503 });
    const live = await serve();
    assert.equal(await discoverService({ portGroups: [[failing, live]] }), url(live));
  });

  it('finds a service on a legacy port when nothing in the range answers', async () => {
    const legacy = await serve();
    assert.equal(await discoverService({ portGroups: [[await closedPort(), await closedPort()], [legacy]] }), url(legacy));
  });

  it('takes the port of highest priority among those that answer, not the fastest', async () => {
    const range = await serve({ delayMs: 30 });
    const legacy = await serve();
    // With room to wait, the range port wins although the legacy port answered first …
    assert.equal(await discoverService({ portGroups: [[range], [legacy]], graceMs: 1000 }), url(range));
    // … and without, the first answer is taken: a port that has not answered by then is not waited for.
    assert.equal(await discoverService({ portGroups: [[range], [legacy]], graceMs: 0 }), url(legacy));
    const second = await serve();
    assert.equal(await discoverService({ portGroups: [[second, legacy]], graceMs: 1000 }), url(second));
  });

  it(`a port that accepts and never answers costs at most the grace (${PRIORITY_GRACE_MS} ms) when another port answers`, async () => {
    const hung = await serve({ hang: true });
    const legacyHung = await serve({ hang: true });
    const live = await serve();
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      // The hung ports have the higher (range) and lower (legacy) priority; the probe timeout is far away.
      assert.equal(await discoverService({ portGroups: [[hung, live], [legacyHung]], probeTimeoutMs: 5000 }), url(live));
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    console.log(`      (one port hung, another answered: found in ${samples.map((ms) => ms.toFixed(1)).join(', ')} ms)`);
    assert.ok((samples[2] ?? Infinity) < 100, `median ${samples[2]} ms: the hung port was waited for`);
  });

  it('a hung legacy port does not delay an answer from the range', async () => {
    const live = await serve();
    const hung = await serve({ hang: true });
    const started = performance.now();
    assert.equal(await discoverService({ portGroups: [[live], [hung]], probeTimeoutMs: 5000 }), url(live));
    assert.ok(performance.now() - started < 1000);
  });

  it('gives up as soon as every port has refused, well before the probe timeout', async () => {
    const ports = await Promise.all(Array.from({ length: 8 }, () => closedPort()));
    const started = performance.now();
    assert.equal(await discoverService({ portGroups: [ports.slice(0, 6), ports.slice(6)], probeTimeoutMs: 5000 }), undefined);
    const elapsed = performance.now() - started;
    console.log(`      (nothing listening: gave up after ${elapsed.toFixed(1)} ms)`);
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  });

  it('is bounded by the probe timeout when the only listening port never answers', async () => {
    const hung = await serve({ hang: true });
    const started = performance.now();
    assert.equal(await discoverService({ portGroups: [[hung, await closedPort()]], probeTimeoutMs: 200 }), undefined);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 150 && elapsed < 1500, `took ${elapsed} ms`);
  });

  it("closes the losing probes' sockets, so a hung port is left with no open connection", async () => {
    const hungServer = await listen(0, { hang: true });
    servers.push(hungServer);
    const live = await serve();
    assert.equal(await discoverService({ portGroups: [[portOf(hungServer), live]], probeTimeoutMs: 5000, graceMs: 0 }), url(live));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await openConnections(hungServer), 0);
  });

  it('stops when the caller aborts, before or during the probes', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(discoverService({ signal: controller.signal }), { name: 'AbortError' });
    const hung = await serve({ hang: true });
    const during = new AbortController();
    setTimeout(() => during.abort(), 50);
    await assert.rejects(discoverService({ portGroups: [[hung]], probeTimeoutMs: 5000, signal: during.signal }), { name: 'AbortError' });
  });

  it('with the default ports, answers within a second whether or not Pieces OS runs here', async () => {
    const started = performance.now();
    const found = await discoverService();
    assert.ok(found === undefined || /^http:\/\/127\.0\.0\.1:\d+$/.test(found), String(found));
    assert.ok(performance.now() - started < 1000);
  });
});

describe('ServiceLocator', () => {
  it('prefers the configured URL and never discovers then', async () => {
    let discoveries = 0;
    const locator = new ServiceLocator({
      configuredUrl: () => 'http://127.0.0.1:4000/',
      discover: async () => {
        discoveries++;
        return 'http://127.0.0.1:1';
      },
    });
    assert.equal(await locator.resolve(), 'http://127.0.0.1:4000');
    assert.equal(locator.isPinned, true);
    assert.equal(discoveries, 0);
  });

  it('caches a discovered URL, shares one discovery among concurrent callers, and looks again after invalidate', async () => {
    let discoveries = 0;
    const locator = new ServiceLocator({
      configuredUrl: () => '',
      discover: async () => {
        discoveries++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return `http://127.0.0.1:${39300 + discoveries}`;
      },
    });
    const [a, b] = await Promise.all([locator.resolve(), locator.resolve()]);
    assert.equal(a, 'http://127.0.0.1:39301');
    assert.equal(b, a);
    assert.equal(await locator.resolve(), a);
    assert.equal(discoveries, 1);
    locator.invalidate();
    assert.equal(await locator.resolve(), 'http://127.0.0.1:39302');
    assert.equal(discoveries, 2);
  });

  it('throws a "not running" error when discovery finds nothing', async () => {
    const locator = new ServiceLocator({ configuredUrl: () => undefined, discover: async () => undefined });
    await assert.rejects(locator.resolve(), (error: unknown) => {
      assert.ok(error instanceof ServiceUnreachableError);
      assert.equal(error.reason, 'notFound');
      assert.match(error.message, /Pieces OS is not running/);
      return true;
    });
  });

  it('while the setting holds a refused URL, resolve throws ServiceUrlRefusedError with the reason and never discovers', async () => {
    let discoveries = 0;
    let setting: string | { refused: string } = { refused: 'pieces.example.com is not on this computer.' };
    const locator = new ServiceLocator({
      configuredUrl: () => setting,
      discover: async () => {
        discoveries++;
        return 'http://127.0.0.1:1';
      },
    });
    await assert.rejects(locator.resolve(), (error: unknown) => {
      assert.ok(error instanceof ServiceUrlRefusedError);
      assert.equal(error.kind, 'refusedUrl');
      assert.equal(error.reason, 'pieces.example.com is not on this computer.');
      assert.match(error.message, /providerKeys\.serviceUrl.*refused.*not on this computer/);
      return true;
    });
    assert.equal(locator.current, undefined);
    assert.equal(locator.isPinned, true);
    assert.equal(locator.refusedReason, 'pieces.example.com is not on this computer.');
    assert.equal(discoveries, 0);
    setting = '';
    assert.equal(await locator.resolve(), 'http://127.0.0.1:1', 'clearing the setting discovers again');
    assert.equal(locator.refusedReason, undefined);
  });

  it('bumps its generation when the address may have changed: invalidated, or resolved to another URL', async () => {
    let setting = 'http://127.0.0.1:4000';
    const locator = new ServiceLocator({ configuredUrl: () => setting });
    await locator.resolve();
    const first = locator.generation;
    await locator.resolve();
    assert.equal(locator.generation, first, 'the same URL again is no change');
    setting = 'http://127.0.0.1:4001';
    await locator.resolve();
    assert.ok(locator.generation > first);
    const second = locator.generation;
    locator.invalidate();
    assert.ok(locator.generation > second);
  });

  it('re-discovers after a refused connection and retries the call on the new port', async () => {
    const first = await listen(0);
    const firstUrl = `http://127.0.0.1:${(first.address() as AddressInfo).port}`;
    const second = await listen(0);
    const secondUrl = `http://127.0.0.1:${(second.address() as AddressInfo).port}`;
    try {
      let next = firstUrl;
      const locator = new ServiceLocator({ configuredUrl: () => undefined, discover: async () => next });
      const client = new PiecesClient({ baseUrl: locator });
      assert.match(await client.version(), /^port-/);
      await close(first); // Pieces OS restarts on another port
      next = secondUrl;
      assert.equal(await client.version(), `port-${(second.address() as AddressInfo).port}`);
      assert.equal(locator.current, secondUrl);
    } finally {
      await close(first);
      await close(second);
    }
  });
});
