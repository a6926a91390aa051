// Two real processes, one store: two "windows" (window.ts), each with its own store and engine over the
// same folder, SecretStorage that behaves like VS Code's (a copy per window, updated by events the parent
// forwards with a random delay), and the real client against the stand-in (through a proxy that counts
// key calls in flight). Random interleaved operations, with faults, for many sequences; after each, both
// windows must list exactly what a reference model says, nothing may be orphaned or half done, one
// window at a time may send, and Pieces OS must hold the chosen key.
import * as assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { secretOwner, unwrapSecret } from '../../src/core/store/secretVault';
import { type StandIn, startStandIn } from '../../stand-in/server';
import { mulberry32 } from '../support/random';
import { sized } from '../support/sizes';
import { removeRoot, tempRoot } from '../support/tempStore';
import type { Op, Request, Snapshot } from './window';

const SEQUENCES = sized('TWO_WINDOW_SEQUENCES', 150, 2000);
const BATCHES = 6;
const SEED = Number(process.env.TWO_WINDOW_SEED ?? 4242);

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

class Window {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(
    readonly name: string,
    onSecret: (key: string, value: string | null) => void,
  ) {
    this.child = fork(path.join(__dirname, 'window.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on(
      'message',
      (message: { type: string; id?: number; result?: unknown; error?: string; key?: string; value?: string | null }) => {
        if (message.type === 'secret') onSecret(message.key as string, message.value ?? null);
        if (message.type !== 'reply' || message.id === undefined) return;
        const entry = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        if (message.error !== undefined) entry?.reject(new Error(`${this.name}: ${message.error}`));
        else entry?.resolve(message.result);
      },
    );
  }

  call<T>(request: WithoutId<Request>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...request, id });
    });
  }

  deliver(key: string, value: string | null): void {
    this.child.send({ type: 'secret', key, value });
  }

  kill(): void {
    this.child.kill();
  }
}

/** A proxy in front of the stand-in that remembers the most key calls it ever saw in flight at once. */
async function countingProxy(
  target: string,
): Promise<{ url: string; maxInFlight: () => number; reset: () => void; close: () => Promise<void> }> {
  let inFlight = 0;
  let max = 0;
  const server = http.createServer((req, res) => {
    const isKeyCall = (req.url ?? '').startsWith('/external_provider/');
    if (isKeyCall) max = Math.max(max, ++inFlight);
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    const done = (): void => {
      if (isKeyCall) inFlight--;
    };
    res.once('close', done);
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    maxInFlight: () => max,
    reset: () => {
      max = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface ModelKey {
  secret: string;
  organization: string;
}

describe('two windows in two processes over one store', function () {
  this.timeout(900_000);
  let standIn: StandIn;
  let proxy: Awaited<ReturnType<typeof countingProxy>>;
  let windows: Window[] = [];
  let backend = new Map<string, string>();
  /** Secret writes on their way to the other window's copy. */
  let inTransit = 0;

  before(async () => {
    standIn = await startStandIn({ port: 0 });
    proxy = await countingProxy(standIn.url);
    // The other window's copy catches up later, as VS Code's does: after a random delay, but in order.
    const lastDelivery = [0, 0];
    const forward = (from: number) => (key: string, value: string | null) => {
      if (value === null) backend.delete(key);
      else backend.set(key, value);
      const to = 1 - from;
      const at = Math.max(lastDelivery[to] ?? 0, Date.now() + Math.floor(Math.random() * 10));
      lastDelivery[to] = at;
      inTransit++;
      setTimeout(() => {
        inTransit--;
        windows[to]?.deliver(key, value);
      }, at - Date.now());
    };
    windows = [new Window('one', forward(0)), new Window('two', forward(1))];
  });

  after(async () => {
    for (const window of windows) window.kill();
    await proxy?.close();
    await standIn?.stop();
  });

  it(`ends in the model's state over ${SEQUENCES} random sequences: no row lost, nothing orphaned, one sender at a time`, async () => {
    const started = performance.now();
    let ops = 0;
    for (let sequence = 0; sequence < SEQUENCES; sequence++) ops += await runSequence(SEED + sequence);
    console.log(
      `      (${SEQUENCES} sequences, ${ops} operations in two processes, in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  });

  async function runSequence(seed: number): Promise<number> {
    const random = mulberry32(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const root = tempRoot();
    standIn.reset();
    proxy.reset();
    backend = new Map();
    const model = new Map<string, ModelKey>();
    let active: string | null = null;
    let counter = 0;
    const log: string[] = [];
    const [one, two] = windows as [Window, Window];
    try {
      await Promise.all(windows.map((w) => w.call({ type: 'open', root, windowId: w.name, serviceUrl: proxy.url, secrets: [...backend] })));
      let count = 0;
      for (let batch = 0; batch < BATCHES; batch++) {
        const used = new Set<string>();
        let choiceTaken = false;
        const planned: Array<{ window: Window; op: Op; apply: () => void }> = [];
        for (const window of [one, two]) {
          if (random() < 0.25) continue;
          const free = [...model.keys()].filter((name) => !used.has(name));
          const roll = random();
          const fresh = `sk-test-FAKE-2win-${seed}-${++counter}-0000000000`;
          if (free.length === 0 || roll < 0.3) {
            const name = `k${seed}-${counter}`;
            const choose: boolean = !choiceTaken && (active === null || random() < 0.4);
            choiceTaken ||= choose;
            used.add(name);
            planned.push({
              window,
              op: { op: 'add', name, secret: fresh, choose },
              apply: () => {
                model.set(name, { secret: fresh, organization: '' });
                if (choose) active = name;
              },
            });
            continue;
          }
          const name = pick(free);
          used.add(name);
          if (roll < 0.5) {
            planned.push({ window, op: { op: 'rotate', name, secret: fresh }, apply: () => void (model.get(name)!.secret = fresh) });
          } else if (roll < 0.62) {
            const to = `${name}-r${counter}`;
            used.add(to);
            planned.push({
              window,
              op: { op: 'rename', name, to },
              apply: () => {
                model.set(to, model.get(name)!);
                model.delete(name);
                if (active === name) active = to;
              },
            });
          } else if (roll < 0.8 && !choiceTaken) {
            choiceTaken = true;
            planned.push({ window, op: { op: 'use', name }, apply: () => void (active = name) });
          } else if (active !== name || !choiceTaken) {
            const isActive = active === name;
            choiceTaken ||= isActive;
            const candidates = [...model.keys()].filter((n) => n !== name && !used.has(n));
            const successor = isActive && candidates.length > 0 && random() < 0.6 ? pick(candidates) : undefined;
            if (successor) used.add(successor);
            planned.push({
              window,
              op: { op: 'delete', name, ...(successor ? { successor } : {}) },
              apply: () => {
                model.delete(name);
                if (isActive) active = successor ?? null;
              },
            });
          }
        }
        if (random() < 0.2) {
          const fault = pick(['serverError', 'drop', 'dropMidBody', 'invalidJson'] as const);
          standIn.failNext(1 + Math.floor(random() * 2), fault);
          log.push(`fault ${fault}`);
        }
        log.push(planned.map((p) => `${p.window.name}: ${JSON.stringify(p.op)}`).join(' | ') || '(nothing)');
        await Promise.all(planned.map((p) => p.window.call({ type: 'op', op: p.op })));
        for (const p of planned) p.apply();
        count += planned.length;
        // A person does not act in two windows within milliseconds: let this batch's secrets reach both copies.
        while (inTransit > 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }

      // Quiet: no faults; both windows sync until nothing waits.
      const settleStarted = performance.now();
      standIn.clearFaults();
      for (let round = 0; round < 20; round++) {
        const pending = await Promise.all(windows.map((w) => w.call<number>({ type: 'settle' })));
        if (pending.every((p) => p === 0)) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (process.env.TWO_WINDOW_TIMING) console.log(`settle ${(performance.now() - settleStarted).toFixed(0)} ms`);
      const snapshots = await Promise.all(windows.map((w) => w.call<Snapshot>({ type: 'snapshot' })));
      const expected = [...model]
        .map(([name, key]) => ({ name, organization: key.organization, secret: key.secret }))
        .sort((a, b) => a.name.localeCompare(b.name));
      for (const [i, snapshot] of snapshots.entries()) {
        const label = `window ${windows[i]?.name}`;
        assert.deepEqual(
          [...snapshot.keys].sort((a, b) => a.name.localeCompare(b.name)),
          expected,
          `${label}: the keys`,
        );
        assert.equal(snapshot.active, active, `${label}: the key Pieces OS uses`);
        assert.equal(snapshot.marks, 0, `${label}: half-done changes`);
        assert.equal(snapshot.pending, 0, `${label}: changes still wait`);
      }
      const ids = new Map(snapshots[0]!.ids.map((k) => [k.id, k.previous]));
      for (const [name, value] of backend) {
        const owner = secretOwner(name);
        if (!owner) continue;
        assert.ok(ids.has(owner.id), `orphaned secret ${name}`);
        if (owner.slot === 'previous') assert.ok(ids.get(owner.id), `a previous secret nobody keeps: ${name}`);
        assert.ok(unwrapSecret(value).key.startsWith('sk-test-FAKE-2win-'));
      }
      assert.equal(standIn.openAI?.api_key, active ? model.get(active)?.secret : undefined, 'Pieces OS holds the chosen key');
      assert.ok(proxy.maxInFlight() <= 1, `${proxy.maxInFlight()} key calls were in flight at once: two windows sent`);
      return count;
    } catch (error) {
      (error as Error).message += `\n  seed ${seed}:\n    ${log.join('\n    ')}`;
      throw error;
    } finally {
      await Promise.all(windows.map((w) => w.call({ type: 'close' }).catch(() => undefined)));
      removeRoot(root);
    }
  }
});
