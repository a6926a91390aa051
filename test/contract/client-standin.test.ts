// PiecesClient against the stand-in: every endpoint (checking what the stand-in then holds) and
// every error class. No error, in any form, may carry key bytes.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import {
  BadResponseError,
  CancelledError,
  InvalidInputError,
  NotSignedInError,
  ServerError,
  ServiceUnreachableError,
  UnauthorizedError,
  UserChangedError,
} from '../../src/core/pieces/errors';
import { type Outgoing, type RequestRecord, PiecesClient } from '../../src/core/pieces/client';
import { type StandIn, DEFAULT_VERSION, GLOBAL_ID, UNAUTHORIZED_TEXT, startStandIn } from '../../stand-in/server';
import { FAKE_KEY, FAKE_KEY_2, FAKE_ORG, assertNoSecrets, rawPost, rejectsWith } from './helpers';

const CREATE = '/external_provider/api_key/create';

describe('PiecesClient against the stand-in', function () {
  let standIn: StandIn;
  let records: RequestRecord[];
  let client: PiecesClient;
  const makeClient = (options: { timeoutMs?: number; rewrite?: (request: Outgoing) => Outgoing; baseUrl?: string } = {}): PiecesClient =>
    new PiecesClient({
      baseUrl: options.baseUrl ?? standIn.url,
      timeoutMs: options.timeoutMs ?? 3000,
      onRequest: (record) => records.push(record),
      ...(options.rewrite ? { rewrite: options.rewrite } : {}),
    });

  before(async () => {
    standIn = await startStandIn();
  });
  after(async () => {
    await standIn.stop();
  });
  beforeEach(() => {
    standIn.reset();
    records = [];
    client = makeClient();
  });

  describe('endpoints', () => {
    it('health and version', async () => {
      await client.health();
      assert.equal(await client.version(), DEFAULT_VERSION);
      assert.deepEqual(
        standIn.requests.map((entry) => `${entry.method} ${entry.path} ${entry.status}`),
        ['GET /.well-known/health 200', 'GET /.well-known/version 200'],
      );
    });

    it('getUser, createKey, updateKey, deleteKey keep the stand-in in step', async () => {
      const user = await client.getUser();
      assert.equal(user.id, standIn.userId);
      assert.equal(user.openAI, undefined);

      const created = await client.createKey(user.id, { apiKey: FAKE_KEY, name: 'Work', organization: FAKE_ORG });
      assert.equal(created.metadata.global_id, GLOBAL_ID);
      assert.deepEqual(standIn.openAI, { api_key: FAKE_KEY, api_key_name: 'Work', organization_key: FAKE_ORG });
      assert.deepEqual((await client.getUser()).openAI, standIn.openAI);

      await client.updateKey(user.id, { name: 'Work (renamed)' });
      assert.deepEqual(standIn.openAI, { api_key: FAKE_KEY, api_key_name: 'Work (renamed)', organization_key: FAKE_ORG });

      const updated = await client.updateKey(user.id, { apiKey: FAKE_KEY_2 });
      assert.equal(updated.metadata.open_AI?.api_key, FAKE_KEY_2);
      assert.equal(standIn.openAI?.api_key, FAKE_KEY_2);

      const deleted = await client.deleteKey(user.id);
      assert.equal(deleted.metadata.open_AI, undefined);
      assert.equal(standIn.openAI, undefined);
      assert.equal((await client.getUser()).openAI, undefined);
      assert.ok(standIn.requests.every((entry) => entry.status === 200));
    });

    it('reports each request to onRequest without bodies', async () => {
      await client.createKey(standIn.userId, { apiKey: FAKE_KEY });
      assert.deepEqual(
        records.map((entry) => `${entry.method} ${entry.path}`),
        ['GET /user', `POST ${CREATE}`],
        'the identity check, then the key call',
      );
      const record = records[1];
      assert.deepEqual(Object.keys(record ?? {}).sort(), ['baseUrl', 'durationMs', 'method', 'path', 'status']);
      assert.ok(!JSON.stringify(records).includes(FAKE_KEY));
    });
  });

  describe('errors', () => {
    it('unreachable: a stopped service refuses the connection', async () => {
      const gone = await startStandIn();
      await gone.stop();
      const error = await rejectsWith(
        () => makeClient({ baseUrl: gone.url }).createKey('u', { apiKey: FAKE_KEY }),
        ServiceUnreachableError,
      );
      assert.equal(error.reason, 'refused');
      assert.equal(records.at(-1)?.status, undefined);
      assertNoSecrets(error);
    });

    it('unreachable: a slow answer times out (timeoutMs)', async () => {
      standIn.failNext(1, 'delay', { delayMs: 2000 });
      const started = performance.now();
      const error = await rejectsWith(() => makeClient({ timeoutMs: 100 }).getUser(), ServiceUnreachableError);
      assert.equal(error.reason, 'timeout');
      assert.ok(performance.now() - started < 1500);
    });

    it('unreachable: a dropped connection is a reset, for GET and for POST', async () => {
      standIn.failNext(1, 'drop', { paths: ['/user'] });
      standIn.failNext(1, 'drop', { paths: [CREATE] });
      const get = await rejectsWith(() => client.getUser(), ServiceUnreachableError);
      assert.equal(get.reason, 'reset');
      const post = await rejectsWith(() => client.createKey(standIn.userId, { apiKey: FAKE_KEY }), ServiceUnreachableError);
      assert.equal(post.reason, 'reset');
      assertNoSecrets(post);
      assert.equal(standIn.openAI, undefined);
      // The POST's identity check (GET /user) answered; the dropped POST itself was not retried.
      assert.deepEqual(
        standIn.requests.map((entry) => `${entry.method} ${entry.path} ${entry.status}`),
        ['GET /user 0', 'GET /user 200', 'POST /external_provider/api_key/create 0'],
      );
    });

    it('unreachable: a body cut off midway is a reset', async () => {
      standIn.failNext(1, 'dropMidBody', { paths: [CREATE] });
      const error = await rejectsWith(() => client.createKey(standIn.userId, { apiKey: FAKE_KEY }), ServiceUnreachableError);
      assert.equal(error.reason, 'reset');
      assertNoSecrets(error);
    });

    it('cancelled: the caller aborts', async () => {
      standIn.failNext(1, 'delay', { delayMs: 2000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      await rejectsWith(() => client.getUser({ signal: controller.signal }), CancelledError);
    });

    it('unauthorized: 401 carries the service text but no key bytes', async () => {
      standIn.failNext(1, 'unauthorized', { paths: [CREATE] });
      const error = await rejectsWith(() => client.createKey(standIn.userId, { apiKey: FAKE_KEY }), UnauthorizedError);
      assert.ok(error.message.includes(UNAUTHORIZED_TEXT), error.message);
      assert.equal(error.serviceMessage, UNAUTHORIZED_TEXT);
      assertNoSecrets(error);
      assert.equal(standIn.openAI, undefined);
    });

    it('a key call for another user than the one signed in is refused before it is sent', async () => {
      assertNoSecrets(await rejectsWith(() => client.createKey('someone-else', { apiKey: FAKE_KEY }), UserChangedError));
      assert.deepEqual(
        standIn.requests.map((entry) => `${entry.method} ${entry.path}`),
        ['GET /user'],
        'only the identity check was sent',
      );
    });

    it('while signed out, a key call stops at the identity check (not signed in), and nothing is sent', async () => {
      standIn.signedIn = false;
      assertNoSecrets(await rejectsWith(() => client.updateKey(standIn.userId, { apiKey: FAKE_KEY_2 }), NotSignedInError));
      assert.deepEqual(
        standIn.requests.map((entry) => `${entry.method} ${entry.path}`),
        ['GET /user'],
      );
      assert.equal(standIn.openAI, undefined);
    });

    it('unauthorized: the stand-in refuses a key call for a user it does not know (401), when the client is told to send it', async () => {
      // The identity check passes for the stand-in's user; the call then names another user on the wire.
      const otherUser = (request: Outgoing): Outgoing =>
        request.body === undefined ? request : { ...request, body: request.body.replace(standIn.userId, 'someone-else') };
      assertNoSecrets(
        await rejectsWith(() => makeClient({ rewrite: otherUser }).createKey(standIn.userId, { apiKey: FAKE_KEY }), UnauthorizedError),
      );
      assert.equal(standIn.openAI, undefined);
    });

    it('server: 500 is a ServerError with the status', async () => {
      standIn.failNext(1, 'serverError', { paths: ['/external_provider/api_key/update'] });
      const error = await rejectsWith(() => client.updateKey(standIn.userId, { apiKey: FAKE_KEY }), ServerError);
      assert.equal(error.status, 500);
      assertNoSecrets(error);
    });

    it('bad response: 200 with a body that is not JSON', async () => {
      standIn.failNext(1, 'invalidJson', { paths: ['/user'] });
      await rejectsWith(() => client.getUser(), BadResponseError);
      standIn.failNext(1, 'invalidJson', { paths: [CREATE] });
      assertNoSecrets(await rejectsWith(() => client.createKey(standIn.userId, { apiKey: FAKE_KEY }), BadResponseError));
      assert.equal(standIn.requests.filter((entry) => entry.method === 'POST').length, 1, 'the key call followed a valid GET /user');
    });

    it('not signed in: getUser on a signed-out service', async () => {
      standIn.signedIn = false;
      await rejectsWith(() => client.getUser(), NotSignedInError);
    });

    it('invalid input: an empty user or key is refused before anything is sent', async () => {
      await rejectsWith(() => client.createKey('', { apiKey: FAKE_KEY }), InvalidInputError);
      await rejectsWith(() => client.createKey('  ', { apiKey: FAKE_KEY }), InvalidInputError);
      await rejectsWith(() => client.createKey(standIn.userId, { apiKey: '' }), InvalidInputError);
      await rejectsWith(() => client.updateKey(standIn.userId, { apiKey: ' ' }), InvalidInputError);
      await rejectsWith(() => client.deleteKey(''), InvalidInputError);
      assert.deepEqual(standIn.requests, []);
      assert.deepEqual(records, []);
    });

    it('wire keys are exact: the stand-in refuses camelCase with 422, which the client reports as InvalidInputError', async () => {
      const raw = await rawPost(`${standIn.url}${CREATE}`, { user: standIn.userId, openAI: { api_key: FAKE_KEY } });
      assert.equal(raw.status, 422);
      assert.equal((await rawPost(`${standIn.url}${CREATE}`, { user: standIn.userId, open_AI: { apiKey: FAKE_KEY } })).status, 422);

      const camelCase = (request: Outgoing): Outgoing =>
        request.body === undefined ? request : { ...request, body: request.body.replace('"open_AI"', '"openAI"') };
      const error = await rejectsWith(
        () => makeClient({ rewrite: camelCase }).createKey(standIn.userId, { apiKey: FAKE_KEY }),
        InvalidInputError,
      );
      assert.match(error.message, /422/);
      assertNoSecrets(error);
      assert.equal(standIn.openAI, undefined);
    });
  });

  describe('errors from a service that misbehaves beyond the stand-in', () => {
    let server: http.Server;
    let baseUrl: string;
    const stolen: string[] = [];
    before(async () => {
      // Answers that the stand-in never gives: a 200 without global_id, and error texts that echo the key.
      server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        req.on('end', () => {
          const sentKey = /"api_key":"([^"]*)"/.exec(body)?.[1] ?? '';
          if (req.url === '/user' || req.url === '/redirect/user') {
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"user":{"id":"u1"}}');
          } else if (req.url === '/noid/user') {
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"user":{"email":"x@example.com"}}');
          } else if (req.url?.startsWith('/redirect/')) {
            res.writeHead(307, { location: '/stolen' }).end();
          } else if (req.url === '/stolen') {
            stolen.push(req.method ?? '');
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ metadata: { global_id: GLOBAL_ID } }));
          } else if (req.url === CREATE) {
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ metadata: { open_AI: { api_key: sentKey } } }));
          } else if (req.url === '/external_provider/api_key/update') {
            res.writeHead(401, { 'content-type': 'text/plain' }).end(`Invalid Authentication, Incorrect API key provided: ${sentKey}`);
          } else {
            res.writeHead(500, { 'content-type': 'text/plain' }).end(`panic while storing ${FAKE_KEY}`);
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('bad response: a 200 whose metadata lacks global_id (and echoes the key)', async () => {
      const error = await rejectsWith(() => makeClient({ baseUrl }).createKey('u1', { apiKey: FAKE_KEY }), BadResponseError);
      assert.match(error.message, /global_id/);
      assertNoSecrets(error);
    });

    it('bad response: a /user whose user has no id', async () => {
      await rejectsWith(() => makeClient({ baseUrl: `${baseUrl}/noid` }).getUser(), BadResponseError);
    });

    it('a redirect is not followed, so the key is not re-sent elsewhere', async () => {
      const error = await rejectsWith(
        () => makeClient({ baseUrl: `${baseUrl}/redirect` }).createKey('u1', { apiKey: FAKE_KEY }),
        ServerError,
      );
      assert.equal(error.status, 307);
      assert.deepEqual(stolen, []);
    });

    it('401 and 500 texts that quote the key are redacted', async () => {
      const unauthorized = await rejectsWith(() => makeClient({ baseUrl }).updateKey('u1', { apiKey: FAKE_KEY_2 }), UnauthorizedError);
      assert.match(unauthorized.message, /Incorrect API key provided/);
      assertNoSecrets(unauthorized);
      const server500 = await rejectsWith(() => makeClient({ baseUrl }).deleteKey('u1'), ServerError);
      assert.match(server500.message, /panic while storing/);
      assertNoSecrets(server500);
    });
  });
});
