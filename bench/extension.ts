// What the user waits for in the activated extension as the store grows: ready (require + activate() until
// the tree shows every stored key), a full render of the tree, and a change (the store's call, the
// extension's reactions, the rows VS Code reads again, the status bar) against the same change on a bare
// store. Each size gets a folder of N seeded keys; every figure comes from fresh processes
// (extensionChild.ts), the ready runs interleaved across sizes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { STORE_FOLDER } from '../src/constants';
import { META_NAME, STORE_VERSION } from '../src/core/store/records';
import { median, round } from './stats';
import { seedRecords } from './storeAdapter';

export interface ChildArgs {
  bundle: string;
  /** The extension's storage root (its store is under global/store), seeded with `keys` keys. */
  storage: string;
  keys: number;
  /** change mode: timed rounds of each change, and timed full renders. */
  rounds?: number;
  renders?: number;
}

export const CHANGES = ['add', 'rotate', 'rename', 'delete'] as const;
export type Change = (typeof CHANGES)[number];

export interface ReadyResult {
  /** From require to the tree showing every key. */
  ready_ms: number;
  /** From require to the store being open (its records read, recovery done). */
  open_ms: number;
  /** The extension's part of the read that first showed every key (getChildren and getTreeItem). */
  first_render_ms: number;
}

export interface ChangeFigures {
  /** The change in the extension: the store's call, the extension's reactions, the tree rows VS Code reads again, the status bar. */
  ext_ms: number;
  /** The same change on a bare store (no extension around it). */
  store_ms: number;
  ratio: number;
  /** Tree rows VS Code reads again after the change (getTreeItem calls). */
  rows_read: number;
  /** Of those, rows the extension built anew (the others it had built before and kept). */
  rows_built: number;
  /** Of ext_ms: the tree's part (finding what changed, and the rows VS Code reads again). */
  tree_ms: number;
}

export interface ChangeResult {
  /** A full read of every row once the view shows them (the extension's part). */
  render_ms: number;
  rows: number;
  changes: Record<Change, ChangeFigures>;
}

/** The name of the secrets file the parent writes beside the store: SecretStorage's content. */
export const SECRETS_FILE = 'secrets.json';

export interface ExtensionOptions {
  sizes: readonly number[];
  readyRuns: number;
  rounds: number;
  renders: number;
}

export interface ExtensionRow {
  keys: number;
  ready_ms: number;
  open_ms: number;
  first_render_ms: number;
  render_ms: number;
  changes: Record<Change, ChangeFigures>;
  /** The worst change's ratio to the bare store. */
  change_ratio_max: number;
}

function run<T>(child: string, mode: 'ready' | 'change', args: ChildArgs): T {
  const out = execFileSync(process.execPath, [child, mode, JSON.stringify(args)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

/** A storage root holding a store of `keys` keys (records, meta.json) and SecretStorage's content beside it. */
function seedStorage(keys: number): string {
  const storage = mkdtempSync(path.join(process.env['PROVIDER_KEYS_BENCH_TMP'] ?? tmpdir(), 'provider-keys-bench-ext-'));
  const store = path.join(storage, 'global', STORE_FOLDER);
  const secrets = seedRecords(path.join(store, 'records'), keys);
  writeFileSync(path.join(store, 'records', META_NAME), JSON.stringify({ v: STORE_VERSION, createdAt: new Date().toISOString() }));
  writeFileSync(path.join(storage, SECRETS_FILE), JSON.stringify(Object.fromEntries(secrets)));
  return storage;
}

export function measureExtension(child: string, bundle: string, options: ExtensionOptions): ExtensionRow[] {
  const storages = new Map(options.sizes.map((keys) => [keys, seedStorage(keys)]));
  try {
    const ready = new Map<number, ReadyResult[]>(options.sizes.map((keys) => [keys, []]));
    // A first run per size reads the files into the page cache, as any run after the first start does.
    for (let run_ = -1; run_ < options.readyRuns; run_++) {
      for (const keys of options.sizes) {
        const result = run<ReadyResult>(child, 'ready', { bundle, storage: storages.get(keys)!, keys });
        if (run_ >= 0) ready.get(keys)!.push(result);
      }
    }
    return options.sizes.map((keys) => {
      const changed = run<ChangeResult>(child, 'change', {
        bundle,
        storage: storages.get(keys)!,
        keys,
        rounds: options.rounds,
        renders: options.renders,
      });
      const runs = ready.get(keys)!;
      const m = (pick: (r: ReadyResult) => number): number => round(median(runs.map(pick)), 3);
      return {
        keys,
        ready_ms: m((r) => r.ready_ms),
        open_ms: m((r) => r.open_ms),
        first_render_ms: m((r) => r.first_render_ms),
        render_ms: changed.render_ms,
        changes: changed.changes,
        change_ratio_max: Math.max(...Object.values(changed.changes).map((c) => c.ratio)),
      };
    });
  } finally {
    for (const storage of storages.values()) rmSync(storage, { recursive: true, force: true });
  }
}
