import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceLocator, discoverService } from '../../src/core/discovery';
import { ServiceUnreachableError } from '../../src/core/errors';
import { PiecesClient } from '../../src/core/piecesClient';

/** A tiny health-only peer on a real loopback socket. */
async function listen(port: number, status = 200, hang = false): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (hang) return; // accept, never answer
    if (req.url === '/.well-known/health') {
      res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    } else if (req.url === '/.well-known/version') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`port-${(server.address() as AddressInfo).port}`);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

async function close(server: http.Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function canBind(port: number): Promise<boolean> {
  try {
    await close(await listen(port));
    return true;
  } catch {
    return false;
  }
}

describe('discovery (real sockets on 127.0.0.1)', function () {
  this.timeout(10000);
  let servers: http.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.map(close));
    servers = [];
  });

  before(async function () {
    // A real Pieces OS on this machine would answer instead of the test's peers. (Checking that the
    // ports can be bound would not do: ports 39300–39333 lie in Linux's ephemeral range, so a probe
    // to a closed port can connect to itself and leave that port in TIME_WAIT for a minute.)
    const running = await discoverService();
    if (running) {
      console.log(`      (skipping discovery cases: a service already answers at ${running})`);
      this.skip();
    }
  });

  it('finds a service that listens only on the last port, 39333', async () => {
    servers.push(await listen(39333));
    assert.equal(await discoverService(), 'http://127.0.0.1:39333');
  });

  it('skips a port whose health check does not answer 200', async () => {
    servers.push(await listen(39300, 503), await listen(39310));
    assert.equal(await discoverService(), 'http://127.0.0.1:39310');
  });

  it('finds a service on a legacy port when the current range is empty', async function () {
    const port = (await canBind(5323)) ? 5323 : (await canBind(1000)) ? 1000 : undefined;
    if (port === undefined) {
      console.log('      (skipped: neither legacy port 5323 nor 1000 can be bound here)');
      this.skip();
    }
    servers.push(await listen(port));
    assert.equal(await discoverService(), `http://127.0.0.1:${port}`);
  });

  it('gives up well under a second when nothing listens', async () => {
    const started = performance.now();
    assert.equal(await discoverService(), undefined);
    const elapsed = performance.now() - started;
    console.log(`      (nothing listening: gave up after ${elapsed.toFixed(0)} ms)`);
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  });

  it('is bounded by the probe timeout when a port accepts but never answers', async () => {
    servers.push(await listen(39301, 200, true));
    const started = performance.now();
    assert.equal(await discoverService({ probeTimeoutMs: 200 }), undefined);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  });

  it('the first answer wins and the losing probes are cancelled', async () => {
    const hanging = await listen(39302, 200, true);
    servers.push(hanging, await listen(39320));
    const started = performance.now();
    assert.equal(await discoverService({ probeTimeoutMs: 5000 }), 'http://127.0.0.1:39320');
    assert.ok(performance.now() - started < 1000, 'waited for the hanging probe');
    // The aborted probe's socket is closed by the client, so the hanging server sees no open connection.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const open = await new Promise<number>((resolve) => hanging.getConnections((_, count) => resolve(count)));
    assert.equal(open, 0);
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(discoverService({ signal: controller.signal }), { name: 'AbortError' });
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
