import * as assert from 'node:assert/strict';
import { excerpt, redact } from '../../src/core/redact';
import { checkServiceUrl } from '../../src/core/serviceUrl';

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
