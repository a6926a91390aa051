// A lock with compare-and-set semantics across processes (VS Code windows), built on the one file
// operation that is atomic and exclusive everywhere: creating a name that must not exist yet.
//
// The lock is a folder of generation files, `<gen>.json` = `{ holder, expires }`. The highest
// generation is the lock's state. Every change — take, renew, take over, release — creates the next
// generation with `link(temp, <gen+1>.json)`, which fails when the name exists: of two windows that
// read the same generation, exactly one creates the next, and nobody ever rewrites a file another
// window may be judging. Old generations are removed behind the newest two.
//
// Trust nothing read back: an expiry in the past, later than now + TTL (a clock that jumped, a file
// from elsewhere), or content that does not parse counts as expired. Every wait derived from an
// expiry is clamped to 0…TTL.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface LockState {
  readonly gen: number;
  /** '' when released. */
  readonly holder: string;
  readonly expires: number;
}

const GEN_FILE = /^(\d{1,15})\.json$/;
/** How many times a read retries when the newest generation vanished under it (garbage collection). */
const READ_ATTEMPTS = 5;

export class GenerationLock {
  constructor(
    private readonly dir: string,
    readonly holder: string,
    readonly ttlMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    if (!holder) throw new Error('a lock holder needs a name');
  }

  /** The newest generation, or undefined when the lock was never taken. */
  async read(): Promise<LockState | undefined> {
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const gen = await this.newestGeneration();
      if (gen === undefined) return undefined;
      let text: string;
      try {
        text = await fs.readFile(this.file(gen), 'utf8');
      } catch (error) {
        if (isCode(error, 'ENOENT')) continue; // collected meanwhile: read again
        throw error;
      }
      return { gen, ...parse(text) };
    }
    return undefined;
  }

  /** Whether `state` is a live lease: not released, not expired, not absurdly far in the future. */
  isLive(state: LockState | undefined): state is LockState {
    if (!state || !state.holder) return false;
    const now = this.now();
    return state.expires > now && state.expires <= now + this.ttlMs;
  }

  /** Takes the lock, renews it, or takes it over once expired; false when another live holder has it. */
  async acquire(): Promise<boolean> {
    const current = await this.read();
    if (this.isLive(current) && current.holder !== this.holder) return false;
    return this.createGeneration((current?.gen ?? 0) + 1, this.holder, this.now() + this.ttlMs);
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
    const current = await this.read();
    if (!current || current.holder !== this.holder) return;
    await this.createGeneration(current.gen + 1, '', 0);
  }

  private async createGeneration(gen: number, holder: string, expires: number): Promise<boolean> {
    await fs.mkdir(this.dir, { recursive: true });
    const temp = path.join(this.dir, `.${randomUUID()}.tmp`);
    await fs.writeFile(temp, JSON.stringify({ holder, expires }));
    try {
      await fs.link(temp, this.file(gen));
    } catch (error) {
      if (isCode(error, 'EEXIST')) return false; // another holder created this generation first
      throw error;
    } finally {
      await fs.rm(temp, { force: true });
    }
    await this.collect(gen);
    return true;
  }

  /** Removes generations older than the newest two (best effort; a reader retries on ENOENT). */
  private async collect(newest: number): Promise<void> {
    for (const name of await this.names()) {
      const match = GEN_FILE.exec(name);
      if (match && Number(match[1]) < newest - 1) await fs.rm(path.join(this.dir, name), { force: true });
    }
  }

  private async newestGeneration(): Promise<number | undefined> {
    let newest: number | undefined;
    for (const name of await this.names()) {
      const match = GEN_FILE.exec(name);
      if (!match) continue;
      const gen = Number(match[1]);
      if (newest === undefined || gen > newest) newest = gen;
    }
    return newest;
  }

  private async names(): Promise<string[]> {
    try {
      return await fs.readdir(this.dir);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return [];
      throw error;
    }
  }

  private file(gen: number): string {
    return path.join(this.dir, `${gen}.json`);
  }
}

function parse(text: string): { holder: string; expires: number } {
  try {
    const value = JSON.parse(text) as { holder?: unknown; expires?: unknown };
    if (typeof value.holder === 'string' && typeof value.expires === 'number' && Number.isFinite(value.expires)) {
      return { holder: value.holder, expires: value.expires };
    }
  } catch {
    // garbage: expired
  }
  return { holder: '', expires: 0 };
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Number.isFinite(value) ? value : min));
}

export function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
