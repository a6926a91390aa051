// Identity before keys: the client sends a key only to an address whose GET /user answered, as Pieces
// OS does, for that very user — and never retries a key call anywhere else. Two stand-ins and
// impostors on loopback play Pieces OS before and after a restart, and whatever took its port.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { ServiceLocator } from '../../src/core/pieces/discovery';
import {
  BadResponseError,
  NotFoundError,
  NotSignedInError,
  ServiceUnreachableError,
  ServiceUrlRefusedError,
  UnauthorizedError,
  UserChangedError,
} from '../../src/core/pieces/errors';
import { IDENTITY_MAX_AGE_MS, IDENTITY_WHILE_CONNECTED, PiecesClient } from '../../src/core/pieces/client';
import { piecesServicePort } from '../../src/core/pieces/servicePort';
import { SyncEngine } from '../../src/core/sync/engine';
import { type StandIn, DEFAULT_USER_ID, startStandIn } from '../../stand-in/server';
import { openTempStore, removeRoot } from '../support/tempStore';
import { FAKE_KEY, FAKE_KEY_2, assertNoSecrets, rejectsWith } from './helpers';

const CREATE = '/external_provider/api_key/create';
const calls = (standIn: StandIn): string[] => standIn.requests.map((entry) => `${entry.method} ${entry.path} ${entry.status}`);
const posts = (standIn: StandIn): number => standIn.requests.filter((entry) => entry.method === 'POST').length;

/** Starts stand-ins for the enclosing describe block; each test's are stopped after it. */
function standIns(): (options?: Parameters<typeof startStandIn>[0]) => Promise<StandIn> {
  const started: StandIn[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((service) => service.stop()));
  });
  return async (options = {}) => {
    const service = await startStandIn(options);
    started.push(service);
    return service;
  };
}

describe('PiecesClient: identity before keys', function () {
  this.timeout(20_000);
  const standIn = standIns();

  /** A client whose locator "discovers" whatever `where.url` says at the time, as re-discovery would. */
  function clientFor(
    where: { url: string },
    options: { now?: () => number; identityMaxAgeMs?: number } = {},
  ): { client: PiecesClient; locator: ServiceLocator } {
    const locator = new ServiceLocator({ configuredUrl: () => undefined, discover: async () => where.url });
    return { client: new PiecesClient({ baseUrl: locator, timeoutMs: 2000, ...options }), locator };
  }

  it('after Pieces OS moves to another port, the new address answers GET /user before any key reaches it', async () => {
    const before = await standIn();
    const after = await standIn();
    const where = { url: before.url };
    const { client } = clientFor(where);
    await client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY });
    assert.deepEqual(calls(before), ['GET /user 200', `POST ${CREATE} 200`]);

    await before.stop(); // Pieces OS quits …
    where.url = after.url; // … and comes back elsewhere
    const refused = await rejectsWith(() => client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY_2 }), ServiceUnreachableError);
    // Refused, or reset when it went out on a kept-alive connection that the restart closed.
    assert.ok(refused.reason === 'refused' || refused.reason === 'reset', refused.reason);
    assertNoSecrets(refused);
    assert.deepEqual(calls(after), [], 'a refused key call is not retried at the re-discovered address');

    await client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY_2 });
    assert.deepEqual(calls(after), ['GET /user 200', `POST ${CREATE} 200`], 'the new address was verified first');
    assert.equal(after.openAI?.api_key, FAKE_KEY_2);
  });

  it('a key call for the user verified before is refused where another user is signed in; it goes once that user is read', async () => {
    const before = await standIn();
    const after = await standIn({ userId: 'another-user-0002' });
    const where = { url: before.url };
    const { client } = clientFor(where);
    await client.getUser();
    await before.stop();
    where.url = after.url;
    await client.health(); // refused at the old port, so it looks again and answers at the new one
    const changed = await rejectsWith(() => client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY }), UserChangedError);
    assertNoSecrets(changed);
    assert.equal(posts(after), 0, 'no key call reached the other user');
    const user = await client.getUser(); // what the engine does on UserChangedError
    assert.equal(user.id, 'another-user-0002');
    await client.createKey(user.id, { apiKey: FAKE_KEY });
    assert.equal(after.openAI?.api_key, FAKE_KEY);
  });

  const impostors: Array<
    [string, { impostor?: 'notFound' | 'html'; userId?: string; wrongShapeUser?: true }, abstract new (...args: never[]) => Error]
  > = [
    ['answers /user with 404', { impostor: 'notFound' }, NotFoundError],
    ['answers /user with an HTML page', { impostor: 'html' }, BadResponseError],
    ['answers /user with JSON of the wrong shape', { wrongShapeUser: true }, BadResponseError],
    ['answers /user with a blank user id', { userId: '   ' }, NotSignedInError],
  ];
  for (const [label, options, expected] of impostors) {
    it(`a process that answers health but ${label} never receives a key`, async () => {
      const before = await standIn();
      const impostor = await standIn({
        ...(options.impostor ? { impostor: options.impostor } : {}),
        ...(options.userId ? { userId: options.userId } : {}),
      });
      if (options.wrongShapeUser) impostor.failNext(10, 'wrongShape', { paths: ['/user'] });
      const where = { url: before.url };
      const { client, locator } = clientFor(where);
      await client.getUser();
      // The port changed hands: re-discovery (after a failure, or a Refresh) finds the impostor.
      where.url = impostor.url;
      locator.invalidate();
      await client.health();
      for (const call of [
        () => client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY }),
        () => client.updateKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY_2 }),
        () => client.deleteKey(DEFAULT_USER_ID),
      ]) {
        assertNoSecrets(await rejectsWith(call, expected));
      }
      assert.equal(posts(impostor), 0, `the impostor was sent a key call: ${calls(impostor).join(', ')}`);
      assert.equal(posts(before), 0);
    });
  }

  it('an address change without any failure (a new setting) is verified too', async () => {
    const first = await standIn();
    const second = await standIn({ impostor: 'notFound' });
    let setting = first.url;
    const locator = new ServiceLocator({ configuredUrl: () => setting });
    const client = new PiecesClient({ baseUrl: locator, timeoutMs: 2000 });
    await client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY });
    setting = second.url;
    await rejectsWith(() => client.deleteKey(DEFAULT_USER_ID), NotFoundError);
    assert.equal(posts(second), 0);
  });

  it('every key call asks GET /user first, even right after a GET /user (IDENTITY_MAX_AGE_MS is 0)', async () => {
    assert.equal(IDENTITY_MAX_AGE_MS, 0);
    const service = await standIn();
    const { client } = clientFor({ url: service.url });
    await client.getUser();
    await client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY });
    await client.updateKey(DEFAULT_USER_ID, { name: 'Renamed' });
    await client.deleteKey(DEFAULT_USER_ID);
    assert.deepEqual(calls(service), [
      'GET /user 200',
      'GET /user 200',
      `POST ${CREATE} 200`,
      'GET /user 200',
      'POST /external_provider/api_key/update 200',
      'GET /user 200',
      'POST /external_provider/api_key/delete 200',
    ]);
  });

  it('a process that took the port since the last key call, with nothing failing in between, is asked first and sent nothing', async () => {
    const service = await standIn();
    const { client } = clientFor({ url: service.url });
    await client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY });
    await service.stop();
    service.impostor = 'notFound'; // another web server on the very same port, a moment later
    await service.restart();
    await new Promise((resolve) => setTimeout(resolve, 50)); // fetch notices the old process's connection has closed
    assertNoSecrets(await rejectsWith(() => client.updateKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY_2 }), NotFoundError));
    assert.deepEqual(calls(service).slice(0, 2), ['GET /user 200', `POST ${CREATE} 200`]);
    assert.deepEqual(
      calls(service)
        .slice(2)
        .filter((line) => !line.startsWith('GET /user ')),
      [],
      'the newcomer was sent a key call',
    );
    assert.ok(calls(service).includes('GET /user 404'), calls(service).join(', '));
  });

  it('with a window configured, the same address is verified again after it was invalidated, and once the window has passed', async () => {
    const service = await standIn();
    let now = 0;
    const where = { url: service.url };
    const { client, locator } = clientFor(where, { now: () => now, identityMaxAgeMs: 10_000 });
    await client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY });
    await client.updateKey(DEFAULT_USER_ID, { name: 'Renamed' });
    assert.deepEqual(
      calls(service).map((line) => line.split(' ')[1]),
      ['/user', CREATE, '/external_provider/api_key/update'],
      'verified once while fresh',
    );
    locator.invalidate(); // e.g. the user pressed Refresh: the process behind the port may have changed
    await client.updateKey(DEFAULT_USER_ID, { name: 'Again' });
    now += 10_001; // older than the window
    await client.deleteKey(DEFAULT_USER_ID);
    assert.deepEqual(
      calls(service)
        .map((line) => line.split(' ')[1])
        .slice(3),
      ['/user', '/external_provider/api_key/update', '/user', '/external_provider/api_key/delete'],
    );
  });

  it('a key call that fails midway is not retried, here or at a re-discovered address', async () => {
    const first = await standIn();
    const second = await standIn();
    const where = { url: first.url };
    const { client } = clientFor(where);
    await client.getUser();
    first.failNext(1, 'drop', { paths: [CREATE] });
    where.url = second.url;
    const error = await rejectsWith(() => client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY }), ServiceUnreachableError);
    assert.equal(error.reason, 'reset');
    // The key call asked the address it was about to use (the first one) and went nowhere else.
    assert.deepEqual(calls(first), ['GET /user 200', 'GET /user 200', `POST ${CREATE} 0`]);
    assert.deepEqual(calls(second), []);
  });

  it('a GET refused at the old address is retried at the re-discovered one, and verifies that address', async () => {
    const first = await standIn();
    const second = await standIn();
    const where = { url: first.url };
    const { client } = clientFor(where);
    await client.getUser();
    await first.stop();
    where.url = second.url;
    assert.equal((await client.getUser()).id, DEFAULT_USER_ID);
    await client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY });
    assert.deepEqual(
      calls(second),
      ['GET /user 200', 'GET /user 200', `POST ${CREATE} 200`],
      "the retried GET /user, then the key call's own check",
    );
  });

  it('a 401 on a key call blames the key only if the same user is still signed in there', async () => {
    const service = await standIn();
    const client = new PiecesClient({ baseUrl: service.url, timeoutMs: 2000 });
    await client.getUser();
    service.failNext(1, 'unauthorized', { paths: [CREATE] });
    await rejectsWith(() => client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY }), UnauthorizedError);
    // The 401 is followed by one GET /user at the same address: the same user, so the key is rejected.
    assert.deepEqual(calls(service), ['GET /user 200', 'GET /user 200', `POST ${CREATE} 401`, 'GET /user 200']);
    // Signed out in Pieces between the check and the call: the stand-in answers 401, and the GET /user after it says nobody.
    const signedOutMidway = await standIn();
    const racing = new PiecesClient({
      baseUrl: signedOutMidway.url,
      timeoutMs: 2000,
      rewrite: (request) => {
        if (request.path === CREATE) signedOutMidway.signedIn = false;
        return request;
      },
    });
    await rejectsWith(() => racing.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY }), NotSignedInError);
    assert.deepEqual(calls(signedOutMidway), ['GET /user 200', `POST ${CREATE} 401`, 'GET /user 200']);
    // Signed out before the call: the check before it sees nobody, and no key is sent.
    service.signedIn = false;
    await rejectsWith(() => client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY }), NotSignedInError);
    assert.deepEqual(calls(service).slice(4), ['GET /user 200']);
  });

  it('while the service URL setting is refused, nothing is discovered or sent', async () => {
    const service = await standIn();
    let discoveries = 0;
    const locator = new ServiceLocator({
      configuredUrl: () => ({ refused: 'pieces.example.com is not on this computer.' }),
      discover: async () => {
        discoveries++;
        return service.url;
      },
    });
    const client = new PiecesClient({ baseUrl: locator, timeoutMs: 2000 });
    const error = await rejectsWith(() => client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY }), ServiceUrlRefusedError);
    assert.match(error.message, /not on this computer/);
    await rejectsWith(() => client.getUser(), ServiceUrlRefusedError);
    assert.equal(discoveries, 0);
    assert.deepEqual(calls(service), []);
  });
});

// The extension's setting (IDENTITY_WHILE_CONNECTED): what GET /user said on a connection holds while that
// connection stays open, and a key is written only on such a connection. The tests above show the client's
// default (asked before every key call); these show that the extension's rule keeps every guarantee.
describe('PiecesClient: identity per connection (the extension: an answer holds while its connection is open)', function () {
  this.timeout(20_000);
  const standIn = standIns();
  const servers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const connected = (baseUrl: string | ServiceLocator): PiecesClient =>
    new PiecesClient({ baseUrl, timeoutMs: 2000, identityMaxAgeMs: IDENTITY_WHILE_CONNECTED });
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

  it('key calls on the connection that answered GET /user for their user ask nothing more', async () => {
    const service = await standIn();
    const client = connected(service.url);
    await client.getUser();
    await client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY });
    await client.updateKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY_2 });
    await client.deleteKey(DEFAULT_USER_ID);
    assert.deepEqual(calls(service), [
      'GET /user 200',
      `POST ${CREATE} 200`,
      'POST /external_provider/api_key/update 200',
      'POST /external_provider/api_key/delete 200',
    ]);
  });

  for (const noticed of [true, false]) {
    it(`Pieces OS restarts between two key calls (${noticed ? 'its connection seen closing' : 'at once'}): the new process is asked first and, not being Pieces OS, gets nothing`, async () => {
      const service = await standIn();
      const client = connected(service.url);
      await client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY });
      await service.stop(); // its connections close with it
      service.impostor = 'notFound'; // another web server on the very same port
      await service.restart();
      if (noticed) await settle();
      const error = await rejectsWith(() => client.updateKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY_2 }), Error);
      assertNoSecrets(error);
      // Asked on a new connection (404: not Pieces OS), or written on the old one, which no process reads any more.
      assert.ok(error instanceof NotFoundError || (error instanceof ServiceUnreachableError && error.reason === 'reset'), String(error));
      const after = calls(service).slice(2);
      assert.deepEqual(
        after.filter((line) => !line.startsWith('GET /user ')),
        [],
        `the newcomer was sent a key call: ${after.join(', ')}`,
      );
      if (noticed) assert.deepEqual(after, ['GET /user 404']);
    });
  }

  it('Pieces OS restarts between two key calls: the new process answers GET /user on its connection before the key', async () => {
    const service = await standIn();
    const client = connected(service.url);
    await client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY });
    await service.restart();
    await settle();
    await client.updateKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY_2 });
    assert.deepEqual(calls(service), [
      'GET /user 200',
      `POST ${CREATE} 200`,
      'GET /user 200',
      'POST /external_provider/api_key/update 200',
    ]);
    assert.equal(service.openAI?.api_key, FAKE_KEY_2);
  });

  it('a server that closes the connection after every answer: each key call asks GET /user on its own connection, and no key is written', async () => {
    const server = await pretendPiecesOs({ closeEveryAnswer: true });
    servers.push(server);
    const client = connected(server.url);
    for (const call of [
      () => client.createKey('u1', { apiKey: FAKE_KEY }),
      () => client.updateKey('u1', { apiKey: FAKE_KEY_2 }),
      () => client.deleteKey('u1'),
    ]) {
      const error = await rejectsWith(call, ServiceUnreachableError);
      assert.equal(error.reason, 'closed');
      assert.equal(error.operation, 'GET /user', 'failed at the identity check, so the change is known not to be sent');
      assertNoSecrets(error);
    }
    const received = server.connections();
    assert.ok(
      received.every((bytes) => bytes === '' || bytes.startsWith('GET /user ')),
      `a connection began with something else: ${received.map((b) => b.split('\r\n')[0]).join(', ')}`,
    );
    assert.equal(
      received.filter((bytes) => bytes.startsWith('GET /user ')).length,
      6,
      'two checks per key call, each on its own connection',
    );
    assert.ok(
      received.every((bytes) => !bytes.includes('POST') && !bytes.includes(FAKE_KEY.slice(-8)) && !bytes.includes(FAKE_KEY_2.slice(-8))),
      'no key call, header or key byte reached the server',
    );
  });

  it("the user answered on the connection is not the call's user: refused before anything is sent", async () => {
    const service = await standIn({ userId: 'another-user-0002' });
    const client = connected(service.url);
    await client.getUser(); // the connection answered for another-user-0002
    for (const call of [
      () => client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY }),
      () => client.updateKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY_2 }),
      () => client.deleteKey(DEFAULT_USER_ID),
    ]) {
      assertNoSecrets(await rejectsWith(call, UserChangedError));
    }
    assert.equal(posts(service), 0);
    assert.deepEqual(calls(service), ['GET /user 200', 'GET /user 200', 'GET /user 200', 'GET /user 200']);
  });

  it('idle connections closed by the server between calls: the next key call asks on its new connection first', async () => {
    const server = await pretendPiecesOs({ closeEveryAnswer: false });
    servers.push(server);
    const client = connected(server.url);
    await client.createKey('u1', { apiKey: FAKE_KEY });
    server.closeIdle(); // as a server does with connections idle for long (without a Keep-Alive hint the client could act on)
    await settle();
    await client.updateKey('u1', { apiKey: FAKE_KEY_2 });
    await client.deleteKey('u1');
    assert.deepEqual(
      server.connections().map((bytes) => requestLines(bytes)),
      [
        ['GET /user', `POST ${CREATE}`],
        ['GET /user', 'POST /external_provider/api_key/update', 'POST /external_provider/api_key/delete'],
      ],
    );
  });

  it('a key call after the address was invalidated asks again, even on the same open connection', async () => {
    const service = await standIn();
    const locator = new ServiceLocator({ configuredUrl: () => undefined, discover: async () => service.url });
    const client = connected(locator);
    await client.createKey(DEFAULT_USER_ID, { apiKey: FAKE_KEY });
    locator.invalidate(); // Refresh, or a failure: the process behind the port may have changed
    await client.updateKey(DEFAULT_USER_ID, { name: 'Renamed' });
    assert.deepEqual(
      calls(service).map((line) => line.split(' ')[1]),
      ['/user', CREATE, '/user', '/external_provider/api_key/update'],
    );
  });

  it('when the engine has no user id yet, its GET /user is the only question before the key call', async () => {
    const service = await standIn();
    const temp = await openTempStore();
    const engine = new SyncEngine({ store: temp.store, service: piecesServicePort(connected(service.url)) });
    try {
      await temp.store.add({ provider: 'openai', name: 'Personal', secret: FAKE_KEY }, { choose: true });
      const [outcome] = await engine.drain({ now: true });
      assert.equal(outcome?.kind, 'pushed');
      // The engine's GET /user (its user id), the create on that same connection, then the comparison with what Pieces OS holds.
      assert.deepEqual(calls(service), ['GET /user 200', `POST ${CREATE} 200`, 'GET /user 200']);
    } finally {
      engine.dispose();
      temp.close();
      removeRoot(temp.root);
    }
  });
});

/**
 * A server that plays Pieces OS for user `u1` and records what each connection received; it closes every
 * connection after one answer (`Connection: close`) when told to, and its idle ones on `closeIdle()`.
 */
async function pretendPiecesOs(options: {
  closeEveryAnswer: boolean;
}): Promise<{ url: string; connections(): string[]; closeIdle(): void; close(): Promise<void> }> {
  const received: Buffer[][] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = req.url === '/user' ? JSON.stringify({ user: { id: 'u1' } }) : JSON.stringify({ metadata: { global_id: 'g' } });
      res.writeHead(200, { 'content-type': 'application/json', ...(options.closeEveryAnswer ? { connection: 'close' } : {}) }).end(body);
    });
  });
  server.keepAliveTimeout = 0; // no idle timeout, and no Keep-Alive hint: connections close when the test says
  server.on('connection', (socket: Socket) => {
    const bytes: Buffer[] = [];
    received.push(bytes);
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => bytes.push(chunk));
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    connections: () => received.map((chunks) => Buffer.concat(chunks).toString('latin1')),
    closeIdle: () => server.closeIdleConnections(),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The request lines ("METHOD path") in what one connection received (a body has no line break before the next request). */
function requestLines(bytes: string): string[] {
  return [...bytes.matchAll(/(GET|POST) (\/\S*) HTTP\/1\.1\r\n/g)].map((match) => `${match[1]} ${match[2]}`);
}
