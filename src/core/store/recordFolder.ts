// One folder of small JSON records, shared by every VS Code window: each record is its own file,
// written atomically (a temporary file, flushed, then renamed over the old one), so a reader sees the
// old record or the new one, never a mix, and a crash leaves at most a stray temporary file.
// Other windows' writes are seen through a file watcher, which names the record that changed.
// Only regular files at record names are read; whatever else is in the folder is stepped around
// (ownEntries.ts).
import { randomUUID } from 'node:crypto';
import { watch as watchFolder, promises as fs, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { Disposable } from '../emitter';
import { MOVED_ASIDE, entryKind, ensureOwnFolder, isCode, moveAside, readOwnFile, readOwnFileSync, reportOnce } from './ownEntries';

/** What the store needs of a folder of records; tests wrap it to inject faults and count writes. */
export interface RecordFolderPort {
  /**
   * The record's text, or undefined when there is no such record; ForeignEntryError when something
   * that is not a record file sits at its name (a folder, a link, a file too large to be one).
   */
  read(name: string): Promise<string | undefined>;
  /**
   * Reads many records at once, as `read` does each (the text, undefined, or the error it would throw), in
   * order. Optional: a folder that can read many small files faster together than one by one offers it.
   */
  readMany?(names: readonly string[]): Promise<Array<string | undefined | Error>>;
  /** Replaces the record atomically (a folder in its place is moved aside first). */
  write(name: string, text: string): Promise<void>;
  /** Removes the record; removing a missing record is not an error, and a folder at its name is left alone. */
  remove(name: string): Promise<void>;
  /** The names of every entry at a record's name, whatever it is (temporary files excluded). */
  list(): Promise<string[]>;
  /**
   * Calls `listener` with the name of a record that changed (in any process), or with undefined when
   * the watcher cannot tell (then every record should be read again).
   */
  watch(listener: (name: string | undefined) => void): Disposable;
}

const RECORD_NAME = /^[A-Za-z0-9._-]+\.json$/;
/** This folder's own temporary files (a crash can leave one behind). */
const TEMP_FILE = /^\..+\.[0-9a-f-]{36}\.tmp$/;
/** A record is a few hundred bytes; a file this large is not one, and is not read. */
export const MAX_RECORD_BYTES = 64 * 1024;
/** Windows may refuse a rename over a file another process has open for an instant. */
const RENAME_ATTEMPTS = 5;

export interface RecordFolderOptions {
  /** Which names are records (others in the folder are reported once and never read). */
  isRecordName?: (name: string) => boolean;
  /** Hears once of each entry the folder does not recognise (its name, as found). */
  onForeign?: (entry: string) => void;
  /** The store's folder: every folder from it down to this one must be a real folder. */
  base?: string;
}

export class FsRecordFolder implements RecordFolderPort {
  private readonly isRecordName: (name: string) => boolean;
  private readonly reportForeign: (entry: string) => void;
  private readonly base: string;

  constructor(
    readonly dir: string,
    options: RecordFolderOptions = {},
  ) {
    this.isRecordName = options.isRecordName ?? ((name) => RECORD_NAME.test(name) && !name.startsWith('.'));
    this.reportForeign = reportOnce(options.onForeign ?? (() => undefined));
    this.base = options.base ?? path.dirname(dir);
  }

  read(name: string): Promise<string | undefined> {
    return readOwnFile(this.file(name), MAX_RECORD_BYTES);
  }

  /**
   * Many records read synchronously, one after another: a few microseconds each on a local disk, against
   * tens for each step of an asynchronous read (10,000 records: well under 0.1 s instead of seconds). The
   * caller keeps each batch small, so the extension host is never held for long.
   */
  readMany(names: readonly string[]): Promise<Array<string | undefined | Error>> {
    // After what else waits in the event loop: the batches of a large store take turns with the rest of the host.
    return new Promise((resolve) =>
      setImmediate(() =>
        resolve(
          names.map((name) => {
            try {
              return readOwnFileSync(this.file(name), MAX_RECORD_BYTES);
            } catch (error) {
              return error instanceof Error ? error : new Error(String(error));
            }
          }),
        ),
      ),
    );
  }

  async write(name: string, text: string): Promise<void> {
    const target = this.file(name);
    const temp = path.join(this.dir, `.${name}.${randomUUID()}.tmp`);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(temp, 'wx', 0o600);
    } catch (error) {
      if (!isCode(error, 'ENOENT') && !isCode(error, 'ENOTDIR')) throw error;
      await ensureOwnFolder(this.dir, this.base, this.reportForeign); // not made yet, or something else in its place
      handle = await fs.open(temp, 'wx', 0o600);
    }
    try {
      await handle.writeFile(text, 'utf8');
      await handle.datasync(); // the bytes are on disk before the name points at them
    } finally {
      await handle.close();
    }
    for (let attempt = 1; ; attempt++) {
      try {
        // A link or another file at the name is replaced, not followed (rename never follows its target).
        await fs.rename(temp, target);
        return;
      } catch (error) {
        // A folder at the record's name: moved aside (what is in it is not ours to delete), then the rename again.
        const folderInTheWay = attempt < RENAME_ATTEMPTS && (await entryKind(target).catch(() => 'absent')) === 'directory';
        if (folderInTheWay) {
          this.reportForeign(name);
          await moveAside(target);
          continue;
        }
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
    try {
      await fs.unlink(this.file(name)); // a link is removed, not what it points at
    } catch (error) {
      if (isCode(error, 'ENOENT')) return;
      // A folder at the name is not a record of ours: it stays.
      if (
        (isCode(error, 'EISDIR') || isCode(error, 'EPERM') || isCode(error, 'EACCES')) &&
        (await entryKind(this.file(name))) === 'directory'
      ) {
        return;
      }
      throw error;
    }
  }

  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (error) {
      if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return [];
      throw error;
    }
    // Every entry at a record's name counts, whatever it is: its id stays taken, and its key's secret is kept.
    const records: string[] = [];
    for (const name of names) {
      if (this.isRecordName(name)) records.push(name);
      else if (!TEMP_FILE.test(name) && !MOVED_ASIDE.test(name)) this.reportForeign(name);
    }
    return records;
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
    if (!RECORD_NAME.test(name) || name.startsWith('.')) throw new Error(`not a record name: ${name.slice(0, 80)}`);
    return path.join(this.dir, name);
  }
}
