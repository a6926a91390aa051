// Strangers in the store's folders, the way the crash tests work: between every two operations a
// generator plants random files, folders, links (to files, to folders, dangling, looping) and FIFOs,
// with names close to the store's own (a record's or a generation's name that is free, leading zeros,
// extreme lengths, temporary-file names), in every folder of the store. Two windows take turns over
// one store; after each operation both must list what the model says, and Pieces OS must hold the key
// the user chose. Nothing outside the store may be touched through a link.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { StoreBundle } from '../../../src/core/store/createStore';
import { SyncEngine } from '../../../src/core/sync/engine';
import { FakeClock } from '../../support/fakeClock';
import { FakeService } from '../../support/fakeService';
import { SecretBackend } from '../../support/memoryStorage';
import { mulberry32 } from '../../support/random';
import { openTempStore, removeRoot, tempRoot } from '../../support/tempStore';

const SEQUENCES = Number(process.env.FOREIGN_SEQUENCES ?? 4);
const OPERATIONS = 30;
const SEED = Number(process.env.FOREIGN_SEED ?? 1616);
/** Far below the store lock's TTL (10 s) and the lease's (20 s): a wedged store shows as a slow operation. */
const OPERATION_DEADLINE_MS = 3000;
const KINDS = [
  'empty',
  'garbage',
  'lookalike',
  'large',
  'folder',
  'linkToFile',
  'linkToFolder',
  'dangling',
  'loop',
  ...(process.platform === 'win32' ? [] : ['fifo']),
] as const;
type Kind = (typeof KINDS)[number];

interface Window {
  bundle: StoreBundle;
  engine: SyncEngine;
  logs: string[];
}

describe('strangers planted in every folder of the store between operations, two windows', function () {
  this.timeout(120_000);

  for (let sequence = 0; sequence < SEQUENCES; sequence++) {
    it(`sequence ${sequence + 1}: every change lands in both windows and is sent; nothing outside is touched`, async () => {
      const planted = await runSequence(SEED + sequence);
      for (const kind of KINDS) assert.ok(planted.has(kind), `the generator planted a ${kind}`);
    });
  }
});

async function runSequence(seed: number): Promise<Set<Kind>> {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const root = tempRoot();
  const outside = tempRoot();
  const backend = new SecretBackend();
  const service = new FakeService();
  const clock = new FakeClock();
  const windows: Window[] = [];
  const planted = new Set<Kind>();
  let plants = 0;
  const outsideFiles = new Map<string, string>();
  try {
    for (const name of ['one', 'two']) {
      const logs: string[] = [];
      const temp = await openTempStore({
        root,
        secrets: backend.window(0),
        windowId: name,
        now: () => new Date(clock.now()),
        log: (line) => logs.push(line),
      });
      const engine = new SyncEngine({ store: temp.store, service, clock, lease: temp.bundle.lease, random: () => 0.5 });
      windows.push({ bundle: temp.bundle, engine, logs });
    }
    const model = new Map<string, string>(); // name → key
    let active: string | undefined;
    let counter = 0;

    const plantAll = (): void => {
      for (const folder of [
        root,
        path.join(root, 'records'),
        path.join(root, 'locks'),
        path.join(root, 'locks', 'store'),
        path.join(root, 'locks', 'sender'),
      ]) {
        if (!isFolder(folder)) continue;
        for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
          const name = pick(namesFor(folder, random));
          const file = path.join(folder, name);
          if (exists(file)) continue; // the store's own entries are never overwritten by the test
          const kind = pick(KINDS);
          plantOne(file, kind, outside, outsideFiles, random);
          planted.add(kind);
          plants++;
        }
      }
      // A folder that does not exist yet (the lease's, before the first send) can have something in its place.
      const sender = path.join(root, 'locks', 'sender');
      if (!exists(sender) && isFolder(path.dirname(sender)) && random() < 0.5) {
        const kind = pick(['garbage', 'linkToFolder', 'dangling'] as const);
        plantOne(sender, kind, outside, outsideFiles, random);
        planted.add(kind);
        plants++;
      }
    };

    for (let step = 0; step < OPERATIONS; step++) {
      plantAll();
      const window = windows[step % 2] as Window;
      const store = window.bundle.store;
      await store.refresh();
      const names = [...model.keys()];
      const idOf = (name: string): string => {
        const key = store.list().find((k) => k.name === name);
        assert.ok(key, `window ${step % 2} sees "${name}"`);
        return key.id;
      };
      const roll = names.length === 0 ? 0 : random();
      let label: string;
      let run: () => Promise<unknown>;
      if (roll < 0.35 || names.length < 2) {
        const name = `Key ${++counter}`;
        const key = fakeKey(counter);
        const choose = !active || random() < 0.5;
        label = `add ${name}${choose ? ' (chosen)' : ''}`;
        run = () => store.add({ provider: 'openai', name, secret: key }, { choose });
        model.set(name, key);
        if (choose) active = name;
      } else if (roll < 0.55) {
        const name = pick(names);
        const key = fakeKey(++counter);
        label = `rotate ${name}`;
        run = () => store.rotate(idOf(name), key);
        model.set(name, key);
      } else if (roll < 0.7) {
        const name = pick(names);
        const to = `Key ${++counter}`;
        label = `rename ${name} to ${to}`;
        run = () => store.update(idOf(name), { name: to });
        model.set(to, model.get(name) as string);
        model.delete(name);
        if (active === name) active = to;
      } else if (roll < 0.85) {
        const name = pick(names);
        label = `use ${name}`;
        run = () => window.engine.choose('openai', idOf(name));
        active = name;
      } else {
        const name = pick(names);
        const successor = active === name ? names.find((other) => other !== name) : undefined;
        label = `delete ${name}`;
        run = () => store.remove(idOf(name), successor ? { successor: idOf(successor) } : {});
        model.delete(name);
        if (active === name) active = successor;
      }
      const context = `seed ${seed}, step ${step + 1} (${label})`;
      await withinDeadline(run(), context);
      await withinDeadline(settle(windows), `${context}, sending`);
      for (const [index, other] of windows.entries()) {
        const seen = other.bundle.store;
        await seen.refresh();
        const listed = new Map<string, string>();
        for (const key of seen.list()) {
          listed.set(
            key.name,
            await seen
              .secret(key.id)
              .catch((error: unknown) => `${context}: window ${index + 1} cannot read "${key.name}": ${String(error)}`),
          );
        }
        assert.deepEqual(sorted(listed), sorted(model), `${context}: window ${index + 1} lists what the model says`);
        assert.equal(seen.activeKey('openai')?.name, active, `${context}: window ${index + 1} has the chosen key`);
      }
      assert.equal(service.state('openai')?.apiKey, active ? model.get(active) : undefined, `${context}: Pieces OS holds the chosen key`);
    }
    for (const [file, content] of outsideFiles) assert.equal(readFileSync(file, 'utf8'), content, `${file} outside the store is untouched`);
    for (const window of windows) {
      assert.ok(
        window.logs.some((line) => line.startsWith('Ignored') || line.startsWith('Skipped')),
        'strangers are logged',
      );
      // Once per entry, not once per look (names are redacted in the log, so lines are counted, not compared).
      const ignored = window.logs.filter((line) => line.startsWith('Ignored')).length;
      assert.ok(ignored <= plants, `${ignored} lines for ${plants} strangers`);
      assert.ok(!window.logs.join('\n').includes('FAKE-stranger'), 'a planted name that holds a key is not logged as it is');
    }
    return planted;
  } finally {
    for (const window of windows) {
      window.engine.dispose();
      window.bundle.dispose();
    }
    removeRoot(root);
    removeRoot(outside);
  }
}

/** Both windows send what waits (the one that holds the lease sends; the other finds nothing left). */
async function settle(windows: Window[]): Promise<void> {
  for (let round = 0; round < 3; round++) {
    for (const window of windows) {
      await window.bundle.store.refresh();
      await window.engine.drain({ now: true });
      await window.engine.whenIdle();
    }
  }
}

/** Names close to the store's own in `folder`, some exact (free) names, some near misses. */
function namesFor(folder: string, random: () => number): string[] {
  const base = path.basename(folder);
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  if (base === 'records') {
    return [
      'choice-openai.json',
      'sent-openai.json',
      'choice-anthropic.json',
      'sent-gemini.json',
      `key-${randomUUID()}.json`,
      `key-${randomUUID()}.json`,
      `key-${'0'.repeat(3)}${digits(3)}.json`,
      `key-${'a'.repeat(65)}.json`,
      `choice-openai.json.${randomUUID()}.tmp`,
      `.choice-openai.json.${randomUUID()}.tmp`,
      'meta.json~',
      'KEY-x.json',
      'sent-openai.JSON',
      'sk-test-FAKE-stranger-000000000000001.json',
      `${'k'.repeat(240)}.json`,
    ];
  }
  if (base === 'store' || base === 'sender') {
    const top = Math.max(
      0,
      ...readdirSync(folder)
        .filter((name) => /^[1-9]\d{0,14}\.json$/.test(name))
        .map((name) => Number(name.slice(0, -5))),
    );
    return [
      `${top + 1}.json`,
      `${top + 2}.json`,
      `${top + 3}.json`,
      `0${top + 1}.json`,
      `${'0'.repeat(20)}${top + 1}.json`,
      `${'9'.repeat(15)}.json`,
      `${'9'.repeat(16)}.json`,
      `${digits(40)}.json`,
      `${'7'.repeat(250)}.json`,
      `${top + 1}.json.tmp`,
      `.${randomUUID()}.tmp`,
      '-1.json',
      '1e3.json',
    ];
  }
  if (base === 'locks') return ['store.json', 'sender.json', 'store2', `sender.${randomUUID()}.tmp`, '.store'];
  return ['records.json', 'locks.json', 'meta.json', 'records2', '.records', `locks.${digits(5)}`];
}

function plantOne(file: string, kind: Kind, outside: string, outsideFiles: Map<string, string>, random: () => number): void {
  const target = path.join(outside, randomUUID());
  const name = path.basename(file);
  const id = /^key-(.+)\.json$/.exec(name)?.[1] ?? 'x';
  // What a link or a file can hold: something that would pass for a record or a generation if it were read.
  const lookalike =
    random() < 0.5
      ? JSON.stringify({
          v: 1,
          id,
          provider: 'openai',
          name: 'Planted',
          createdAt: '2026-01-01T00:00:00.000Z',
          updatedAt: '2026-01-01T00:00:00.000Z',
          secretRev: 'abc',
        })
      : JSON.stringify({
          v: 1,
          provider: 'openai',
          activeId: 'planted',
          nonce: 'n',
          at: '2026-01-01T00:00:00.000Z',
          holds: 'ours',
          attempts: 0,
        });
  switch (kind) {
    case 'empty':
      writeFileSync(file, '');
      break;
    case 'garbage':
      writeFileSync(file, `{"garbage":${random()}`);
      break;
    case 'lookalike':
      // Close, but not a record: a file of exactly the store's name and type that *is* a valid record
      // is the store's own by definition (that is a forgery, not a stranger).
      writeFileSync(file, lookalike.replace('"v":1', '"v":"1"'));
      break;
    case 'large':
      writeFileSync(file, `${lookalike.slice(0, -1)},"pad":"${'x'.repeat(100_000)}"}`);
      break;
    case 'folder':
      mkdirSync(path.join(file, 'inside'), { recursive: true });
      writeFileSync(path.join(file, 'inside', '1.json'), lookalike);
      break;
    case 'linkToFile':
      writeFileSync(target, lookalike);
      outsideFiles.set(target, lookalike);
      symlinkSync(target, file);
      break;
    case 'linkToFolder':
      mkdirSync(target);
      for (let gen = 1; gen <= 3; gen++) {
        writeFileSync(path.join(target, `${gen}.json`), lookalike);
        outsideFiles.set(path.join(target, `${gen}.json`), lookalike);
      }
      symlinkSync(target, file);
      break;
    case 'dangling':
      symlinkSync(target, file);
      break;
    case 'loop':
      symlinkSync(file, file);
      break;
    case 'fifo': {
      const made = spawnSync('mkfifo', [file]);
      if (made.status !== 0) writeFileSync(file, ''); // no mkfifo here: a file stands in
      break;
    }
  }
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

function isFolder(file: string): boolean {
  try {
    return lstatSync(file).isDirectory();
  } catch {
    return false;
  }
}

function fakeKey(n: number): string {
  return `sk-test-FAKE-stranger-${String(n).padStart(16, '0')}`;
}

function sorted(map: Map<string, string>): Array<[string, string]> {
  return [...map].sort(([a], [b]) => a.localeCompare(b));
}

async function withinDeadline<T>(work: Promise<T>, context: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${context}: not done after ${OPERATION_DEADLINE_MS} ms (the store is wedged)`)),
      OPERATION_DEADLINE_MS,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
