import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { JsonBudget, MAX_ANSWER_BYTES, MAX_JSON_DEPTH, MAX_JSON_TOKENS, parseRetryAfter, readAnswer } from '../../src/core/pieces/answer';
import { BACKOFF_MAX_MS } from '../../src/core/time';

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** The median time of `run` over a few rounds, in ms (the first round warms up). */
function timed(run: () => void, rounds = 7): number {
  run();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return median(times);
}

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-05T12:00:00Z');
  const cases: Array<[string | null | undefined, number | undefined]> = [
    [undefined, undefined],
    [null, undefined],
    ['', undefined],
    ['  ', undefined],
    ['0', 0],
    ['7', 7000],
    [' 12 ', 12_000],
    ['60', 60_000],
    ['61', BACKOFF_MAX_MS],
    ['86400', BACKOFF_MAX_MS],
    ['99999999999999999999999', BACKOFF_MAX_MS],
    ['Thu, 05 Nov 2026 12:00:30 GMT', 30_000],
    ['Thu, 05 Nov 2026 11:59:00 GMT', 0],
    ['Fri, 06 Nov 2026 12:00:00 GMT', BACKOFF_MAX_MS],
    ['-5', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['Thu, 99 Nov 2026 99:00:00 GMT', undefined],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} → ${String(expected)}`, () => {
      assert.equal(parseRetryAfter(value, now), expected);
    });
  }
});

describe('JsonBudget', () => {
  const fits = (text: string, chunk = text.length): boolean => {
    const budget = new JsonBudget();
    const bytes = Buffer.from(text);
    for (let at = 0; at < bytes.length; at += chunk) if (!budget.feed(bytes.subarray(at, at + chunk))) return false;
    return true;
  };
  it('counts structure, not what strings hold, across chunk boundaries', () => {
    assert.equal(fits(`{"a":"${'{['.repeat(50_000)}\\"{{"}`, 7), true);
    assert.equal(fits('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH), 3), true);
    assert.equal(fits('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1), 3), false);
    assert.equal(fits(`[${'1,'.repeat(MAX_JSON_TOKENS - 2)}1]`, 1000), true);
    assert.equal(fits(`[${'1,'.repeat(MAX_JSON_TOKENS)}1]`, 1000), false);
  });

  it('whatever JSON fits the limits parses within a few milliseconds; a 1 MB body without them would not', function () {
    this.timeout(60_000);
    const tokens = MAX_JSON_TOKENS;
    const worst: Record<string, string> = {
      'empty objects': `[${Array(tokens / 2)
        .fill('{}')
        .join(',')}]`,
      'distinct keys, long': `{${Array.from({ length: tokens / 2 - 1 }, (_, i) => `"${'k'.repeat(180)}${i}":1`).join(',')}}`,
      'distinct keys, non-ASCII': `{${Array.from({ length: tokens / 2 - 1 }, (_, i) => `"ключ${i}${'é'.repeat(40)}":"${'ü'.repeat(10)}"`).join(',')}}`,
      numbers: `[${Array(tokens - 1)
        .fill('1.2345678901234567e-300')
        .join(',')}]`,
      'one long string': JSON.stringify('x'.repeat(MAX_ANSWER_BYTES - 2)),
      escapes: `"${'\\u0041'.repeat(Math.floor(MAX_ANSWER_BYTES / 6) - 1)}"`,
      'nested to the limit': `${'['.repeat(MAX_JSON_DEPTH - 1)}${Array(tokens - 100)
        .fill('1')
        .join(',')}${']'.repeat(MAX_JSON_DEPTH - 1)}`,
    };
    const lines: string[] = [];
    for (const [name, text] of Object.entries(worst)) {
      const bytes = Buffer.from(text);
      assert.ok(bytes.length <= MAX_ANSWER_BYTES, `${name}: ${bytes.length} bytes`);
      assert.ok(new JsonBudget().feed(bytes), `${name} should fit the limits`);
      // What the client does with an answer: count its structure, decode it, parse it.
      const ms = timed(() => {
        new JsonBudget().feed(bytes);
        JSON.parse(bytes.toString('utf8'));
      });
      lines.push(`${name} ${(bytes.length / 1024).toFixed(0)} KB: ${ms.toFixed(1)} ms`);
      assert.ok(ms < 15, `${name} took ${ms.toFixed(1)} ms`);
    }
    // The control: what the limits keep out takes an order of magnitude longer.
    const unbounded = `[${Array(Math.floor(MAX_ANSWER_BYTES / 3))
      .fill('{}')
      .join(',')}]`;
    assert.equal(new JsonBudget().feed(Buffer.from(unbounded)), false);
    const unboundedMs = timed(() => void JSON.parse(unbounded), 3);
    console.log(`      (worst allowed: ${lines.join('; ')}; refused 1 MB of empty objects would take ${unboundedMs.toFixed(0)} ms)`);
  });
});

describe('readAnswer', () => {
  const body = (chunks: string[]): Readable => Readable.from(chunks.map((chunk) => Buffer.from(chunk)));

  it('reads a body under the limit whole, over several chunks', async () => {
    assert.deepEqual(await readAnswer(body(['{"a":', '1}']), NaN, 100, true), { text: '{"a":1}' });
  });

  it('keeps only what fits of a chunk larger than the limit, and destroys the rest (the connection closes)', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(1000, 0x61));
      },
    });
    const read = await readAnswer(endless, NaN, 10, false);
    assert.deepEqual(read, { text: 'aaaaaaaaaa', problem: 'tooLarge' });
    assert.equal(endless.destroyed, true);
    assert.ok(pulled <= 2, `pulled ${pulled} chunks`);
  });

  it('refuses a declared length over the limit without reading', async () => {
    let pulled = 0;
    const stream = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(10));
      },
    });
    const read = await readAnswer(stream, 1_000_000, 100, false);
    assert.deepEqual(read, { text: '', problem: 'tooLarge' });
    assert.equal(stream.destroyed, true);
    assert.equal(pulled, 0);
  });

  it('stops JSON that breaks the structure limits', async () => {
    assert.equal((await readAnswer(body(['['.repeat(1000)]), NaN, 10_000, true)).problem, 'tooComplex');
    assert.equal((await readAnswer(body(['['.repeat(1000)]), NaN, 10_000, false)).problem, undefined);
  });

  it('a body cut before its end is an error, not a short answer', async () => {
    const cut = new Readable({ read() {} });
    cut.push(Buffer.from('{"metadata":'));
    setImmediate(() => cut.destroy());
    await assert.rejects(readAnswer(cut, NaN, 100, true), /ended early/);
  });
});
