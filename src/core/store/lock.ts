// A lock with compare-and-set semantics across processes (VS Code windows), built on the one file
// operation that is atomic and exclusive everywhere: creating a name that must not exist yet.
//
// The lock is a folder of generation files, `<gen>.json` = `{ holder, expires }`. The newest
// generation is the lock's state. Every change — take, renew, take over, release — creates the next
// generation with `link(temp, <gen+1>.json)`, which fails when the name exists: of two windows that
// read the same generation, exactly one creates the next, and nobody ever rewrites a file another
// window may be judging. Old generations are removed behind the newest two.
//
// Trust nothing read back: an expiry in the past, later than now + TTL (a clock that jumped, a file
// from elsewhere) counts as expired; content that does not parse as a generation is not one, and the
// state is the newest generation that does. Every wait derived from an expiry is clamped to 0…TTL.
//
// The folder is in the user's profile, where anything may appear (ownEntries.ts). A generation is a
// regular file named in canonical decimal (no leading zero, at most 15 digits, so that every number is
// exact); anything else (a folder or a link with a generation's name, `007.json`, a 40-digit name) is
// not one: never read, never followed, reported once. Where such an entry holds the name the next
// generation needs, it is moved aside and the same name is tried again, so that contenders still race
// for one name. A generation at the largest number cannot be followed; it can only have been put there
// (10^15 changes would take longer than anyone waits), so it is moved aside too.
import { randomUUID } from 'node:crypto';
import { type Dirent, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { clamp } from '../time';
import { ForeignEntryError, MOVED_ASIDE, entryKind, ensureOwnFolder, isCode, moveAside, readOwnFile, reportOnce } from './ownEntries';

export interface LockState {
  readonly gen: number;
  /** '' when released. */
  readonly holder: string;
  readonly expires: number;
}

const GEN_FILE = /^([1-9]\d{0,14})\.json$/;
const MAX_GEN = 999_999_999_999_999;
/** This lock's own temporary files (a crash can leave one behind). */
const TEMP_FILE = /^\.[0-9a-f-]{36}\.tmp$/;
/** A generation is a few dozen bytes; a larger file is not one. */
const MAX_GEN_BYTES = 4096;
/** How many times a read retries when the newest generation vanished under it (garbage collection). */
const READ_ATTEMPTS = 5;

export class GenerationLock {
  private readonly reportForeign: (entry: string) => void;
  private readonly base: string;
  private folderChecked = false;

  /**
   * `onForeign` hears (once per name) of each entry in the folder that is not a generation;
   * `base`: the store's folder, below which every folder on the way to `dir` must be a real folder.
   */
  constructor(
    private readonly dir: string,
    readonly holder: string,
    readonly ttlMs: number,
    private readonly now: () => number = () => Date.now(),
    options: { onForeign?: (entry: string) => void; base?: string } = {},
  ) {
    if (!holder) throw new Error('a lock holder needs a name');
    this.reportForeign = reportOnce(options.onForeign ?? (() => undefined));
    this.base = options.base ?? path.dirname(dir);
  }

  /** The newest generation, or undefined when the lock was never taken. */
  async read(): Promise<LockState | undefined> {
    return (await this.scan()).state;
  }

  /** Whether `state` is a live lease: not released, not expired, not absurdly far in the future. */
  isLive(state: LockState | undefined): state is LockState {
    if (!state || !state.holder) return false;
    const now = this.now();
    return state.expires > now && state.expires <= now + this.ttlMs;
  }

  /** Takes the lock, renews it, or takes it over once expired; false when another live holder has it. */
  async acquire(): Promise<boolean> {
    const { state, top } = await this.scan();
    if (this.isLive(state) && state.holder !== this.holder) return false;
    return this.createGeneration(top, this.holder, this.now() + this.ttlMs);
  }

  /** Whether this holder has a live lease now (reads the folder: another window may have taken over). */
  async holds(): Promise<boolean> {
    const current = await this.read();
    return this.isLive(current) && current.holder === this.holder;
  }

  /** How long until the current lease runs out, clamped to 0…TTL; 0 when nobody holds it. */
  async waitMs(): Promise<number> {
    const current = await this.read();
    if (!this.isLive(current)) return 0;
    return clamp(current.expires - this.now(), 0, this.ttlMs);
  }

  /** Gives the lock up so that another holder need not wait for the expiry. */
  async release(): Promise<void> {
    const { state, top } = await this.scan();
    if (!state || state.holder !== this.holder) return;
    await this.createGeneration(top, '', 0);
  }

  /**
   * The state (the newest generation that reads as one) and `top`, the highest generation number in
   * the folder, readable or not: the next generation is `top + 1`, so that every contender that read
   * the same folder races for the same name.
   */
  private async scan(): Promise<{ state?: LockState; top: number }> {
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const gens = await this.generations();
      const top = gens[0] ?? 0;
      let vanished = false;
      for (const gen of gens) {
        let text: string | undefined;
        try {
          text = await readOwnFile(this.file(gen), MAX_GEN_BYTES);
        } catch (error) {
          if (error instanceof ForeignEntryError) continue; // replaced since it was listed, or too large
          throw error;
        }
        if (text === undefined) {
          vanished = true; // collected meanwhile: look again
          break;
        }
        const state = parse(text);
        if (state) return { state: { gen, ...state }, top };
      }
      if (!vanished) return { top };
    }
    return { top: 0 };
  }

  private async createGeneration(top: number, holder: string, expires: number): Promise<boolean> {
    if (top >= MAX_GEN) {
      this.reportForeign(`${top}.json`);
      await moveAside(this.file(top));
      return false; // the caller asks again, and finds the folder as it should be
    }
    const gen = top + 1;
    const temp = await this.writeTemp(JSON.stringify({ holder, expires }));
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await fs.link(temp, this.file(gen));
          break;
        } catch (error) {
          if (!isCode(error, 'EEXIST')) throw error;
          // Another holder created this generation first, or something that is not a generation sits there.
          if (attempt > 0 || (await entryKind(this.file(gen))) === 'file') return false;
          this.reportForeign(`${gen}.json`);
          await moveAside(this.file(gen));
        }
      }
    } finally {
      await fs.rm(temp, { force: true });
    }
    await this.collect(gen);
    return true;
  }

  /** Writes a new temporary file (never through a link), making the folder first if it is not one yet. */
  private async writeTemp(text: string): Promise<string> {
    if (!this.folderChecked) {
      // Once per lock: the folder must be a real one, so that collection never deletes through a link.
      await ensureOwnFolder(this.dir, this.base, this.reportForeign);
      this.folderChecked = true;
    }
    const temp = path.join(this.dir, `.${randomUUID()}.tmp`);
    try {
      await fs.writeFile(temp, text, { flag: 'wx' });
    } catch (error) {
      if (!isCode(error, 'ENOENT') && !isCode(error, 'ENOTDIR')) throw error;
      await ensureOwnFolder(this.dir, this.base, this.reportForeign); // removed or replaced since
      await fs.writeFile(temp, text, { flag: 'wx' });
    }
    return temp;
  }

  /** Removes generations older than the newest two (best effort; a reader retries on ENOENT). */
  private async collect(newest: number): Promise<void> {
    for (const gen of await this.generations()) {
      if (gen < newest - 1) await fs.rm(this.file(gen), { force: true });
    }
  }

  /** Every generation in the folder, newest first; entries that are not generations are reported once. */
  private async generations(): Promise<number[]> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(this.dir, { withFileTypes: true });
    } catch (error) {
      if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return [];
      throw error;
    }
    const gens: number[] = [];
    for (const entry of entries) {
      const match = GEN_FILE.exec(entry.name);
      if (match && entry.isFile()) gens.push(Number(match[1]));
      else if (!(TEMP_FILE.test(entry.name) && entry.isFile()) && !MOVED_ASIDE.test(entry.name)) this.reportForeign(entry.name);
    }
    return gens.sort((a, b) => b - a);
  }

  private file(gen: number): string {
    return path.join(this.dir, `${gen}.json`);
  }
}

function parse(text: string): { holder: string; expires: number } | undefined {
  try {
    const value = JSON.parse(text) as { holder?: unknown; expires?: unknown } | null;
    if (value && typeof value.holder === 'string' && typeof value.expires === 'number' && Number.isFinite(value.expires)) {
      return { holder: value.holder, expires: value.expires };
    }
  } catch {
    // not a generation
  }
  return undefined;
}
