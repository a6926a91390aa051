import * as assert from 'node:assert/strict';
import { getProvider, type ProviderInfo } from '../../src/core/providers/catalogue';
import { knownSecrets } from '../../src/core/keys/redact';
import {
  MAX_KEY_LENGTH,
  keyLikeReason,
  validateApiKey,
  validateHeldApiKey,
  validateKeyName,
  validateOrganizationId,
} from '../../src/core/keys/validation';

const openai = getProvider('openai') as ProviderInfo;
const mistral = getProvider('mistral') as ProviderInfo;
/** As long as an OpenAI user key ("sk-" and 48 characters). */
const FAKE = 'sk-test-FAKE-00000000000000000000000000000000000001';
const anthropic = getProvider('anthropic') as ProviderInfo;
const google = getProvider('google') as ProviderInfo;
const openrouter = getProvider('openrouter') as ProviderInfo;

type Row = [label: string, input: string, provider: ProviderInfo, outcome: 'ok' | 'warn' | 'length' | RegExp, value?: string];

const keyTable: Row[] = [
  ['a plain OpenAI key', FAKE, openai, 'ok', FAKE],
  ['a project key', `sk-proj-FAKE${'0'.repeat(152)}`, openai, 'ok'],
  ['a service-account key', `sk-svcacct-FAKE${'0'.repeat(149)}`, openai, 'ok'],
  ['surrounding spaces are trimmed', `  ${FAKE}  `, openai, 'ok', FAKE],
  ['a trailing newline from a paste is trimmed', `${FAKE}\n`, openai, 'ok', FAKE],
  ['a tab before the key is trimmed', `\t${FAKE}`, openai, 'ok', FAKE],
  ['the empty string', '', openai, /Enter the API key/],
  ['only spaces', '    ', openai, /Enter the API key/],
  ['only a newline', '\n', openai, /Enter the API key/],
  ['a space inside', 'sk-test-FAKE 0000000000000000', openai, /no spaces/],
  ['a tab inside', 'sk-test-FAKE\t0000000000000000', openai, /no spaces/],
  ['a newline inside', 'sk-test-FAKE\n0000000000000000', openai, /single line/],
  ['a carriage return inside', 'sk-test-FAKE\r0000000000000000', openai, /single line/],
  ['a NUL byte', 'sk-test-FAKE\u00000000000000000', openai, /control characters/],
  ['an escape character', 'sk-test-FAKE\u001b[0m000000000', openai, /control characters/],
  ['a zero-width space', 'sk-test-FAKE\u200b000000000000', openai, /control characters/],
  ['a leading byte-order mark is trimmed', `\ufeff${FAKE}`, openai, 'ok', FAKE],
  ['a byte-order mark inside', 'sk-test-FAKE\ufeff000000000000', openai, /control characters/],
  ['a non-ASCII letter', 'sk-test-FAKÉ0000000000000000', openai, /only printable ASCII/],
  ['an emoji', 'sk-test-FAKE🔑000000000000000', openai, /only printable ASCII/],
  ['too short', 'sk-abc', openai, /too short/],
  ['seven characters', 'sk-1234', openai, /too short/],
  ['a project prefix with three characters (11 in all)', 'sk-proj-abc', openai, /too short for an API key \(11 characters; at least 20\)/],
  ['19 characters: shorter than any provider issues', 'sk-proj-FAKE0000000', openai, /too short/],
  ['far too long', `sk-${'a'.repeat(MAX_KEY_LENGTH)}`, openai, /too long/],
  ['exactly the longest allowed (a warning: longer than OpenAI keys are)', `sk-${'a'.repeat(MAX_KEY_LENGTH - 3)}`, openai, 'length'],
  ['shorter than OpenAI keys are, but possible: a warning', 'sk-test-FAKE-0000000000000000001', openai, 'length'],
  ['an unexpected prefix is only a warning', `pk-test-FAKE${'0'.repeat(39)}`, openai, 'warn'],
  [
    'an Anthropic key in the OpenAI box is refused: "sk-" fits, but "sk-ant-" is Anthropic\'s',
    `sk-ant-api03-FAKE${'0'.repeat(91)}`,
    openai,
    /^This looks like a key from Anthropic \(it starts with "sk-ant-"\), not from OpenAI\.$/,
  ],
  ['an OpenRouter key in the OpenAI box is refused', `sk-or-v1-FAKE${'0'.repeat(60)}`, openai, /key from OpenRouter .*not from OpenAI/],
  ['an OpenAI key in the Anthropic box is refused', FAKE, anthropic, /key from OpenAI \(it starts with "sk-"\), not from Anthropic/],
  ['a Gemini key in the Mistral box is refused', `AIzaFAKE${'0'.repeat(31)}`, mistral, /key from Google Gemini/],
  ['an Anthropic key of the usual length', `sk-ant-api03-FAKE${'0'.repeat(91)}`, anthropic, 'ok'],
  ['a Gemini key of exactly 39 characters', `AIzaFAKE${'0'.repeat(31)}`, google, 'ok'],
  ['a Gemini key of 38 characters: a warning', `AIzaFAKE${'0'.repeat(30)}`, google, 'length'],
  ['an OpenRouter key of 73 characters', `sk-or-v1-FAKE${'0'.repeat(60)}`, openrouter, 'ok'],
  ['a provider without a known prefix accepts anything printable of its length', 'FAKEmistral000000000000000000000', mistral, 'ok'],
  ['a quoted key keeps its quotes but stays valid ASCII', `"${FAKE}"`, openai, 'warn'],
];

describe('validateApiKey (validation table)', () => {
  for (const [label, input, provider, outcome, value] of keyTable) {
    it(label, () => {
      const result = validateApiKey(input, provider);
      if (outcome === 'ok' || outcome === 'warn' || outcome === 'length') {
        assert.ok(result.ok, `expected acceptance, got ${result.ok ? '' : result.error}`);
        assert.equal(result.value, result.value.trim());
        if (value !== undefined) assert.equal(result.value, value);
        if (outcome === 'warn') assert.match(result.warning ?? '', /usually start with "sk-"/);
        else if (outcome === 'length') {
          assert.match(
            result.warning ?? '',
            new RegExp(
              `^${provider.label} keys have \\d+( to \\d+)? characters; this one has ${result.value.length}\\. Check that you copied all of it`,
            ),
          );
        } else assert.equal(result.warning, undefined);
      } else {
        assert.ok(!result.ok, 'expected a refusal');
        assert.match(result.error, outcome);
      }
    });
  }

  it('never quotes the key in a message', () => {
    for (const [, input, provider] of keyTable) {
      const result = validateApiKey(input, provider);
      const text = result.ok ? (result.warning ?? '') : result.error;
      const trimmed = input.trim();
      if (trimmed.length >= 8) assert.ok(!text.includes(trimmed), `message leaks the input: ${text}`);
    }
  });
});

describe('validateOrganizationId', () => {
  const cases: Array<[string, boolean]> = [
    ['', true],
    ['   ', true],
    ['org-FAKE000000000000000000', true],
    [' org-abc123DEF ', true],
    ['org-', false],
    ['org-ab', false],
    ['FAKE000000000000000000', false],
    ['org-has space', false],
    ['org-abc\n123', false],
    ['org-ünïcode', false],
  ];
  for (const [input, ok] of cases) {
    it(`${JSON.stringify(input)} is ${ok ? 'accepted' : 'refused'}`, () => {
      const result = validateOrganizationId(input);
      assert.equal(result.ok, ok);
      if (result.ok) assert.equal(result.value, input.trim());
    });
  }

  it('refuses a key pasted into the organization box as it is typed (the box shows it), and says where it goes', () => {
    for (const key of ['sk-proj-FAKE0000000000000000000000000000', 'sk-ant-api03-FAKEabcdef0000', 'FAKEmistral000000000000000000000']) {
      const result = validateOrganizationId(key);
      assert.ok(!result.ok && result.keyLike, key);
      assert.match(result.error, /^That looks like an API key, not an organization id;.*paste the key in the key box\.$/);
    }
    // An organization id is not a key, however long its run of letters and digits.
    assert.ok(validateOrganizationId('org-ab12cd34ef56gh78ij90kl12').ok);
    const short = validateOrganizationId('FAKE000000000000000000');
    assert.ok(!short.ok && !short.keyLike, 'an id of the wrong shape waits for Enter, as before');
  });
});

describe('validateKeyName', () => {
  it('accepts a trimmed name', () => {
    assert.deepEqual(validateKeyName('  Work  '), { ok: true, value: 'Work' });
  });
  it('refuses an empty name', () => {
    const result = validateKeyName('   ');
    assert.ok(!result.ok && /Enter a name/.test(result.error));
  });
  it('refuses a duplicate, ignoring case', () => {
    const result = validateKeyName('default', ['Default', 'Work']);
    assert.ok(!result.ok && /already exists/.test(result.error));
  });
  it('refuses a name with a line break or control character', () => {
    assert.equal(validateKeyName('a\nb').ok, false);
    assert.equal(validateKeyName('a\u0007b').ok, false);
  });
  it('refuses a name longer than 64 characters', () => {
    assert.equal(validateKeyName(`${'Work '.repeat(13)}X`).ok, false);
    assert.equal(validateKeyName(`${'Work '.repeat(12)}Home`).ok, true);
  });

  it('refuses bidi, zero-width and other invisible characters, and says why', () => {
    for (const bad of [
      'Work\u202e',
      'Wo\u200brk',
      '\u2066Work\u2069',
      'Work\u00ad',
      'Work\ufeffx',
      'Wo\u2028rk',
      'Work\u{e0041}',
      'Wo\u3164rk',
      'Wo\u0085rk',
    ]) {
      const result = validateKeyName(bad);
      assert.ok(!result.ok, JSON.stringify(bad));
      assert.match(result.error, /invisible|single line/);
    }
    for (const good of ['Café', 'Работа', '仕事のキー', 'می\u200cخواهم', '👩\u200d💻 Dev', 'Work ❤\ufe0f']) {
      assert.ok(validateKeyName(good).ok, JSON.stringify(good));
    }
  });

  const keyLike: Array<[string, string]> = [
    ['an OpenAI key', 'sk-proj-FAKE0000000000000000000000000000'],
    ['a bare sk- key', 'sk-FAKE00000000abcd'],
    ['an Anthropic key', 'sk-ant-api03-FAKEabcdef'],
    ['a Gemini key', 'AIzaFAKE0000000000'],
    ['a Groq key', 'gsk_FAKE00000000'],
    ['an OpenRouter key', 'sk-or-v1-FAKE0000'],
    ['a key inside words', 'my key sk-FAKEabcd1234'],
    ['a key after a dash', 'work-sk-FAKEabcd1234'],
    ['a Mistral-style key (32 characters)', 'FAKEmistral000000000000000000000'],
    ['a UUID-style token', '0f8fad5b-d9cb-469f-a165-70867728950e'],
    ['24 characters mixing letters and digits', 'ab12cd34ef56gh78ij90kl12'],
  ];
  for (const [label, name] of keyLike) {
    it(`refuses a name that looks like a key: ${label}`, () => {
      const result = validateKeyName(name);
      assert.ok(!result.ok, `${name} was accepted`);
      assert.match(result.error, /looks like an API key .*stored in plain text/);
      assert.ok(result.keyLike, 'shown as it is typed, before Enter');
      assert.ok(!result.error.includes(name), 'the message quotes the name');
    });
  }

  const ordinary = [
    'Work',
    'Personal',
    'sk',
    'sk-1',
    'Desk-work key',
    'task-force',
    'AIzawa',
    'my-personal-openai-work-key',
    '2024-01-15-production-key',
    'Team key (2024)',
    'gsk',
    'OPENAI_API_KEY from env',
  ];
  for (const name of ordinary) {
    it(`accepts an ordinary name: ${JSON.stringify(name)}`, () => {
      assert.equal(keyLikeReason(name), undefined);
      assert.ok(validateKeyName(name).ok);
    });
  }

  it('refuses a name that holds part of a stored key', () => {
    knownSecrets.remember('FAKE.stored/key+42');
    try {
      const result = validateKeyName('old stored/key name');
      assert.ok(!result.ok && /part of one of your keys/.test(result.error));
      assert.ok(validateKeyName('stored key').ok);
    } finally {
      knownSecrets.clear();
    }
  });
});

describe('validateHeldApiKey (a key Pieces OS holds)', () => {
  const FAKE_HELD = 'sk-test-FAKE-00000000000000000000000000000000000002';
  it('accepts a valid key as it is', () => {
    assert.deepEqual(validateHeldApiKey(FAKE_HELD, openai), { ok: true, value: FAKE_HELD });
  });
  const refused: Array<[string, unknown, RegExp]> = [
    ['a trailing line break', `${FAKE_HELD}\n`, /single line/],
    ['a leading space', ` ${FAKE_HELD}`, /no spaces/],
    ['a line break inside', 'sk-test-FAKE\n0000000000000000', /single line/],
    ['a line separator inside', 'sk-test-FAKE\u20280000000000000000', /control characters/],
    ['a zero-width space', 'sk-test-FAKE\u200b000000000000', /control characters/],
    ['a bidi override', 'sk-test-FAKE\u202e000000000000', /only printable ASCII/],
    ['a byte-order mark around it', `\ufeff${FAKE_HELD}`, /no spaces/],
    ['a NUL', 'sk-test-FAKE\u0000000000000000', /control characters/],
    ['too short', 'sk-1234', /too short/],
    ['too long', `sk-${'a'.repeat(MAX_KEY_LENGTH)}`, /too long/],
    ['empty', '', /empty/],
    ['not a string', 12345, /empty/],
  ];
  for (const [label, input, error] of refused) {
    it(`refuses ${label}`, () => {
      const result = validateHeldApiKey(input, openai);
      assert.ok(!result.ok, `accepted ${JSON.stringify(input)}`);
      assert.match(result.error, error);
    });
  }
});
