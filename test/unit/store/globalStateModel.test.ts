// The regression test of a design decision: why the store is not one globalState value.
//
// VS Code keeps `globalState` as one value per extension that every window shares: each window has a
// copy, `update` writes the whole value, and other windows' copies change later. A faithful fake of that
// shows the 0.1 design (every change rewrites the whole metadata from this window's copy) losing a row
// when two windows change something close together, and the per-record store over one folder not.
import * as assert from 'node:assert/strict';
import { SecretBackend } from '../../support/memoryStorage';
import { openTempStore, removeRoot, tempRoot } from '../../support/tempStore';

/** globalState as VS Code has it: shared value, per-window copies, whole-value writes, delayed propagation. */
class GlobalStateBackend {
  private value: unknown;
  private readonly windows = new Set<GlobalStateWindow>();
  window(delayMs: number): GlobalStateWindow {
    const window = new GlobalStateWindow(this, delayMs, this.value);
    this.windows.add(window);
    return window;
  }
  write(from: GlobalStateWindow, value: unknown): void {
    this.value = value;
    for (const window of this.windows) if (window !== from) window.deliver(value);
  }
  stored(): unknown {
    return this.value;
  }
}

class GlobalStateWindow {
  constructor(
    private readonly backend: GlobalStateBackend,
    private readonly delayMs: number,
    private copy: unknown,
  ) {}
  get<T>(): T | undefined {
    return this.copy as T | undefined;
  }
  async update(value: unknown): Promise<void> {
    this.copy = value;
    this.backend.write(this, value);
  }
  deliver(value: unknown): void {
    setTimeout(() => (this.copy = value), this.delayMs);
  }
}

/** The 0.1 design in miniature: every change reads this window's copy and writes the whole value. */
class WholeValueStore {
  constructor(private readonly state: GlobalStateWindow) {}
  async add(name: string): Promise<void> {
    const keys = this.state.get<string[]>() ?? [];
    await this.state.update([...keys, name]);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('design decision: per-record files, not one globalState value', () => {
  it("with globalState's real semantics, two windows adding keys close together lose a row (the old design)", async () => {
    const backend = new GlobalStateBackend();
    const one = new WholeValueStore(backend.window(20));
    const two = new WholeValueStore(backend.window(20));
    await one.add('from window one');
    await two.add('from window two'); // window two has not seen window one's write yet
    await sleep(40);
    assert.deepEqual(backend.stored(), ['from window two'], 'the row added in window one is gone');
  });

  it('the per-record store keeps both rows in the same situation', async () => {
    const root = tempRoot();
    const secrets = new SecretBackend();
    const one = await openTempStore({ root, secrets: secrets.window(20), windowId: 'one' });
    const two = await openTempStore({ root, secrets: secrets.window(20), windowId: 'two' });
    try {
      await one.store.add({ provider: 'openai', name: 'from window one', secret: 'sk-test-FAKE-design-0000000000001' });
      await two.store.add({ provider: 'openai', name: 'from window two', secret: 'sk-test-FAKE-design-0000000000002' });
      const fresh = await openTempStore({ root, secrets: secrets.window(0), windowId: 'three' });
      assert.deepEqual(
        fresh.store.list().map((k) => k.name),
        ['from window one', 'from window two'],
      );
      fresh.close();
    } finally {
      one.close();
      two.close();
      removeRoot(root);
    }
  });
});
