// Bounded answers: whatever a service streams, the client reads at most its limit, cancels the rest,
// and gives up on the whole answer (headers and body) at its deadline. Raw loopback servers play the
// misbehaving service; each test stops its own.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { BadResponseError, ServiceUnreachableError } from '../../src/core/pieces/errors';
import { PiecesClient } from '../../src/core/pieces/client';
import { MAX_ANSWER_BYTES } from '../../src/core/pieces/answer';
import { type StandIn, DEFAULT_USER_ID, startStandIn } from '../../stand-in/server';
import { FAKE_KEY, assertNoSecrets, rejectsWith } from './helpers';

const MB = 1024 * 1024;
const USER_JSON = JSON.stringify({ user: { id: 'u1', name: 'Ada' } });

interface Misbehaving {
  url: string;
  /** Bytes the server managed to write before the client went away. */
  written: () => number;
  /** How many connections that carried a misbehaving answer are still open (idle kept-alive ones do not count). */
  openAnswers: () => number;
  close: () => Promise<void>;
}

/**
 * A server whose `/user` answers as Pieces OS does (so that key calls get past the identity check)
 * and whose every other path answers with `answer`.
 */
async function misbehaving(answer: (res: http.ServerResponse, count: (bytes: number) => void) => void): Promise<Misbehaving> {
  let written = 0;
  const sockets = new Set<Socket>();
  const answering = new Set<Socket>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/user') return void res.writeHead(200, { 'content-type': 'application/json' }).end(USER_JSON);
      if (res.socket) answering.add(res.socket);
      answer(res, (bytes) => (written += bytes));
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    written: () => written,
    openAnswers: () => [...answering].filter((socket) => !socket.destroyed).length,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Writes `chunk` as fast as the client reads, `total` bytes in all (Infinity: forever). */
function pump(res: http.ServerResponse, chunk: Buffer, total: number, count: (bytes: number) => void): void {
  let left = total;
  const more = (): void => {
    while (left > 0 && !res.destroyed) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      count(part.length);
      if (!res.write(part)) return void res.once('drain', more);
    }
    if (left <= 0 && !res.destroyed) res.end();
  };
  res.on('error', () => undefined);
  more();
}

describe('PiecesClient: bounded answers', function () {
  this.timeout(30_000);
  const servers: Misbehaving[] = [];
  const serve = async (answer: Parameters<typeof misbehaving>[0]): Promise<Misbehaving> => {
    const server = await misbehaving(answer);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function expectTooLarge(server: Misbehaving, call: (client: PiecesClient) => Promise<unknown>): Promise<number> {
    const client = new PiecesClient({ baseUrl: server.url, timeoutMs: 10_000 });
    const started = performance.now();
    const error = await rejectsWith(() => call(client), BadResponseError);
    const elapsed = performance.now() - started;
    assert.equal(error.tooLarge, true);
    assert.match(error.message, /larger than 1024 KB/);
    assert.doesNotMatch(error.message, /could not be reached|not running/);
    assertNoSecrets(error);
    return elapsed;
  }

  it('a 200 that streams forever: stops at the limit, cancels the rest, and closes the connection', async () => {
    const server = await serve((res, count) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      pump(res, Buffer.alloc(64 * 1024, ' '), Infinity, count);
    });
    const elapsed = await expectTooLarge(server, (client) => client.createKey('u1', { apiKey: FAKE_KEY }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(server.openAnswers(), 0, 'the endless answer was not cancelled');
    assert.ok(server.written() < 32 * MB, `the server wrote ${server.written()} bytes before the client stopped it`);
    console.log(`      (endless answer: cut after ${elapsed.toFixed(0)} ms; the server wrote ${(server.written() / MB).toFixed(1)} MB)`);
  });

  it('a declared 50 MB body is refused from its content-length, without reading it', async () => {
    const server = await serve((res, count) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(50 * MB) });
      pump(res, Buffer.alloc(64 * 1024, ' '), 50 * MB, count);
    });
    await expectTooLarge(server, (client) => client.getUser().then(() => client.deleteKey('u1')));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(server.openAnswers(), 0);
    assert.ok(server.written() < 32 * MB, `the server wrote ${server.written()} bytes`);
  });

  it('50 MB sent chunked, and one huge line in one write, are cut at the limit', async () => {
    const chunked = await serve((res, count) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      pump(res, Buffer.alloc(256 * 1024, 'a'), 50 * MB, count);
    });
    await expectTooLarge(chunked, (client) => client.updateKey('u1', { apiKey: FAKE_KEY }));
    const oneLine = await serve((res, count) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const line = Buffer.from(`{"metadata":{"global_id":"g","x":"${'y'.repeat(20 * MB)}"}}`);
      count(line.length);
      res.end(line);
    });
    await expectTooLarge(oneLine, (client) => client.createKey('u1', { apiKey: FAKE_KEY }));
  });

  it('a body just under the limit is read whole', async () => {
    const server = await serve((res) => {
      const pad = 'z'.repeat(MAX_ANSWER_BYTES - 200);
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"metadata":{"global_id":"g","pad":"${pad}"}}`);
    });
    const answer = await new PiecesClient({ baseUrl: server.url }).deleteKey('u1');
    assert.equal(answer.metadata.global_id, 'g');
  });

  it('JSON nested too deeply or in too many parts is refused before it is parsed', async () => {
    const deep = await serve((res) => res.writeHead(200, { 'content-type': 'application/json' }).end('['.repeat(100_000)));
    const error = await rejectsWith(() => new PiecesClient({ baseUrl: deep.url }).deleteKey('u1'), BadResponseError);
    assert.match(error.message, /nested too deeply|too many parts/);
    const many = await serve((res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`[${'{},'.repeat(200_000)}{}]`));
    await rejectsWith(() => new PiecesClient({ baseUrl: many.url }).deleteKey('u1'), BadResponseError);
  });

  it('headers, then silence: the deadline covers the body too', async () => {
    const server = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"metadata":');
    });
    const started = performance.now();
    const error = await rejectsWith(
      () => new PiecesClient({ baseUrl: server.url, timeoutMs: 300 }).createKey('u1', { apiKey: FAKE_KEY }),
      ServiceUnreachableError,
    );
    const elapsed = performance.now() - started;
    assert.equal(error.reason, 'timeout');
    assert.ok(elapsed >= 250 && elapsed < 2000, `gave up after ${elapsed} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(server.openAnswers(), 0, 'the stalled connection was left open');
  });

  it('an error answer that streams forever is cut too: the status error keeps at most a short excerpt', async () => {
    const server = await serve((res, count) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      pump(res, Buffer.from(`oops ${FAKE_KEY} `.repeat(1000)), Infinity, count);
    });
    const started = performance.now();
    const error = await rejectsWith(() => new PiecesClient({ baseUrl: server.url }).createKey('u1', { apiKey: FAKE_KEY }), Error);
    assert.ok(performance.now() - started < 5000);
    assert.equal((error as { status?: number }).status, 500);
    assert.ok(error.message.length < 300, error.message);
    assertNoSecrets(error);
  });

  describe("with the stand-in's faults", () => {
    let standIn: StandIn;
    before(async () => {
      standIn = await startStandIn();
    });
    after(async () => {
      await standIn.stop();
    });
    beforeEach(() => standIn.reset());

    it('stream and huge are bad responses that say the answer was too large, and change nothing', async () => {
      const client = new PiecesClient({ baseUrl: standIn.url, timeoutMs: 10_000 });
      standIn.failNext(1, 'stream', { paths: ['/external_provider/api_key/create'] });
      standIn.failNext(1, 'huge', { paths: ['/user'], bytes: 50 * MB });
      // GET /user first: a key call's identity check would take the /user fault otherwise.
      for (const call of [() => client.getUser(), () => client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY })]) {
        const error = await rejectsWith(call, BadResponseError);
        assert.equal(error.tooLarge, true);
        assertNoSecrets(error);
      }
      assert.equal(standIn.openAI, undefined);
    });
  });
});
