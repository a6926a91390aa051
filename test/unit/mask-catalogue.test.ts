import * as assert from 'node:assert/strict';
import { maskKey } from '../../src/core/keys/mask';
import { PROVIDERS, getProvider, knownPrefixOf } from '../../src/core/providers/catalogue';

describe('maskKey', () => {
  it('shows the known prefix and the last 4 characters', () => {
    assert.equal(maskKey('sk-test-FAKE-00000000000000000000009f3a'), 'sk-…9f3a');
    assert.equal(maskKey('sk-proj-FAKE00000000000000000000007c21'), 'sk-proj-…7c21');
    assert.equal(maskKey('sk-ant-FAKE000000000000000000000000ab12'), 'sk-ant-…ab12');
    assert.equal(maskKey('AIzaFAKE0000000000000000000000000000cd34'), 'AIza…cd34');
  });
  it('shows no prefix for an unknown format', () => {
    assert.equal(maskKey('FAKEmistral000000000000000000ef56'), '…ef56');
  });
  it('never shows more than the last 4 characters, whatever the length', () => {
    for (let length = 1; length <= 80; length++) {
      const key = `sk-${'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH'.slice(0, length)}`;
      const masked = maskKey(key);
      const shown = masked.replace(/^.*…/, '');
      assert.ok(shown.length <= 4, `${masked} shows ${shown.length} characters`);
      assert.ok(masked.includes('…'));
    }
  });
  it('shows no tail for keys shorter than 16 characters', () => {
    assert.equal(maskKey('sk-short12345'), 'sk-…');
  });
});

describe('provider catalogue', () => {
  it('lists OpenAI first, and only OpenAI syncs to Pieces OS', () => {
    assert.equal(PROVIDERS[0]?.id, 'openai');
    assert.deepEqual(
      PROVIDERS.filter((p) => p.syncsToPieces).map((p) => p.id),
      ['openai'],
    );
  });
  it('has unique ids, labels and environment variables', () => {
    for (const field of ['id', 'label', 'envVar'] as const) {
      const values = PROVIDERS.map((p) => p[field]);
      assert.equal(new Set(values).size, values.length, `duplicate ${field}`);
    }
  });
  it("names the environment variable each provider's tools read", () => {
    assert.equal(getProvider('openai')?.envVar, 'OPENAI_API_KEY');
    assert.equal(getProvider('anthropic')?.envVar, 'ANTHROPIC_API_KEY');
  });
  it('lists prefixes longest first, so the most specific one wins', () => {
    for (const provider of PROVIDERS) {
      const lengths = provider.keyPrefixes.map((p) => p.length);
      assert.deepEqual(
        lengths,
        [...lengths].sort((a, b) => b - a),
        provider.id,
      );
    }
    assert.equal(knownPrefixOf('sk-proj-FAKE'), 'sk-proj-');
    assert.equal(knownPrefixOf('sk-or-v1-FAKE'), 'sk-or-v1-');
    assert.equal(knownPrefixOf('nothing'), '');
  });
  it('returns undefined for an unknown provider id', () => {
    assert.equal(getProvider('nope'), undefined);
  });
});
