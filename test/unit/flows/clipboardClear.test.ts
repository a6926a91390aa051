// When Copy Key empties the clipboard (src/flows/useKeys/clipboardClear.ts): after the delay, only if it still holds
// the key where it can be read back; in a browser, never read (VS Code answers a refused read with an error
// toast of its own), emptied whatever it holds; a later copy replaces the earlier one's clear.
import * as assert from 'node:assert/strict';
import { ClipboardClear } from '../../../src/flows/useKeys/clipboardClear';
import type { ClipboardPort } from '../../../src/flows/workbench';
import { FakeClock } from '../../support/fakeClock';

const KEY_A = 'sk-test-FAKE-clipboard-00000000000000000000000000001';
const KEY_B = 'sk-test-FAKE-clipboard-00000000000000000000000000002';

class FakeClipboard implements ClipboardPort {
  text = '';
  reads = 0;
  readText(): Promise<string> {
    this.reads++;
    return Promise.resolve(this.text);
  }
  writeText(value: string): Promise<void> {
    this.text = value;
    return Promise.resolve();
  }
}

function setUp(canReadBack: boolean): { clock: FakeClock; board: FakeClipboard; clear: ClipboardClear; logs: string[] } {
  const clock = new FakeClock();
  const board = new FakeClipboard();
  const logs: string[] = [];
  const clear = new ClipboardClear({
    clipboard: () => board,
    canReadBack: () => canReadBack,
    delayMs: () => 30_000,
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(m) },
    timers: clock,
  });
  return { clock, board, clear, logs };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Copy Key: emptying the clipboard again', () => {
  it('where it can be read back: empties it after 30 s if it still holds the key, leaves what was copied since', async () => {
    const { clock, board, clear } = setUp(true);
    assert.equal(clear.checksFirst, true);
    await clear.copy(KEY_A);
    await clock.advance(29_999, settle);
    assert.equal(board.text, KEY_A);
    await clock.advance(1, settle);
    assert.equal(board.text, '');
    await clear.copy(KEY_A);
    board.text = 'something the user copied';
    await clock.advance(30_000, settle);
    assert.equal(board.text, 'something the user copied');
  });

  it('in a browser: never reads the clipboard, and empties it after 30 s whatever it holds', async () => {
    const { clock, board, clear, logs } = setUp(false);
    assert.equal(clear.checksFirst, false, 'the message says it empties the clipboard whatever it holds');
    await clear.copy(KEY_A);
    board.text = 'something the user copied';
    await clock.advance(30_000, settle);
    assert.equal(board.text, '');
    assert.equal(board.reads, 0, "a read would show VS Code's error toast in a browser");
    assert.ok(
      logs.every((line) => !line.includes(KEY_A)),
      'no key in the log',
    );
  });

  it("a later copy replaces the earlier one's clear: the newer key stays its full 30 s", async () => {
    const { clock, board, clear } = setUp(false);
    await clear.copy(KEY_A);
    await clock.advance(20_000, settle);
    await clear.copy(KEY_B);
    await clock.advance(10_000, settle);
    assert.equal(board.text, KEY_B, "the first copy's clear did not empty the second key early");
    await clock.advance(20_000, settle);
    assert.equal(board.text, '');
  });

  it('on shutdown, clears at once what would have been cleared later', async () => {
    const { clock, board, clear } = setUp(false);
    await clear.copy(KEY_A);
    await clear.flush();
    assert.equal(board.text, '');
    assert.equal(clock.nextAt(), undefined, 'no timer left');
  });
});
