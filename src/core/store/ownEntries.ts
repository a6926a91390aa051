// What the store finds in its folders. The folders live in the user's profile, where anything can put
// anything (a sync tool, a backup, a person, another program): the store treats as its own only an
// entry with one of its exact names *and* the type it writes (a regular file of a sane size). Anything
// else is stepped around: never parsed, never followed (a link is not a file of ours, whatever it
// points at), never deleted; where it sits exactly where the store must write, it is moved aside under
// a hidden name, so the store keeps working and nothing that was there is lost.
import { randomUUID } from 'node:crypto';
import { type Stats, closeSync, constants as fsConstants, fstatSync, lstatSync, openSync, promises as fs, readSync } from 'node:fs';
import * as path from 'node:path';

export type EntryKind = 'file' | 'directory' | 'other' | 'absent';

/** An entry at one of the store's names that is not a file the store could have written. */
export class ForeignEntryError extends Error {
  constructor(readonly entry: string) {
    super(`${entry} is not a file the key store wrote (a folder, a link, or too large); it is left as it is.`);
    this.name = 'ForeignEntryError';
  }
}

// O_NOFOLLOW: opening a link fails (ELOOP) instead of opening what it points at. O_NONBLOCK: opening a
// FIFO does not wait for a writer. Windows has neither; there an lstat before the open stands in.
const NOFOLLOW: number = fsConstants.O_NOFOLLOW ?? 0;
const NONBLOCK: number = fsConstants.O_NONBLOCK ?? 0;

/**
 * The text of `file` if it is a regular file of at most `maxBytes`; undefined when nothing is there;
 * ForeignEntryError for anything else (a folder, a link, a FIFO or socket, a file too large to be
 * ours), which is then never read.
 */
export async function readOwnFile(file: string, maxBytes: number): Promise<string | undefined> {
  if (NOFOLLOW === 0) {
    const kind = await entryKind(file);
    if (kind === 'absent') return undefined;
    if (kind !== 'file') throw new ForeignEntryError(path.basename(file));
  }
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, OPEN_FLAGS);
  } catch (error) {
    return notOpened(error, file);
  }
  try {
    const stat = await handle.stat();
    const buffer = bufferFor(stat, file, maxBytes);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      length += bytesRead;
      if (readAll(bytesRead, length, buffer)) break;
    }
    return textOf(buffer, length, file, maxBytes);
  } finally {
    await handle.close();
  }
}

/**
 * readOwnFile without waiting on the thread pool, for many small files at once (the store's open reads
 * every record): a synchronous open, stat and read each take microseconds on a local disk, where the
 * thread pool's round trips take tens. Same checks, same answers.
 */
export function readOwnFileSync(file: string, maxBytes: number): string | undefined {
  if (NOFOLLOW === 0) {
    const kind = entryKindSync(file);
    if (kind === 'absent') return undefined;
    if (kind !== 'file') throw new ForeignEntryError(path.basename(file));
  }
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (error) {
    return notOpened(error, file);
  }
  try {
    const buffer = bufferFor(fstatSync(fd), file, maxBytes);
    let length = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, length);
      length += bytesRead;
      if (readAll(bytesRead, length, buffer)) break;
    }
    return textOf(buffer, length, file, maxBytes);
  } finally {
    closeSync(fd);
  }
}

const OPEN_FLAGS = fsConstants.O_RDONLY | NOFOLLOW | NONBLOCK;

/** Why a record could not be opened: nothing there (undefined), not a file of ours, or the error itself. */
function notOpened(error: unknown, file: string): undefined {
  if (isCode(error, 'ENOENT')) return undefined;
  // ELOOP: a link (O_NOFOLLOW); EISDIR: a folder (Windows); ENXIO: a socket; ENOTDIR: a file where a folder was expected.
  if (isCode(error, 'ELOOP') || isCode(error, 'EISDIR') || isCode(error, 'ENXIO') || isCode(error, 'ENOTDIR')) {
    throw new ForeignEntryError(path.basename(file));
  }
  throw error;
}

/** Room for the file and one byte more: a file that grew since the stat is not read whole. */
function bufferFor(stat: Stats, file: string, maxBytes: number): Buffer {
  if (!stat.isFile() || stat.size > maxBytes) throw new ForeignEntryError(path.basename(file));
  return Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
}

/**
 * Whether reading is done: the size the stat gave is in (the store replaces a record by a rename, never in
 * place, so there is nothing after it to wait for), or the file ended sooner.
 */
function readAll(bytesRead: number, length: number, buffer: Buffer): boolean {
  return bytesRead === 0 || length >= buffer.length - 1;
}

function textOf(buffer: Buffer, length: number, file: string, maxBytes: number): string {
  if (length > maxBytes) throw new ForeignEntryError(path.basename(file));
  return buffer.toString('utf8', 0, length);
}

/** What is at `file`, without following a link. */
export async function entryKind(file: string): Promise<EntryKind> {
  try {
    return kindOf(await fs.lstat(file));
  } catch (error) {
    return absentOrThrow(error);
  }
}

function entryKindSync(file: string): EntryKind {
  try {
    return kindOf(lstatSync(file));
  } catch (error) {
    return absentOrThrow(error);
  }
}

function kindOf(stat: Stats): EntryKind {
  return stat.isFile() ? 'file' : stat.isDirectory() ? 'directory' : 'other';
}

function absentOrThrow(error: unknown): EntryKind {
  if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return 'absent';
  throw error;
}

/** The hidden name an entry in the store's way is moved to (recognised, so never reported twice). */
export const MOVED_ASIDE = /^\..+\.[0-9a-f-]{36}\.moved$/;

/** Moves whatever is at `file` aside, to a hidden name beside it; nothing is deleted or followed. */
export async function moveAside(file: string): Promise<void> {
  try {
    await fs.rename(file, path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.moved`));
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw error; // gone meanwhile: the way is clear
  }
}

/**
 * Makes `dir` a folder, and each folder between `base` and it: an entry in the way that is not a
 * folder (a file, a link, even a link to a folder) is moved aside first and reported. `base` itself
 * (the extension's storage folder) is taken as it is.
 */
export async function ensureOwnFolder(dir: string, base: string, onForeign: (entry: string) => void = () => undefined): Promise<void> {
  await fs.mkdir(base, { recursive: true });
  let current = base;
  for (const part of path.relative(base, dir).split(path.sep).filter(Boolean)) {
    current = path.join(current, part);
    const kind = await entryKind(current);
    if (kind === 'directory') continue;
    if (kind !== 'absent') {
      onForeign(path.relative(base, current));
      await moveAside(current);
    }
    try {
      await fs.mkdir(current);
    } catch (error) {
      // Another window made it meanwhile; anything else in the way again is left for the next attempt.
      if (!isCode(error, 'EEXIST') || (await entryKind(current)) !== 'directory') throw error;
    }
  }
}

/**
 * Calls `report` once per entry name (at most `limit` names, then once more to say that the rest
 * goes unreported), so a folder full of strangers costs one log line each, not one per look.
 */
export function reportOnce(report: (entry: string) => void, limit = 100): (entry: string) => void {
  const seen = new Set<string>();
  return (entry) => {
    if (seen.has(entry) || seen.size > limit) return;
    seen.add(entry);
    report(seen.size > limit ? '' : entry);
  };
}

export function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
