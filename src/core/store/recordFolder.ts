// One folder of small JSON records, shared by every VS Code window: each record is its own file,
// written atomically (a temporary file, flushed, then renamed over the old one), so a reader sees the
// old record or the new one, never a mix, and a crash leaves at most a stray temporary file.
// Other windows' writes are seen through a file watcher, which names the record that changed.
import { randomUUID } from 'node:crypto';
import { watch as watchFolder, promises as fs, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { Disposable } from '../emitter';
import { isCode } from './lock';

/** What the store needs of a folder of records; tests wrap it to inject faults and count writes. */
export interface RecordFolderPort {
  /** The record's text, or undefined when there is no such record. */
  read(name: string): Promise<string | undefined>;
  /** Replaces the record atomically. */
  write(name: string, text: string): Promise<void>;
  /** Removes the record; removing a missing record is not an error. */
  remove(name: string): Promise<void>;
  /** The names of every record (temporary files excluded). */
  list(): Promise<string[]>;
  /**
   * Calls `listener` with the name of a record that changed (in any process), or with undefined when
   * the watcher cannot tell (then every record should be read again).
   */
  watch(listener: (name: string | undefined) => void): Disposable;
}

const RECORD_NAME = /^[A-Za-z0-9._-]+\.json$/;
/** Windows may refuse a rename over a file another process has open for an instant. */
const RENAME_ATTEMPTS = 5;

export class FsRecordFolder implements RecordFolderPort {
  constructor(readonly dir: string) {}

  async read(name: string): Promise<string | undefined> {
    try {
      return await fs.readFile(this.file(name), 'utf8');
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined;
      throw error;
    }
  }

  async write(name: string, text: string): Promise<void> {
    const target = this.file(name);
    await fs.mkdir(this.dir, { recursive: true });
    const temp = path.join(this.dir, `.${name}.${randomUUID()}.tmp`);
    const handle = await fs.open(temp, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.datasync(); // the bytes are on disk before the name points at them
    } finally {
      await handle.close();
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await fs.rename(temp, target);
        return;
      } catch (error) {
        const retry = (isCode(error, 'EPERM') || isCode(error, 'EACCES') || isCode(error, 'EBUSY')) && attempt < RENAME_ATTEMPTS;
        if (!retry) {
          await fs.rm(temp, { force: true });
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
      }
    }
  }

  async remove(name: string): Promise<void> {
    await fs.rm(this.file(name), { force: true });
  }

  async list(): Promise<string[]> {
    try {
      return (await fs.readdir(this.dir)).filter((name) => RECORD_NAME.test(name) && !name.startsWith('.'));
    } catch (error) {
      if (isCode(error, 'ENOENT')) return [];
      throw error;
    }
  }

  watch(listener: (name: string | undefined) => void): Disposable {
    let watcher: FSWatcher | undefined;
    let disposed = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const start = (): void => {
      if (disposed) return;
      try {
        // Not persistent: a watcher alone never keeps a process (a test, the extension host) alive.
        watcher = watchFolder(this.dir, { persistent: false }, (_event, filename) => {
          const name = typeof filename === 'string' ? filename : undefined;
          if (name === undefined) listener(undefined);
          else if (RECORD_NAME.test(name) && !name.startsWith('.')) listener(name);
        });
        watcher.on('error', () => {
          watcher?.close();
          watcher = undefined;
          listener(undefined); // events may have been lost: read everything again
          retry = setTimeout(start, 1000);
          retry.unref?.();
        });
      } catch {
        retry = setTimeout(start, 1000); // the folder does not exist yet, say
        retry.unref?.();
      }
    };
    start();
    return {
      dispose: () => {
        disposed = true;
        clearTimeout(retry);
        watcher?.close();
      },
    };
  }

  private file(name: string): string {
    if (!RECORD_NAME.test(name) || name.startsWith('.')) throw new Error(`not a record name: ${name}`);
    return path.join(this.dir, name);
  }
}
