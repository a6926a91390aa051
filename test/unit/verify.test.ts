// Verify Key against a local fake provider, for every provider in the catalogue: 200, 401, 403,
// timeout and network error, plus the request each provider expects and what must never happen
// (the key in a URL, a redirect followed, the key or a response body in an outcome or message).
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { PROVIDER_APIS } from '../../src/core/providers/apis';
import { PROVIDERS } from '../../src/core/providers/catalogue';
import { type VerifyOutcome, checkVerifyBaseUrl, describeOutcome, outcomeForLog, verifyKey } from '../../src/core/providers/verify';
import { type FakeProvider, startFakeProvider } from '../support/fakeProvider';

const KEYS: Record<string, string> = {
  openai: 'sk-test-FAKE-verify-openai-0000000001',
  anthropic: 'sk-ant-test-FAKE-verify-000000000002',
  google: 'AIzaFAKE-verify-google-00000000003',
  mistral: 'FAKEmistralverify0000000000000004',
  groq: 'gsk_FAKE_verify_groq_000000000005',
  openrouter: 'sk-or-v1-FAKE-verify-000000000006',
};

/** A loopback port with nothing listening: connecting is refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function assertNoKey(outcome: VerifyOutcome, text: string, key: string): void {
  for (const piece of [key, key.slice(0, 12), key.slice(-8)]) {
    assert.ok(!JSON.stringify(outcome).includes(piece), 'the outcome holds key bytes');
    assert.ok(!text.includes(piece), `the message holds key bytes: ${text}`);
  }
  assert.ok(!/Incorrect API key|quota|internal error/.test(text), `the message repeats the response body: ${text}`);
}

describe('Verify Key against a fake provider', function () {
  this.timeout(10_000);
  let fake: FakeProvider;

  before(async () => {
    fake = await startFakeProvider();
  });
  after(() => fake.stop());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.mode = 'ok';
  });

  for (const provider of PROVIDERS) {
    const key = KEYS[provider.id] as string;
    const api = PROVIDER_APIS[provider.id];
    const verify = (timeoutMs?: number, baseUrl = fake.baseUrl(provider.id)) =>
      verifyKey({ provider: provider.id, secret: key, baseUrl, ...(timeoutMs ? { timeoutMs } : {}) });

    describe(provider.label, () => {
      beforeEach(() => {
        fake.expectedKey = key;
      });

      it(`200: accepted, with one GET ${api.verifyPath} carrying the key the way ${provider.label} expects`, async () => {
        const { outcome, url } = await verify();
        assert.deepEqual(outcome, { kind: 'ok', status: 200 });
        assert.equal(url, `${fake.baseUrl(provider.id)}${api.verifyPath}`);
        assert.equal(fake.requests.length, 1);
        const [seen] = fake.requests;
        assert.equal(seen?.method, 'GET');
        assert.equal(seen?.path, `/${provider.id}${api.verifyPath}`);
        assert.equal(seen?.keyMatches, true);
        assert.equal(seen?.keyInUrl, false, 'the key is never in the URL');
        const expectedHeader = api.auth.kind === 'bearer' ? 'authorization' : api.auth.name;
        assert.equal(seen?.keyHeader, expectedHeader);
        if (provider.id === 'anthropic') assert.equal(seen?.anthropicVersion, '2023-06-01');
        assertNoKey(outcome, describeOutcome(outcome, provider.label, 'Work', url), key);
      });

      it('401: rejected', async () => {
        fake.expectedKey = 'sk-some-other-key-000000000000';
        const { outcome, url } = await verify();
        assert.deepEqual(outcome, { kind: 'rejected', status: 401 });
        const text = describeOutcome(outcome, provider.label, 'Work', url);
        assert.match(text, /rejected "Work" \(401\)/);
        assertNoKey(outcome, text, key);
      });

      it('403: rejected', async () => {
        fake.mode = 'forbidden';
        const { outcome } = await verify();
        assert.deepEqual(outcome, { kind: 'rejected', status: 403 });
      });

      it('timeout: says so after the time given, without waiting for the provider', async () => {
        fake.mode = 'hang';
        const started = Date.now();
        const { outcome, url } = await verify(300);
        assert.deepEqual(outcome, { kind: 'timeout', timeoutMs: 300 });
        assert.ok(Date.now() - started < 3000);
        assert.match(describeOutcome(outcome, provider.label, 'Work', url), /did not answer within 1 seconds\. Nothing was changed\./);
      });

      it('network error: nothing listening, reported with the error code only', async () => {
        const port = await closedPort();
        const { outcome, url } = await verify(undefined, `http://127.0.0.1:${port}/${provider.id}`);
        assert.deepEqual(outcome, { kind: 'network', reason: 'ECONNREFUSED' });
        assert.equal(
          describeOutcome(outcome, provider.label, 'Work', url),
          `Could not reach ${provider.label}: 127.0.0.1:${port} refused the connection (ECONNREFUSED). Nothing was changed. Check the internet connection; behind a company proxy, set "providerKeys.verify.baseUrls" to the proxy's address for ${provider.label}.`,
        );
        assert.equal(outcomeForLog(outcome), 'no answer (ECONNREFUSED)');
      });
    });
  }

  it('offline: says in words that the address could not be looked up, and where a company proxy goes', () => {
    const outcome: VerifyOutcome = { kind: 'network', reason: 'EAI_AGAIN' };
    assert.equal(
      describeOutcome(outcome, 'OpenAI', 'Work', 'https://api.openai.com/v1/models'),
      'Could not reach OpenAI: the address api.openai.com could not be looked up; this computer may be offline (EAI_AGAIN). Nothing was changed. Check the internet connection; behind a company proxy, set "providerKeys.verify.baseUrls" to the proxy\'s address for OpenAI.',
    );
    assert.equal(outcomeForLog(outcome), 'no answer (EAI_AGAIN)', 'the log says what happened, not "→ network"');
    assert.match(
      describeOutcome({ kind: 'network', reason: 'SELF_SIGNED_CERT_IN_CHAIN' }, 'OpenAI', 'Work', 'https://api.openai.com/v1/models'),
      /^Could not reach OpenAI: api\.openai\.com's certificate is not trusted here/,
    );
  });

  it('429 is "limited" and a 5xx "unexpected": neither says anything about the key', async () => {
    fake.expectedKey = KEYS.openai as string;
    fake.mode = 'rateLimited';
    assert.deepEqual((await verifyKey({ provider: 'openai', secret: KEYS.openai as string, baseUrl: fake.baseUrl('openai') })).outcome, {
      kind: 'limited',
      status: 429,
    });
    fake.mode = 'serverError';
    assert.deepEqual((await verifyKey({ provider: 'openai', secret: KEYS.openai as string, baseUrl: fake.baseUrl('openai') })).outcome, {
      kind: 'unexpected',
      status: 500,
    });
  });

  it('Gemini: a 400 API_KEY_INVALID is a rejection; a 400 for another reason is not', async () => {
    fake.expectedKey = KEYS.google as string;
    fake.mode = 'geminiInvalid';
    assert.deepEqual((await verifyKey({ provider: 'google', secret: KEYS.google as string, baseUrl: fake.baseUrl('google') })).outcome, {
      kind: 'rejected',
      status: 400,
    });
    assert.deepEqual((await verifyKey({ provider: 'mistral', secret: KEYS.mistral as string, baseUrl: fake.baseUrl('mistral') })).outcome, {
      kind: 'unexpected',
      status: 400,
    });
  });

  it('sends the OpenAI organization id with the key, as Pieces OS will use them together', async () => {
    fake.expectedKey = KEYS.openai as string;
    await verifyKey({
      provider: 'openai',
      secret: KEYS.openai as string,
      organization: 'org-FAKEverify1',
      baseUrl: fake.baseUrl('openai'),
    });
    assert.equal(fake.requests[0]?.organization, 'org-FAKEverify1');
  });

  it('does not follow a redirect (it could carry the key header to another host)', async () => {
    fake.expectedKey = KEYS.anthropic as string;
    fake.mode = 'redirect';
    const { outcome } = await verifyKey({ provider: 'anthropic', secret: KEYS.anthropic as string, baseUrl: fake.baseUrl('anthropic') });
    assert.deepEqual(outcome, { kind: 'unexpected', status: 302 });
    assert.equal(fake.requests.length, 1);
  });

  it('stops when cancelled', async () => {
    fake.mode = 'hang';
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const { outcome } = await verifyKey({
      provider: 'groq',
      secret: KEYS.groq as string,
      baseUrl: fake.baseUrl('groq'),
      signal: controller.signal,
    });
    assert.deepEqual(outcome, { kind: 'cancelled' });
  });
});

describe('providerKeys.verify.baseUrls values', () => {
  it('accepts https anywhere and http on this computer only', () => {
    assert.deepEqual(checkVerifyBaseUrl('https://proxy.example.com/openai/v1/'), { ok: true, url: 'https://proxy.example.com/openai/v1' });
    assert.deepEqual(checkVerifyBaseUrl('http://127.0.0.1:8787/v1'), { ok: true, url: 'http://127.0.0.1:8787/v1' });
    assert.deepEqual(checkVerifyBaseUrl('http://localhost:1/x'), { ok: true, url: 'http://localhost:1/x' });
    assert.deepEqual(checkVerifyBaseUrl('http://[::1]:2/'), { ok: true, url: 'http://[::1]:2' });
    for (const refused of [
      'http://example.com/v1',
      'ftp://127.0.0.1/',
      'https://user:pw@example.com/',
      'https://example.com/?key=1',
      'not a url',
    ]) {
      assert.equal(checkVerifyBaseUrl(refused).ok, false, refused);
    }
  });

  it('has a catalogue entry with https URLs for every provider', () => {
    for (const provider of PROVIDERS) {
      const api = PROVIDER_APIS[provider.id];
      assert.match(api.baseUrl, /^https:\/\//, provider.id);
      assert.match(api.keyPage, /^https:\/\//, provider.id);
      assert.equal(checkVerifyBaseUrl(api.baseUrl).ok, true);
    }
  });
});
