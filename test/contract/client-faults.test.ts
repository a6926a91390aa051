// PiecesClient against the stand-in's fault modes: each status becomes the typed error the engine
// acts on, `Retry-After` is honoured, service text never carries key bytes, and what `GET /user`
// says is type-checked and cleaned before it leaves the client.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import {
  BadResponseError,
  InvalidInputError,
  NotFoundError,
  NotSignedInError,
  ServiceBusyError,
  SessionExpiredError,
  UnauthorizedError,
} from '../../src/core/pieces/errors';
import { PiecesClient } from '../../src/core/pieces/client';
import { knownSecrets } from '../../src/core/keys/redact';
import { type StandIn, startStandIn } from '../../stand-in/server';
import { FAKE_KEY, assertNoSecrets, rejectsWith } from './helpers';

const CREATE = '/external_provider/api_key/create';
const UPDATE = '/external_provider/api_key/update';
const DELETE = '/external_provider/api_key/delete';

/** Keys the key-like pattern alone would miss: short, or with '.', '/', '+', '_', '-'. */
const ODD_KEYS = ['FAKE.k3y/w1th+sl4sh_and-dash', 'FAKEshort9', 'fAkE+/.._-+/.._-zz', 'FAKE_only_underscores_here'];

/** No key, and no 8-character window of one, anywhere in the error. */
function assertNoFragments(error: Error, keys: readonly string[]): void {
  const views = [error.message, String(error), error.stack ?? '', JSON.stringify(error)];
  for (const key of keys) {
    for (let i = 0; i + 8 <= key.length; i++) {
      const fragment = key.slice(i, i + 8);
      for (const view of views) assert.ok(!view.includes(fragment), `"${fragment}" of a key is in: ${view.slice(0, 300)}`);
    }
  }
}

describe("PiecesClient against the stand-in's fault modes", function () {
  this.timeout(20_000);
  let standIn: StandIn;
  let client: PiecesClient;
  before(async () => {
    standIn = await startStandIn();
  });
  after(async () => {
    await standIn.stop();
    knownSecrets.clear();
  });
  beforeEach(async () => {
    standIn.reset();
    knownSecrets.clear();
    client = new PiecesClient({ baseUrl: standIn.url, timeoutMs: 3000 });
    await client.getUser(); // verified: the faults below hit the key calls themselves
  });

  describe('statuses', () => {
    it('429 and 503 are ServiceBusyError with Retry-After in ms (seconds, HTTP date, absent, capped)', async () => {
      const date = new Date(Date.now() + 20_000).toUTCString();
      const cases: Array<
        [fault: 'tooManyRequests' | 'unavailable', retryAfter: string | null, status: number, check: (ms: number | undefined) => boolean]
      > = [
        ['tooManyRequests', '7', 429, (ms) => ms === 7000],
        ['unavailable', date, 503, (ms) => ms !== undefined && ms > 15_000 && ms <= 20_000],
        ['tooManyRequests', null, 429, (ms) => ms === undefined],
        ['unavailable', '86400', 503, (ms) => ms === 60_000],
        ['tooManyRequests', 'whenever', 429, (ms) => ms === undefined],
      ];
      for (const [fault, retryAfter, status, check] of cases) {
        standIn.failNext(1, fault, { retryAfter, paths: [CREATE] });
        const error = await rejectsWith(() => client.createKey(standIn.userId, { apiKey: FAKE_KEY }), ServiceBusyError);
        assert.equal(error.kind, 'busy');
        assert.equal(error.status, status);
        assert.ok(check(error.retryAfterMs), `${fault} Retry-After ${String(retryAfter)} → ${String(error.retryAfterMs)}`);
        assertNoSecrets(error);
      }
      assert.equal(standIn.openAI, undefined);
    });

    it('401 from GET /user is a session problem; 401 from a key call is the key rejected', async () => {
      standIn.failNext(1, 'unauthorized', { paths: ['/user'] });
      const session = await rejectsWith(() => client.getUser(), SessionExpiredError);
      assert.equal(session.kind, 'session');
      assert.match(session.message, /Sign in to Pieces again/);
      await client.getUser();
      standIn.failNext(1, 'unauthorized', { paths: [CREATE] });
      const rejected = await rejectsWith(() => client.createKey(standIn.userId, { apiKey: FAKE_KEY }), UnauthorizedError);
      assert.equal(rejected.kind, 'unauthorized');
    });

    it('404 is NotFoundError (a Pieces OS without the endpoint); 403, 409 and 422 are InvalidInputError with the status', async () => {
      standIn.failNext(1, 'notFound', { paths: [UPDATE] });
      const missing = await rejectsWith(() => client.updateKey(standIn.userId, { apiKey: FAKE_KEY }), NotFoundError);
      assert.match(missing.message, /does not offer POST \/external_provider\/api_key\/update \(404\)/);
      for (const [fault, status] of [
        ['forbidden', 403],
        ['conflict', 409],
        ['unprocessable', 422],
      ] as const) {
        standIn.failNext(1, fault, { paths: [DELETE] });
        const error = await rejectsWith(() => client.deleteKey(standIn.userId), InvalidInputError);
        assert.equal(error.status, status);
        assert.match(error.message, new RegExp(`status ${status}`));
      }
    });

    it('a blank or whitespace user id means signed out', async () => {
      for (const id of ['', '   ', '\t\n']) {
        const blank = await startStandIn({ userId: id });
        try {
          await rejectsWith(() => new PiecesClient({ baseUrl: blank.url }).getUser(), NotSignedInError);
        } finally {
          await blank.stop();
        }
      }
    });
  });

  describe('echoed keys', () => {
    for (const status of [400, 401, 403, 409, 422, 429, 500, 502, 503]) {
      it(`an answer with status ${status} that quotes the request carries no key, nor any 8 characters of one`, async () => {
        for (const key of [FAKE_KEY, ...ODD_KEYS]) {
          standIn.failNext(1, 'echo', { status, paths: [CREATE] });
          const error = await rejectsWith(() => client.createKey(standIn.userId, { apiKey: key, name: 'Work' }), Error);
          assert.ok(error.message.length < 400, error.message);
          assertNoFragments(error, [key]);
        }
      });
    }

    it('a key echoed on an update that does not send it (a rename) is redacted once the store remembers it', async () => {
      const key = ODD_KEYS[0] as string;
      const echo: http.RequestListener = (req, res) => {
        req.resume();
        if (req.url === '/user') {
          return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ user: { id: 'u1' } }));
        }
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot rename the key ${key} (also known as ${key.slice(3, 12)})`);
      };
      const server = http.createServer(echo);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const address = server.address();
        const raw = new PiecesClient({ baseUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
        knownSecrets.remember(key); // what the key store does for every key it reads or writes
        const error = await rejectsWith(() => raw.updateKey('u1', { name: 'Renamed' }), Error);
        assert.match(error.message, /cannot rename the key/);
        assertNoFragments(error, [key]);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('what GET /user says', () => {
    it('a non-string api_key, name or key name is a BadResponseError that says which field', async () => {
      standIn.failNext(1, 'wrongShape', { paths: ['/user'] });
      const error = await rejectsWith(() => client.getUser(), BadResponseError);
      assert.match(error.message, /"user\.name" is not a string|"user\.auth0\.open_AI\.api_key" is not a string/);
      standIn.failNext(1, 'wrongShape', { paths: [CREATE] });
      await rejectsWith(() => client.createKey(standIn.userId, { apiKey: FAKE_KEY }), BadResponseError);
    });

    for (const [field, body] of [
      ['api_key', { api_key: 42 }],
      ['api_key_name', { api_key: FAKE_KEY, api_key_name: { nested: true } }],
      ['organization_key', { api_key: FAKE_KEY, organization_key: ['org-1'] }],
    ] as const) {
      it(`a user whose open_AI.${field} is not a string is refused, never a crash`, async () => {
        const server = http.createServer((req, res) => {
          req.resume();
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ user: { id: 'u1', auth0: { global_id: 'g', open_AI: body } } }));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        try {
          const address = server.address();
          const raw = new PiecesClient({ baseUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
          const error = await rejectsWith(() => raw.getUser(), BadResponseError);
          assert.match(error.message, new RegExp(`open_AI\\.${field}" is not a string`));
          assertNoSecrets(error);
        } finally {
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
        }
      });
    }

    it('names from the service are cleaned (control, bidi, invisible characters) and clipped before they leave the client', async () => {
      const server = http.createServer((req, res) => {
        req.resume();
        const user = {
          id: 'u1',
          name: `Ada\u202e\u2066 Lovelace\u0007\n${'x '.repeat(200)}`,
          email: 'ada\u200b@example.com',
          auth0: { global_id: 'g', open_AI: { api_key: FAKE_KEY, api_key_name: '\u202eWork\u202c key\u0000', organization_key: null } },
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ user }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const address = server.address();
        const user = await new PiecesClient({
          baseUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
        }).getUser();
        assert.ok(user.name?.startsWith('Ada Lovelace x x'), user.name);
        assert.ok((user.name ?? '').length <= 64);
        assert.equal(user.email, 'ada@example.com');
        assert.equal(user.openAI?.api_key_name, 'Work key');
        assert.equal(user.openAI?.api_key, FAKE_KEY, 'the key itself is passed on untouched (for comparison, never shown)');
        assert.equal(user.openAI?.organization_key, undefined);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});
