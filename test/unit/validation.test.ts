import * as assert from 'node:assert/strict';
import { getProvider, type ProviderInfo } from '../../src/core/providers';
import { MAX_KEY_LENGTH, validateApiKey, validateKeyName, validateOrganizationId } from '../../src/core/validation';

const openai = getProvider('openai') as ProviderInfo;
const mistral = getProvider('mistral') as ProviderInfo;
const FAKE = 'sk-test-FAKE-00000000000000000000000001';

type Row = [label: string, input: string, provider: ProviderInfo, outcome: 'ok' | 'warn' | RegExp, value?: string];

const keyTable: Row[] = [
  ['a plain OpenAI key', FAKE, openai, 'ok', FAKE],
  ['a project key', 'sk-proj-FAKE0000000000000000000000000000', openai, 'ok'],
  ['a service-account key', 'sk-svcacct-FAKE000000000000000000000000', openai, 'ok'],
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
  ['a leading byte-order mark is trimmed', '\ufeffsk-test-FAKE000000000000', openai, 'ok', 'sk-test-FAKE000000000000'],
  ['a byte-order mark inside', 'sk-test-FAKE\ufeff000000000000', openai, /control characters/],
  ['a non-ASCII letter', 'sk-test-FAKÉ0000000000000000', openai, /only printable ASCII/],
  ['an emoji', 'sk-test-FAKE🔑000000000000000', openai, /only printable ASCII/],
  ['too short', 'sk-abc', openai, /too short/],
  ['seven characters', 'sk-1234', openai, /too short/],
  ['far too long', `sk-${'a'.repeat(MAX_KEY_LENGTH)}`, openai, /too long/],
  ['exactly the longest allowed', `sk-${'a'.repeat(MAX_KEY_LENGTH - 3)}`, openai, 'ok'],
  ['an unexpected prefix is only a warning', 'pk-test-FAKE0000000000000000000', openai, 'warn'],
  ['an Anthropic key pasted as OpenAI is a warning (sk- still matches)', 'sk-ant-FAKE000000000000000000000', openai, 'ok'],
  ['a provider without a known prefix accepts anything printable', 'FAKEmistral0000000000000000', mistral, 'ok'],
  ['a quoted key keeps its quotes but stays valid ASCII', '"sk-test-FAKE0000000000000"', openai, 'warn'],
];

describe('validateApiKey (validation table)', () => {
  for (const [label, input, provider, outcome, value] of keyTable) {
    it(label, () => {
      const result = validateApiKey(input, provider);
      if (outcome === 'ok' || outcome === 'warn') {
        assert.ok(result.ok, `expected acceptance, got ${result.ok ? '' : result.error}`);
        assert.equal(result.value, result.value.trim());
        if (value !== undefined) assert.equal(result.value, value);
        if (outcome === 'warn') assert.match(result.warning ?? '', /usually start with "sk-"/);
        else assert.equal(result.warning, undefined);
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
    // Words, so that a long run of key characters (refused on its own) does not decide it.
    const words = 'work key '.repeat(8);
    assert.equal(validateKeyName(`${words}ab`.slice(0, 65)).ok, false);
    assert.equal(validateKeyName(`${words}ab`.slice(0, 64)).ok, true);
  });
  it('refuses a key pasted as a name (a catalogue prefix with key characters, or a long run), and says why', () => {
    for (const pasted of ['sk-proj-abcdefgh12345678', 'my sk-ant-api03-abcdefgh', 'gsk_0123456789abcdef', 'AIzaSyA-abcdefgh', 'a'.repeat(32)]) {
      const result = validateKeyName(pasted);
      assert.ok(!result.ok && /looks like an API key/.test(result.error), pasted.slice(0, 6));
      assert.ok(!result.ok && !result.error.includes(pasted), 'the message quotes the name');
    }
    for (const fine of ['sk-learn', 'Work', 'Personal (sk-…)', 'gsk_ test', 'a'.repeat(31)]) assert.equal(validateKeyName(fine).ok, true, fine);
  });
});
