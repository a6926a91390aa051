// The stand-in's own behaviour: contract-valid answers, 422 for invalid bodies, fault switches,
// stop/restart, the control surface. Raw fetch only; the client is tested in test/contract/.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { type StandIn, DEFAULT_VERSION, UNAUTHORIZED_TEXT, startStandIn } from '../../stand-in/server';
import { ContractValidator, type ResponseSchemaName } from '../../stand-in/validator';
import { FAKE_KEY, FAKE_KEY_2, FAKE_ORG, fixture, fixtureText, rawPost } from '../contract/helpers';

const EXAMPLE_USER = '8f2c1d7e-4b3a-4c5d-9e6f-0a1b2c3d4e5f'; // the user id in the shared examples
const CREATE = '/external_provider/api_key/create';
const UPDATE = '/external_provider/api_key/update';
const DELETE = '/external_provider/api_key/delete';

describe('stand-in', function () {
  const validator = new ContractValidator();
  let standIn: StandIn;
  const url = (path: string): string => `${standIn.url}${path}`;
  const post = (path: string, body: string | object, headers?: Record<string, string>) => rawPost(url(path), body, headers);
  const getJson = async (path: string): Promise<unknown> => {
    const response = await fetch(url(path));
    assert.equal(response.status, 200);
    return response.json();
  };
  const assertValid = (name: ResponseSchemaName, body: unknown): void => {
    const result = validator.validateResponse(name, body);
    assert.ok(result.valid, `${name}: ${JSON.stringify(result.errors)}`);
  };

  before(async () => {
    standIn = await startStandIn({ userId: EXAMPLE_USER });
  });
  after(async () => {
    await standIn.stop();
  });
  beforeEach(() => standIn.reset());

  describe('validator (sanity)', () => {
    it('accepts the valid contract examples and refuses the invalid response examples', () => {
      assertValid('CreatedExternalProviderApiKey', fixture('create.response.json'));
      assertValid('ReturnedUserProfile', fixture('user.response.json'));
      assert.equal(validator.validateResponse('ReturnedUserProfile', fixture('invalid-user-response-missing-id.json')).valid, false);
      assert.equal(
        validator.validateResponse('CreatedExternalProviderApiKey', fixture('invalid-create-response-missing-global_id.json')).valid,
        false,
      );
      assert.equal(validator.validateRequest('PrecreatedExternalProviderApiKey', fixture('create.request.json')).valid, true);
    });
  });

  describe('well-known', () => {
    it('answers GET and HEAD /.well-known/health with 200 text/plain ok', async () => {
      const get = await fetch(url('/.well-known/health'));
      assert.equal(get.status, 200);
      assert.match(get.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await get.text(), 'ok');
      const head = await fetch(url('/.well-known/health'), { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), '');
    });

    it('answers /.well-known/version with the default or the configured version', async () => {
      assert.equal(await (await fetch(url('/.well-known/version'))).text(), DEFAULT_VERSION);
      const other = await startStandIn({ version: '9.8.7' });
      try {
        assert.equal(await (await fetch(`${other.url}/.well-known/version`)).text(), '9.8.7');
      } finally {
        await other.stop();
      }
    });

    it('answers 404 for unknown paths and 405 for wrong methods', async () => {
      assert.equal((await fetch(url('/nope'))).status, 404);
      assert.equal((await fetch(url(CREATE))).status, 405);
      assert.equal((await post('/user', {})).status, 405);
    });
  });

  describe('state and responses', () => {
    it('/user validates as ReturnedUserProfile signed in, with and without a key, and signed out', async () => {
      const empty = (await getJson('/user')) as { user: { id: string; auth0: Record<string, unknown> } };
      assertValid('ReturnedUserProfile', empty);
      assert.equal(empty.user.id, EXAMPLE_USER);
      assert.equal(empty.user.auth0.open_AI, undefined);

      assert.equal((await post(CREATE, { user: EXAMPLE_USER, open_AI: { api_key: FAKE_KEY, organization_key: FAKE_ORG } })).status, 200);
      const withKey = (await getJson('/user')) as { user: { auth0: { open_AI: unknown } } };
      assertValid('ReturnedUserProfile', withKey);
      assert.deepEqual(withKey.user.auth0.open_AI, { api_key: FAKE_KEY, organization_key: FAKE_ORG });

      standIn.signedIn = false;
      const signedOut = await getJson('/user');
      assert.deepEqual(signedOut, {});
      assertValid('ReturnedUserProfile', signedOut);
    });

    it('create sets, update merges, delete true removes, delete false keeps; each answer validates', async () => {
      const created = await post(CREATE, { user: EXAMPLE_USER, open_AI: { api_key: FAKE_KEY, api_key_name: 'Work' } });
      assert.equal(created.status, 200);
      assertValid('CreatedExternalProviderApiKey', JSON.parse(created.text));
      assert.deepEqual(standIn.openAI, { api_key: FAKE_KEY, api_key_name: 'Work' });

      const updated = await post(UPDATE, { user: EXAMPLE_USER, open_AI: { api_key: FAKE_KEY_2 } });
      assert.equal(updated.status, 200);
      assertValid('UpdatedExternalProviderApiKey', JSON.parse(updated.text));
      assert.deepEqual(standIn.openAI, { api_key: FAKE_KEY_2, api_key_name: 'Work' });

      const kept = await post(DELETE, { user: EXAMPLE_USER, open_AI: false });
      assert.equal(kept.status, 200);
      assert.deepEqual(standIn.openAI, { api_key: FAKE_KEY_2, api_key_name: 'Work' });

      const deleted = await post(DELETE, { user: EXAMPLE_USER, open_AI: true });
      assert.equal(deleted.status, 200);
      const body = JSON.parse(deleted.text) as { metadata: Record<string, unknown> };
      assertValid('DeletedExternalProviderApiKey', body);
      assert.equal(body.metadata.open_AI, undefined);
      assert.equal(standIn.openAI, undefined);
    });

    it('accepts the valid request examples, a schema without semantic, and never stores schema', async () => {
      for (const [path, file] of [
        [CREATE, 'create.request.json'],
        [UPDATE, 'update.request.json'],
        [DELETE, 'delete.request.json'],
      ] as const) {
        const answer = await post(path, fixtureText(file));
        assert.equal(answer.status, 200, `${file}: ${answer.text}`);
      }
      const withSchema = await post(CREATE, { user: EXAMPLE_USER, open_AI: { api_key: FAKE_KEY, schema: { migration: 0 } } });
      assert.equal(withSchema.status, 200);
      assertValid('CreatedExternalProviderApiKey', JSON.parse(withSchema.text));
      assert.deepEqual(standIn.openAI, { api_key: FAKE_KEY });
    });

    it('answers 401 text/plain for an unknown user and when signed out, changing nothing', async () => {
      const unknown = await post(CREATE, { user: 'someone-else', open_AI: { api_key: FAKE_KEY } });
      assert.equal(unknown.status, 401);
      assert.match(unknown.contentType, /^text\/plain/);
      standIn.signedIn = false;
      const signedOut = await post(CREATE, { user: EXAMPLE_USER, open_AI: { api_key: FAKE_KEY } });
      assert.equal(signedOut.status, 401);
      assert.equal(standIn.openAI, undefined);
      for (const answer of [unknown, signedOut]) assert.ok(!answer.text.includes(FAKE_KEY));
    });
  });

  describe('request validation', () => {
    const invalid: Array<[string, string]> = [
      [CREATE, 'invalid-create-camelcase-apiKey.json'],
      [CREATE, 'invalid-create-camelcase-openAI.json'],
      [CREATE, 'invalid-create-missing-user.json'],
      [CREATE, 'invalid-create-user-not-string.json'],
      [UPDATE, 'invalid-update-missing-user.json'],
      [DELETE, 'invalid-delete-open_AI-string.json'],
      [DELETE, 'invalid-delete-open_AI-key-object.json'],
    ];
    for (const [path, file] of invalid) {
      it(`answers 422 problem+json to ${file}, without echoing the key`, async () => {
        const answer = await post(path, fixtureText(file));
        assert.equal(answer.status, 422);
        assert.match(answer.contentType, /^application\/problem\+json/);
        const problem = JSON.parse(answer.text) as { status: number; validation: unknown[] };
        assert.equal(problem.status, 422);
        assert.ok(problem.validation.length > 0);
        assert.ok(!/sk-example/.test(answer.text), 'the 422 body echoes the key');
        assert.equal(standIn.openAI, undefined);
      });
    }

    it('answers 422 to a request schema with the read-only semantic (as Prism does)', async () => {
      const answer = await post(CREATE, { user: EXAMPLE_USER, schema: { migration: 0, semantic: 'MAJOR_0_MINOR_0_PATCH_1' } });
      assert.equal(answer.status, 422);
      assert.match(answer.text, /semantic/);
    });

    it('answers 422 to non-JSON and empty bodies, 415 to another content type', async () => {
      const notJson = await post(CREATE, `{"user": "${EXAMPLE_USER}", "open_AI": {"api_key": "${FAKE_KEY}"`);
      assert.equal(notJson.status, 422);
      assert.ok(!notJson.text.includes(FAKE_KEY), 'the parser message quoted the body');
      assert.equal((await post(CREATE, '')).status, 422);
      const text = await post(CREATE, { user: EXAMPLE_USER }, { 'content-type': 'text/plain' });
      assert.equal(text.status, 415);
      assert.equal(standIn.openAI, undefined);
    });
  });

  describe('faults', () => {
    const createBody = { user: EXAMPLE_USER, open_AI: { api_key: FAKE_KEY } };

    it('unauthorized: 401 text/plain with the contract text, state unchanged, then back to normal', async () => {
      standIn.failNext(1, 'unauthorized');
      const answer = await post(CREATE, createBody);
      assert.equal(answer.status, 401);
      assert.match(answer.contentType, /^text\/plain/);
      assert.equal(answer.text, UNAUTHORIZED_TEXT);
      assert.equal(standIn.openAI, undefined);
      assert.equal((await post(CREATE, createBody)).status, 200);
    });

    it('serverError: 500 for as many matching requests as the count, in order', async () => {
      standIn.failNext(2, 'serverError');
      assert.equal((await fetch(url('/user'))).status, 500);
      assert.equal((await post(CREATE, createBody)).status, 500);
      assert.equal((await post(CREATE, createBody)).status, 200);
      assert.deepEqual(
        standIn.requests.map((entry) => entry.status),
        [500, 500, 200],
      );
    });

    it('faults apply to key paths and /user only, unless paths say otherwise; invalid bodies do not consume them', async () => {
      standIn.failNext(1, 'serverError', { paths: [UPDATE] });
      assert.equal((await fetch(url('/user'))).status, 200);
      assert.equal((await post(CREATE, createBody)).status, 200);
      assert.equal((await post(UPDATE, { nope: 1 })).status, 422);
      assert.equal((await post(UPDATE, createBody)).status, 500);

      standIn.failNext(1, 'serverError');
      assert.equal((await fetch(url('/.well-known/health'))).status, 200, 'health is never faulted by default');
      standIn.clearFaults();
      assert.equal((await fetch(url('/user'))).status, 200);

      standIn.failNext(1, 'serverError', { paths: ['/.well-known/health'] });
      assert.equal((await fetch(url('/.well-known/health'))).status, 500);
    });

    it('delay: answers normally after delayMs', async () => {
      standIn.failNext(1, 'delay', { delayMs: 150 });
      const started = performance.now();
      assert.equal((await post(CREATE, createBody)).status, 200);
      assert.ok(performance.now() - started >= 140, 'answered too early');
      assert.deepEqual(standIn.openAI, { api_key: FAKE_KEY });
    });

    it('drop: destroys the connection without answering (logged as status 0)', async () => {
      standIn.failNext(1, 'drop');
      await assert.rejects(fetch(url('/user')), TypeError);
      assert.deepEqual(standIn.requests, [{ method: 'GET', path: '/user', status: 0 }]);
    });

    it('dropMidBody: sends headers and half a body, then destroys the connection', async () => {
      standIn.failNext(1, 'dropMidBody');
      const response = await fetch(url(CREATE), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(createBody),
      });
      assert.equal(response.status, 200);
      await assert.rejects(response.text(), TypeError);
      assert.equal(standIn.openAI, undefined);
    });

    it('invalidJson: 200 with a body that is not JSON', async () => {
      standIn.failNext(1, 'invalidJson');
      const answer = await post(CREATE, createBody);
      assert.equal(answer.status, 200);
      assert.throws(() => JSON.parse(answer.text) as unknown, SyntaxError);
    });

    it('refuses bad fault arguments', () => {
      assert.throws(() => standIn.failNext(1, 'explode' as never), TypeError);
      assert.throws(() => standIn.failNext(-1, 'drop'), RangeError);
      assert.throws(() => standIn.failNext(1, 'drop', { paths: ['user'] }), TypeError);
      assert.throws(() => standIn.failNext(1, 'echo', { status: 200 }), RangeError);
      assert.throws(() => standIn.failNext(1, 'huge', { bytes: 0 }), RangeError);
      assert.throws(() => standIn.failNext(1, 'tooManyRequests', { retryAfter: '1\r\nx: y' }), TypeError);
    });

    it('403, 404, 409, 422: that status as text/plain, state unchanged', async () => {
      for (const [fault, status] of [
        ['forbidden', 403],
        ['notFound', 404],
        ['conflict', 409],
        ['unprocessable', 422],
      ] as const) {
        standIn.failNext(1, fault);
        const answer = await post(CREATE, createBody);
        assert.equal(answer.status, status, fault);
        assert.match(answer.contentType, /^text\/plain/);
      }
      assert.equal(standIn.openAI, undefined);
    });

    it('tooManyRequests and unavailable: 429 and 503 with Retry-After (1 s by default, as given, or none)', async () => {
      const headerOf = async (fault: 'tooManyRequests' | 'unavailable', retryAfter?: string | null): Promise<[number, string | null]> => {
        standIn.failNext(1, fault, retryAfter === undefined ? {} : { retryAfter });
        const response = await fetch(url('/user'));
        await response.text();
        return [response.status, response.headers.get('retry-after')];
      };
      assert.deepEqual(await headerOf('tooManyRequests'), [429, '1']);
      assert.deepEqual(await headerOf('unavailable', 'Wed, 21 Oct 2026 07:28:00 GMT'), [503, 'Wed, 21 Oct 2026 07:28:00 GMT']);
      assert.deepEqual(await headerOf('tooManyRequests', null), [429, null]);
    });

    it('echo: an error status whose text quotes the request body, key included, and changes nothing', async () => {
      standIn.failNext(1, 'echo', { status: 500 });
      const answer = await post(CREATE, createBody);
      assert.equal(answer.status, 500);
      assert.ok(answer.text.includes(FAKE_KEY), 'the echo must carry the key: it exists to test redaction');
      standIn.failNext(1, 'echo');
      assert.equal((await post(CREATE, createBody)).status, 400);
      assert.equal(standIn.openAI, undefined);
    });

    it('wrongShape: 200 JSON with numbers where the contract has text', async () => {
      standIn.failNext(1, 'wrongShape');
      const user = (await (await fetch(url('/user'))).json()) as { user: { name: unknown; auth0: { open_AI: { api_key: unknown } } } };
      assert.equal(typeof user.user.name, 'number');
      assert.equal(typeof user.user.auth0.open_AI.api_key, 'number');
      standIn.failNext(1, 'wrongShape');
      const created = JSON.parse((await post(CREATE, createBody)).text) as { metadata: { open_AI: { api_key: unknown } } };
      assert.equal(typeof created.metadata.open_AI.api_key, 'number');
      assert.equal(standIn.openAI, undefined);
    });

    it('huge: a 200 JSON body of the given size on one line, chunked', async () => {
      standIn.failNext(1, 'huge', { bytes: 3 * 1024 * 1024 });
      const response = await fetch(url('/user'));
      assert.equal(response.headers.get('content-length'), null);
      const text = await response.text();
      assert.equal(Buffer.byteLength(text), 3 * 1024 * 1024);
      assert.ok(!text.includes('\n'));
      assert.equal(typeof JSON.parse(text), 'object');
    });

    it('stream: a 200 that never ends; reset() cuts it', async () => {
      standIn.failNext(1, 'stream');
      const response = await fetch(url('/user'));
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let received = 0;
      while (received < 2 * 1024 * 1024) received += (await reader.read()).value?.length ?? 0;
      standIn.reset();
      await assert.rejects(async () => {
        for (;;) if ((await reader.read()).done) throw new Error('ended cleanly instead of being cut');
      }, TypeError);
    });
  });

  describe('lifecycle', () => {
    it('stops (closing keep-alive connections and held requests) and restarts on the same port', async () => {
      const port = standIn.port;
      assert.equal((await fetch(url('/user'))).status, 200); // leaves a keep-alive connection open
      standIn.failNext(1, 'delay', { delayMs: 60_000 });
      const held = fetch(url('/user')).then(
        () => 'answered',
        () => 'failed',
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = performance.now();
      await standIn.stop();
      assert.ok(performance.now() - started < 1000, 'stop() waited for open connections');
      assert.equal(await held, 'failed');
      await assert.rejects(fetch(url('/.well-known/health')), TypeError);
      await standIn.restart();
      assert.equal(standIn.port, port);
      assert.equal((await fetch(url('/.well-known/health'))).status, 200);
    });

    it('records method, path and status only, and logs no bodies', async () => {
      const lines: string[] = [];
      const other = await startStandIn({ log: (line) => lines.push(line) });
      try {
        await rawPost(`${other.url}${CREATE}`, { user: other.userId, open_AI: { api_key: FAKE_KEY } });
        await fetch(`${other.url}/__stand-in/state`);
        assert.deepEqual(other.requests, [{ method: 'POST', path: CREATE, status: 200 }]);
        assert.deepEqual(lines, [`POST ${CREATE} 200`, 'GET /__stand-in/state 200']);
      } finally {
        await other.stop();
      }
    });
  });

  describe('control surface', () => {
    it('shows the state with the key masked, and sets faults, sign-in and reset over HTTP', async () => {
      await post(CREATE, { user: EXAMPLE_USER, open_AI: { api_key: FAKE_KEY, api_key_name: 'Work' } });
      const stateText = await (await fetch(url('/__stand-in/state'))).text();
      assert.ok(!stateText.includes(FAKE_KEY), 'the state shows the whole key');
      const state = JSON.parse(stateText) as { signedIn: boolean; openAI: Record<string, string>; requests: unknown[] };
      assert.equal(state.signedIn, true);
      assert.deepEqual(state.openAI, { api_key: '…0001', api_key_name: 'Work' });
      assert.equal(state.requests.length, 1);

      assert.equal((await post('/__stand-in/fault', { count: 1, fault: 'serverError', paths: ['/user'] })).status, 204);
      assert.equal((await fetch(url('/user'))).status, 500);
      assert.equal((await post('/__stand-in/fault', { count: 1, fault: 'nope' })).status, 400);
      assert.equal((await post('/__stand-in/fault', { count: 1, fault: 'echo', status: 'x' })).status, 400);
      assert.equal((await post('/__stand-in/fault', { count: 1, fault: 'echo', status: 302 })).status, 400);
      assert.equal((await post('/__stand-in/fault', { count: 1, fault: 'echo', status: 503, paths: ['/user'] })).status, 204);
      assert.equal((await fetch(url('/user'))).status, 503);

      assert.equal((await post('/__stand-in/signed-in', { signedIn: false })).status, 204);
      assert.equal(standIn.signedIn, false);
      assert.equal((await post('/__stand-in/reset', '')).status, 204);
      assert.equal(standIn.signedIn, true);
      assert.equal(standIn.openAI, undefined);
    });

    it('takes the new fault options and the impostor mode over HTTP', async () => {
      assert.equal(
        (await post('/__stand-in/fault', { count: 1, fault: 'tooManyRequests', retryAfter: '9', paths: ['/user'] })).status,
        204,
      );
      const busy = await fetch(url('/user'));
      assert.deepEqual([busy.status, busy.headers.get('retry-after')], [429, '9']);
      assert.equal((await post('/__stand-in/fault', { count: 1, fault: 'echo', status: 503 })).status, 204);
      assert.equal((await post(CREATE, { user: EXAMPLE_USER, open_AI: { api_key: FAKE_KEY } })).status, 503);
      assert.equal((await post('/__stand-in/fault', { count: 1, fault: 'huge', bytes: 'big' })).status, 400);
      assert.equal((await post('/__stand-in/fault', { count: 1, fault: 'echo', status: 99 })).status, 400);

      assert.equal((await post('/__stand-in/impostor', { impostor: 'notFound' })).status, 204);
      assert.equal(standIn.impostor, 'notFound');
      assert.equal((JSON.parse(await (await fetch(url('/__stand-in/state'))).text()) as { impostor: unknown }).impostor, 'notFound');
      assert.equal((await post('/__stand-in/impostor', { impostor: 'teapot' })).status, 400);
      assert.equal((await post('/__stand-in/impostor', { impostor: false })).status, 204);
      assert.equal(standIn.impostor, false);
    });
  });

  describe('impostor', () => {
    it('answers health as Pieces OS does, but /user with 404 (notFound) or a web page (html), and never stores a key', async () => {
      for (const mode of ['notFound', 'html'] as const) {
        standIn.impostor = mode;
        const health = await fetch(url('/.well-known/health'));
        assert.deepEqual([health.status, await health.text()], [200, 'ok']);
        const user = await fetch(url('/user'));
        assert.equal(user.status, mode === 'notFound' ? 404 : 200);
        assert.match(user.headers.get('content-type') ?? '', /^text\/html/);
        await user.text();
        assert.equal((await post(CREATE, { user: EXAMPLE_USER, open_AI: { api_key: FAKE_KEY } })).status, 404);
        assert.equal(standIn.openAI, undefined);
      }
      assert.ok(
        standIn.requests.some((entry) => entry.method === 'POST' && entry.status === 404),
        'key calls to an impostor are recorded',
      );
      standIn.reset();
      assert.equal(standIn.impostor, false);
    });

    it('can start as an impostor (as a process that takes the port after Pieces OS quits)', async () => {
      const port = standIn.port;
      await standIn.stop();
      const impostor = await startStandIn({ port, impostor: 'notFound' });
      try {
        // A new connection: the pooled one went with the stand-in that stopped.
        const status = await new Promise<number | undefined>((resolve, reject) => {
          http.get(`${impostor.url}/user`, { agent: false }, (response) => resolve(response.resume().statusCode)).on('error', reject);
        });
        assert.equal(status, 404);
        impostor.reset();
        assert.equal(impostor.impostor, 'notFound', 'reset returns to the impostor it started as');
      } finally {
        await impostor.stop();
        await standIn.restart();
      }
    });
  });

  describe('control port', () => {
    it('takes the service port away and brings it back, keeping the key; the service port cannot stop itself', async () => {
      const other = await startStandIn({ userId: EXAMPLE_USER, controlPort: 0 });
      const controlUrl = other.controlUrl;
      try {
        assert.ok(other.controlUrl && other.controlUrl !== other.url, 'a control port of its own');
        await rawPost(`${other.url}${CREATE}`, { user: EXAMPLE_USER, open_AI: { api_key: FAKE_KEY } });
        assert.equal((await rawPost(`${other.url}/__stand-in/stop`, '')).status, 404, 'the service port has no stop');

        assert.equal((await rawPost(`${other.controlUrl}/__stand-in/stop`, '')).status, 204);
        assert.equal(other.listening, false);
        await assert.rejects(fetch(`${other.url}/.well-known/health`), 'the service port refuses connections');
        const away = (await (await fetch(`${other.controlUrl}/__stand-in/state`)).json()) as { listening: boolean };
        assert.equal(away.listening, false);

        assert.equal((await rawPost(`${other.controlUrl}/__stand-in/start`, '')).status, 204);
        assert.equal((await fetch(`${other.url}/.well-known/health`)).status, 200);
        assert.equal(other.openAI?.api_key, FAKE_KEY, 'the key it held survives');
        assert.equal((await fetch(`${other.controlUrl}/user`)).status, 404, 'the control port serves the control surface only');
      } finally {
        await other.stop();
      }
      await assert.rejects(fetch(`${controlUrl}/__stand-in/state`), 'stop() closes the control port too');
    });

    // What `npm start` prints for people trying the extension without Pieces OS: every command, sent to
    // the control port, must change what the service port answers (not just answer 204).
    it('every command on the control port takes effect on the service port', async () => {
      const other = await startStandIn({ userId: EXAMPLE_USER, controlPort: 0 });
      const control = (route: string, body: object | string = ''): ReturnType<typeof rawPost> =>
        rawPost(`${other.controlUrl}/__stand-in/${route}`, body);
      const service = (path: string): Promise<Response> => fetch(`${other.url}${path}`);
      const user = async (): Promise<{ status: number; body: string }> => {
        const response = await service('/user');
        return { status: response.status, body: await response.text() };
      };
      try {
        await rawPost(`${other.url}${CREATE}`, { user: EXAMPLE_USER, open_AI: { api_key: FAKE_KEY } });

        assert.equal((await control('signed-in', { signedIn: false })).status, 204);
        assert.deepEqual(await user(), { status: 200, body: '{}' }, 'signed out: /user has no user');
        assert.equal(other.signedIn, false);
        assert.equal(
          (await rawPost(`${other.url}${CREATE}`, { user: EXAMPLE_USER, open_AI: { api_key: FAKE_KEY_2 } })).status,
          401,
          'signed out: a key call is refused',
        );
        assert.equal((await control('signed-in', { signedIn: true })).status, 204);
        assert.match((await user()).body, /"id":/, 'signed in again');

        assert.equal((await control('impostor', { impostor: 'notFound' })).status, 204);
        assert.equal((await user()).status, 404, 'an impostor answers /user with 404');
        assert.equal((await service('/.well-known/health')).status, 200, 'and health as Pieces OS does');
        assert.equal((await control('impostor', { impostor: 'html' })).status, 204);
        assert.match((await user()).body, /<html>/, 'an html impostor answers /user with a web page');
        assert.equal((await control('impostor', { impostor: false })).status, 204);
        assert.equal((await user()).status, 200);
        assert.match((await user()).body, /"id":/, 'Pieces OS again');

        assert.equal((await control('fault', { count: 1, fault: 'serverError', paths: ['/user'] })).status, 204);
        assert.equal((await user()).status, 500, 'the fault is taken by the next request');
        assert.equal((await user()).status, 200, 'once');

        const state = (await (await fetch(`${other.controlUrl}/__stand-in/state`)).json()) as { openAI?: { api_key?: string } };
        assert.equal(state.openAI?.api_key, '…0001', 'state shows the key it holds, masked');

        assert.equal((await control('signed-in', { signedIn: false })).status, 204);
        assert.equal((await control('reset')).status, 204);
        assert.equal(other.openAI, undefined, 'reset forgets the key');
        assert.match((await user()).body, /"id":/, 'and signs in again');

        assert.equal((await control('stop')).status, 204);
        await assert.rejects(service('/.well-known/health'), 'stop: the service port refuses connections');
        assert.equal((await control('start')).status, 204);
        assert.equal((await service('/.well-known/health')).status, 200, 'start: it answers again');
      } finally {
        await other.stop();
      }
    });
  });
});
