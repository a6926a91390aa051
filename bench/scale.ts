// Scale: what add, rotate, delete, a render and a sync cost as the number of stored keys grows.
// Written against the store's public API (add, rotate, remove, list) over counting fakes; how the
// store is built and filled lives in storeAdapter.ts. "Render" is what the tree needs per render:
// list() and one mask per key, from the same MaskCache the tree uses.
import { MaskCache } from '../src/core/keys/maskCache';
import type { KeyFields, ServicePort } from '../src/core/pieces/servicePort';
import { Meter, fakeKey } from './fakes';
import { median, round } from './stats';
import { createStore, createSync, seed } from './storeAdapter';

export interface ScaleRow {
  keys: number;
  add_ms: number;
  rotate_ms: number;
  delete_ms: number;
  /** One render of every row. */
  render_ms: number;
  render_ms_per_key: number;
  sync_ms: number;
  secret_reads_per_sync: number;
  /** Per re-render of unchanged rows (after a first render that may fill a cache). */
  secret_reads_per_render: number;
  secret_reads_first_render: number;
  /** Mean over add, rotate and delete. */
  bytes_written_per_op: number;
  add_bytes: number;
  rotate_bytes: number;
  delete_bytes: number;
}

export interface ScaleOptions {
  sizes: readonly number[];
  opsPerKind: number;
  renders: number;
  syncs: number;
}

/** A Pieces OS that holds whatever was last pushed to it. */
function heldKeyService(): ServicePort {
  let held: KeyFields | undefined;
  return {
    userId: async () => 'bench-user',
    push: async (_provider, _user, _call, key) => {
      held = { ...key };
    },
    remove: async () => {
      held = undefined;
    },
    held: async () => held,
  };
}

async function timeEach(count: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await op(i);
    times.push(performance.now() - started);
  }
  return times;
}

export async function measureSize(keys: number, options: Omit<ScaleOptions, 'sizes'>): Promise<ScaleRow> {
  const meter = new Meter();
  const target = await createStore(meter);
  const { store } = target;
  await seed(target, keys);
  const ids = store.list().map((record) => record.id);
  let serial = keys + 1;

  // A sync: the key Pieces OS uses is rotated and sent, then compared with what Pieces OS holds. The
  // key in use sorts last, the worst case for finding which of our keys Pieces OS holds.
  const inUse = ids[ids.length - 1]!;
  const engine = createSync(target, heldKeyService());
  await engine.choose('openai', inUse);
  await engine.syncNow();
  let syncReads = 0;
  const syncTimes: number[] = [];
  for (let i = 0; i < options.syncs; i++) {
    await store.rotate(inUse, fakeKey(serial++));
    meter.reset();
    const started = performance.now();
    await engine.syncNow();
    syncTimes.push(performance.now() - started);
    syncReads += meter.secretReads;
  }
  await engine.whenIdle();
  engine.dispose();

  // Add one key and delete it again, so the store stays at `keys` (+1) however many ops are timed.
  meter.reset();
  const addTimes: number[] = [];
  const deleteTimes: number[] = [];
  let addBytes = 0;
  let deleteBytes = 0;
  for (let i = 0; i < options.opsPerKind; i++) {
    let before = meter.bytesWritten;
    let started = performance.now();
    const added = await store.add({ provider: 'openai', name: `added-${i}`, secret: fakeKey(serial++) });
    addTimes.push(performance.now() - started);
    addBytes += meter.bytesWritten - before;
    before = meter.bytesWritten;
    started = performance.now();
    await store.remove(added.id);
    deleteTimes.push(performance.now() - started);
    deleteBytes += meter.bytesWritten - before;
  }
  addBytes /= options.opsPerKind;
  deleteBytes /= options.opsPerKind;

  meter.reset();
  // Spread over the stored keys, skipping the one in use.
  const rotateTimes = await timeEach(options.opsPerKind, (i) => store.rotate(ids[(i * 7919) % (ids.length - 1 || 1)]!, fakeKey(serial++)));
  const rotateBytes = meter.bytesWritten / options.opsPerKind;

  // What the tree needs per render: the list, and one mask per row. The first render may fill a cache;
  // the timed ones after it redraw rows that did not change.
  let masked = 0;
  const masks = new MaskCache(store);
  const render = async (): Promise<void> => {
    for (const record of store.list()) {
      const mask = await masks.get(record);
      if (mask !== 'unavailable' && mask.length > 0) masked++;
    }
  };
  meter.reset();
  await render();
  const firstRenderReads = meter.secretReads;
  meter.reset();
  const renderTimes = await timeEach(options.renders, render);
  const renderReads = meter.secretReads / options.renders;
  target.dispose();
  if (masked !== (options.renders + 1) * keys) throw new Error(`scale: rendered ${masked} masks, expected ${(options.renders + 1) * keys}`);

  const renderMs = median(renderTimes);
  return {
    keys,
    add_ms: round(median(addTimes), 4),
    rotate_ms: round(median(rotateTimes), 4),
    delete_ms: round(median(deleteTimes), 4),
    render_ms: round(renderMs, 4),
    render_ms_per_key: round(renderMs / keys, 5),
    sync_ms: round(median(syncTimes), 4),
    secret_reads_per_sync: round(syncReads / options.syncs, 2),
    secret_reads_per_render: round(renderReads, 2),
    secret_reads_first_render: firstRenderReads,
    bytes_written_per_op: Math.round((addBytes + rotateBytes + deleteBytes) / 3),
    add_bytes: Math.round(addBytes),
    rotate_bytes: Math.round(rotateBytes),
    delete_bytes: Math.round(deleteBytes),
  };
}

export async function measureScale(options: ScaleOptions): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  for (const keys of options.sizes) rows.push(await measureSize(keys, options));
  return rows;
}

/** How a per-operation figure grows from the smallest size to the largest. */
export interface Slope {
  /** Figure at the largest size over the figure at the smallest. */
  ratio: number;
  /** log(ratio) / log(size ratio): 0 is flat, 1 grows with the number of keys. */
  exponent: number;
}

export function slopes(rows: readonly ScaleRow[]): Record<string, Slope> {
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const sizeRatio = last.keys / first.keys;
  const fields = [
    'add_ms',
    'rotate_ms',
    'delete_ms',
    'render_ms_per_key',
    'sync_ms',
    'secret_reads_per_sync',
    'bytes_written_per_op',
  ] as const;
  const out: Record<string, Slope> = {};
  for (const field of fields) {
    const ratio = first[field] > 0 ? last[field] / first[field] : Number.NaN;
    out[field] = {
      ratio: round(ratio, 2),
      exponent: round(sizeRatio > 1 && ratio > 0 ? Math.log(ratio) / Math.log(sizeRatio) : Number.NaN, 2),
    };
  }
  return out;
}
