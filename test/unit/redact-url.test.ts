import * as assert from 'node:assert/strict';
import { REDACTED, SecretRedactor, cleanServiceName, excerpt, knownSecrets, redact } from '../../src/core/keys/redact';
import { checkServiceUrl } from '../../src/core/pieces/serviceUrl';
import { clip, hasInvisible, stripInvisible } from '../../src/core/keys/text';

/** Every window of `length` characters of `secret`. */
const windows = (secret: string, length: number): string[] =>
  Array.from({ length: secret.length - length + 1 }, (_, i) => secret.slice(i, i + length));

describe('redact', () => {
  const key = 'sk-test-FAKE-0000000000000000000000000001';
  it('removes a known secret and anything that looks like a key', () => {
    assert.equal(redact(`stored ${key} ok`), 'stored [redacted] ok');
    assert.equal(redact('x=abcdefghijklmnopqrstuvwxyz0123456789 end'), 'x=[redacted] end');
    assert.equal(redact('short FAKE1 stays', ['FAKE1']), 'short [redacted] stays');
  });
  it('keeps ordinary text', () => {
    assert.equal(redact('POST /external_provider/api_key/create → 200 in 3 ms'), 'POST /external_provider/api_key/create → 200 in 3 ms');
  });
  it('excerpt is one redacted line, cut to length', () => {
    const text = excerpt(`{"api_key":"${key}",\n"x":"${'y'.repeat(400)}"}`, [key], 50);
    assert.ok(!text.includes(key));
    assert.ok(!text.includes('\n'));
    assert.ok(text.length <= 50);
  });
});

describe('redaction that knows the stored keys', () => {
  // Formats the key-like pattern does not catch: short, and with '.', '/', '+', '_', '-'.
  const stored = ['FAKE.k3y/w1th+sl4sh_and-dash', 'FAKEshort9', 'fAkE+/.._-+/.._-zz', 'sk-test-FAKE-0000000000000000000000000777'];
  beforeEach(() => {
    knownSecrets.clear();
    for (const secret of stored) knownSecrets.remember(secret);
  });
  after(() => knownSecrets.clear());

  it('redacts each stored secret whole, in any text', () => {
    for (const secret of stored) {
      const out = redact(`401: Incorrect API key provided: ${secret}. Check it.`);
      assert.ok(!out.includes(secret), out);
      assert.equal(out, `401: Incorrect API key provided: ${REDACTED}. Check it.`);
    }
  });

  it('redacts every fragment of 8 or more characters, at any offset, and leaves 7 alone', () => {
    for (const secret of stored) {
      for (const fragment of windows(secret, 8)) {
        const out = redact(`echo «${fragment}» end`);
        assert.equal(out, `echo «${REDACTED}» end`, `fragment ${JSON.stringify(fragment)} of a stored key`);
      }
      for (const fragment of [...windows(secret, 9), ...windows(secret, 15)]) assert.ok(!redact(`x${fragment}x`).includes(fragment));
    }
    assert.equal(redact('a FAKEsho b'), 'a FAKEsho b', '7 characters are not a fragment');
  });

  it('merges overlapping and adjacent fragments of different keys into one redaction', () => {
    const [a, b] = stored as [string, string];
    assert.equal(redact(`${a.slice(3, 14)}${b}!`), `${REDACTED}!`);
  });

  it('redacts a key however the service splits it across lines or quotes it', () => {
    const secret = stored[0] as string;
    const echoed = `{"detail":"bad key ${secret.slice(0, 12)}\n${secret.slice(12)}"}`;
    const out = redact(echoed);
    assert.ok(!windows(secret, 8).some((fragment) => out.includes(fragment)), out);
  });

  it('forget stops redacting a key; clear forgets all', () => {
    const redactor = new SecretRedactor();
    redactor.remember('FAKEkeyForget-001');
    assert.equal(redactor.containsSecret('has FAKEkeyF inside'), true);
    redactor.forget('FAKEkeyForget-001');
    assert.equal(redactor.containsSecret('has FAKEkeyF inside'), false);
    redactor.remember('abc'); // too short to redact at all
    assert.equal(redactor.size, 0);
  });

  it('two keys that share a window: forgetting one keeps redacting the other whole', () => {
    const redactor = new SecretRedactor();
    redactor.remember('FAKEsharedWINDOW-aaaa');
    redactor.remember('FAKEsharedWINDOW-bbbb');
    redactor.forget('FAKEsharedWINDOW-aaaa');
    assert.equal(redactor.containsSecret('x FAKEsharedWINDOW x'), true, 'the window both held is still redacted');
    assert.equal(redactor.containsSecret('x NDOW-bbbb x'), true);
    assert.equal(redactor.containsSecret('x NDOW-aaaa x'), false, 'what only the forgotten key held is not');
  });

  it('does not redact a public provider prefix on its own: a masked key stays readable in the log', () => {
    knownSecrets.remember('sk-proj-FAKE0000000000000000000000007c21');
    assert.equal(redact('sent sk-proj-…7c21 to Pieces OS'), 'sent sk-proj-…7c21 to Pieces OS');
    assert.equal(redact('leaked sk-proj-FAKE000 here'), `leaked ${REDACTED} here`);
  });

  it('remembers and forgets thousands of keys in time linear in their number', function () {
    this.timeout(30_000);
    const redactor = new SecretRedactor();
    const keys = Array.from({ length: 10_000 }, (_, i) => `sk-proj-FAKE${String(i).padStart(6, '0')}${'x'.repeat(30)}q${i}`);
    const started = performance.now();
    for (const key of keys) redactor.remember(key);
    assert.equal(redactor.containsSecret(`a ${(keys[4321] as string).slice(10, 18)} b`), true);
    for (const key of keys.slice(0, 9_999)) redactor.forget(key);
    const elapsed = performance.now() - started;
    console.log(`      (10,000 keys remembered and 9,999 forgotten in ${elapsed.toFixed(0)} ms)`);
    assert.ok(elapsed < 5000, `took ${elapsed} ms`);
    assert.equal(redactor.containsSecret(`a ${(keys[9_999] as string).slice(-10)} b`), true);
    assert.equal(redactor.containsSecret('a q4321 b'), false);
  });

  it('redacts ad hoc secrets (the key just sent) the same way', () => {
    knownSecrets.clear();
    const sent = 'FAKE.sent/key+01';
    assert.equal(redact(`oops ${sent.slice(2, 11)}`, [sent]), `oops ${REDACTED}`);
  });

  it('keeps a short stored secret (4–7 characters) out whole', () => {
    knownSecrets.remember('Fk7q');
    assert.equal(redact('pin Fk7q set'), `pin ${REDACTED} set`);
  });

  it('works on any input size without throwing, in linear time', function () {
    this.timeout(60_000);
    const figures: string[] = [];
    const sizes: Array<[string, string]> = [
      ['10 MB of one character', 'a'.repeat(10_000_000)],
      ["10 MB of a stored key's own window", '0'.repeat(10_000_000)],
      ['10 MB of words', 'lorem ipsum '.repeat(833_334)],
      ['100 MB of one character', 'b'.repeat(100_000_000)],
    ];
    for (const [label, text] of sizes) {
      const started = performance.now();
      const out = redact(text);
      const ms = performance.now() - started;
      figures.push(`${label}: ${ms.toFixed(0)} ms`);
      assert.ok(out.length <= text.length);
      assert.ok(ms < text.length / 1000, `${label} took ${ms.toFixed(0)} ms`); // under 1 µs a character, whatever the size
    }
    console.log(`      (${figures.join('; ')})`);
  });
});

describe('excerpt and cleanServiceName', () => {
  const key = 'FAKE.k3y/w1th+sl4sh_and-dash';
  beforeEach(() => knownSecrets.remember(key));
  after(() => knownSecrets.clear());

  it('clips before redacting, so a huge body costs no more than a short one', () => {
    const started = performance.now();
    const text = excerpt(`${'x '.repeat(50_000_000)}${key}`);
    assert.ok(performance.now() - started < 200);
    assert.ok(text.length <= 160);
  });

  it('never leaves the start of a key cut at the clip point', () => {
    for (let at = 100; at < 175; at++) {
      const text = excerpt(`${'w '.repeat(at / 2)}${'-'.repeat(at % 2)}sk-proj-UNKNOWNKEYabcdef012345`);
      assert.ok(!text.includes('UNKNOWN'), `at ${at}: ${text}`);
    }
  });

  it('removes invisible and bidi characters before redacting (a key split by a zero-width space is still found)', () => {
    const text = excerpt(`bad key ${key.slice(0, 6)}\u200b${key.slice(6)} \u202eevil`);
    assert.ok(!text.includes(key.slice(0, 8)) && !text.includes('\u202e') && !text.includes('\u200b'), text);
  });

  it('cleanServiceName: one line, no control, bidi or invisible characters, redacted, clipped', () => {
    assert.equal(cleanServiceName('  Ada\u202e \u2066Lovelace\u2069\n\tWork\u200b '), 'Ada Lovelace Work');
    assert.equal(cleanServiceName(`Key ${key}`), `Key ${REDACTED}`);
    assert.equal(cleanServiceName('x'.repeat(10) + ' '.repeat(5) + 'word '.repeat(30), 20), 'xxxxxxxxxx word wor…');
    assert.equal(cleanServiceName(42), '');
    assert.equal(cleanServiceName(null), '');
    assert.equal(cleanServiceName('\u200b\u202e'), '');
    assert.equal(cleanServiceName('👩\u200d💻 Dev'), '👩\u200d💻 Dev', 'a joiner inside an emoji stays');
    assert.equal(cleanServiceName('😀'.repeat(70)).length <= 64 * 2, true);
    assert.ok(!cleanServiceName('😀'.repeat(70)).includes('\ud83d…'), 'never cut inside a surrogate pair');
  });

  it('text helpers: hasInvisible, stripInvisible, clip', () => {
    for (const bad of [
      'a\u202eb',
      'a\u200bb',
      'a\u2066b',
      'a\u0000b',
      'a\u0085b',
      'a\ufeffb',
      'a\u00adb',
      'a\u{e0041}b',
      'a\u3164b',
      '\u200dx',
      'a\ud800b',
    ]) {
      assert.equal(hasInvisible(bad), true, JSON.stringify(bad));
    }
    for (const good of ['Work', 'Café', 'میخواهم', 'می\u200cخواهم', '👩\u200d💻', '❤\ufe0f', '日本語のキー']) {
      assert.equal(hasInvisible(good), false, JSON.stringify(good));
    }
    assert.equal(stripInvisible('a\u202eb\u200bc'), 'abc');
    assert.equal(clip('abcdef', 4), 'abc…');
    assert.equal(clip('abcd', 4), 'abcd');
  });
});

describe('checkServiceUrl', () => {
  const cases: Array<[string, boolean, boolean, string?]> = [
    ['http://127.0.0.1:39300', false, true, 'http://127.0.0.1:39300'],
    ['http://localhost:1000/', false, true, 'http://localhost:1000'],
    ['http://[::1]:5323', false, true, 'http://[::1]:5323'],
    ['http://127.1.2.3:8080', false, true],
    ['https://pieces.example.com', false, false],
    ['http://pieces.example.com', true, false],
    ['https://pieces.example.com', true, true],
    ['ftp://127.0.0.1', false, false],
    ['127.0.0.1:39300', false, false],
    ['http://user:pw@127.0.0.1:39300', false, false],
    ['http://127.0.0.1:39300/?x=1', false, false],
    ['not a url', false, false],
  ];
  for (const [input, allowRemote, ok, url] of cases) {
    it(`${input} (remote ${allowRemote ? 'allowed' : 'not allowed'}) is ${ok ? 'accepted' : 'refused'}`, () => {
      const result = checkServiceUrl(input, allowRemote);
      assert.equal(result.ok, ok, result.ok ? '' : result.error);
      if (result.ok && url) assert.equal(result.url, url);
    });
  }
});
