// The leak scan (issue 9): searches every byte a run touched for canary keys and every 8-character
// window of them, in the encodings a key could be written in by accident: plain text, base64 and
// base64url at all three byte alignments, hex (both cases), URL percent-encoding (both cases) and
// UTF-16LE. Zip files (the VSIX) are searched raw and entry by entry, inflated; LevelDB tables
// (Chromium's IndexedDB and localStorage after a compaction) raw and block by block, decompressed.
//
// A hit is reported by file, offset, encoding and which window of which canary matched, never with
// the bytes themselves: the report is test output, and test output must not hold key bytes either.
// The exclusions are exact: bytes that lie inside an occurrence of a value given in `exclude` (the
// encrypted SecretStorage blob), nothing around it; and the files named in `skipFiles` by their full
// path (a `.env` file that holds a key by design), no other file of the same name.
import { readFileSync, readdirSync, lstatSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isLevelDbTable, levelDbBlocks } from './leveldb';
import { zipEntries } from '../support/zip';

export const WINDOW = 8;
/** The `canary` of a needle that several canaries share. */
export const SHARED = -1;

export interface Canary {
  readonly value: string;
  /** A public prefix (`sk-proj-`): a window that lies wholly inside it is not secret. */
  readonly publicPrefix: string;
}

export interface Needle {
  readonly bytes: Buffer;
  readonly encoding: string;
  /** Which canary it comes from; SHARED when several canaries have it (their common prefix and marker). */
  readonly canary: number;
  /** Where the window starts in the canary; -1 for the whole canary. */
  readonly start: number;
}

export interface Hit {
  readonly file: string;
  readonly offset: number;
  readonly encoding: string;
  readonly canary: number;
  readonly start: number;
}

export interface ScanReport {
  readonly files: number;
  readonly bytes: number;
  readonly hits: Hit[];
  /** Hits that lay wholly inside an excluded value. */
  readonly excluded: number;
  /** The files left out because `skipFiles` names them, as the scan names files, with their size. */
  readonly skipped: Array<{ file: string; bytes: number }>;
  /** Files that could not be read (a reason to fail: they were not searched). */
  readonly unreadable: string[];
  readonly perRoot: Array<{ root: string; files: number; bytes: number }>;
  readonly listing: Array<{ file: string; bytes: number }>;
}

const percent = (bytes: Buffer, upper: boolean): string => {
  let out = '';
  for (const byte of bytes) out += `%${byte.toString(16).padStart(2, '0')}`;
  return upper ? out.toUpperCase() : out;
};

/**
 * The base64 characters of `bytes` placed at stream offset `align` (0–2) that depend on `bytes`
 * alone: the characters whose six bits all come from `bytes`. Whatever surrounds a leaked window,
 * these characters appear in the stream's encoding.
 */
export function base64Core(bytes: Buffer, align: number): string {
  const padded = Buffer.concat([Buffer.alloc(align), bytes]);
  const encoded = padded.toString('base64').replace(/=+$/, '');
  let best = '';
  let run = '';
  for (let index = 0; index < encoded.length; index++) {
    const firstBit = index * 6;
    const firstByte = Math.floor(firstBit / 8);
    const lastByte = Math.floor((firstBit + 5) / 8);
    const determined = firstByte >= align && lastByte < padded.length;
    run = determined ? run + encoded[index] : '';
    if (run.length > best.length) best = run;
  }
  return best;
}

/** Every encoding of `text` that the scan looks for, by name; duplicates removed. */
export function encodings(text: string): Map<string, Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  const out = new Map<string, Buffer>();
  const add = (name: string, value: Buffer): void => {
    if (value.length >= WINDOW && ![...out.values()].some((known) => known.equals(value))) out.set(name, value);
  };
  add('plain', bytes);
  for (const align of [0, 1, 2]) {
    const core = base64Core(bytes, align);
    add(`base64@${align}`, Buffer.from(core, 'latin1'));
    add(`base64url@${align}`, Buffer.from(core.replace(/\+/g, '-').replace(/\//g, '_'), 'latin1'));
  }
  add('hex', Buffer.from(bytes.toString('hex'), 'latin1'));
  add('HEX', Buffer.from(bytes.toString('hex').toUpperCase(), 'latin1'));
  add('url', Buffer.from(encodeURIComponent(text), 'latin1'));
  add('url-every-byte', Buffer.from(percent(bytes, true), 'latin1'));
  add('url-every-byte-lower', Buffer.from(percent(bytes, false), 'latin1'));
  add('utf16le', Buffer.from(text, 'utf16le'));
  return out;
}

/**
 * The needles for `canaries`: each whole canary and each 8-character window outside its public prefix.
 * A needle that several canaries have (a window of their common prefix and marker) is kept once, as SHARED.
 */
export function needlesFor(canaries: readonly Canary[]): Needle[] {
  const byBytes = new Map<string, Needle>();
  const add = (needle: Needle): void => {
    const key = `${needle.encoding}\0${needle.bytes.toString('latin1')}`;
    const known = byBytes.get(key);
    if (!known) byBytes.set(key, needle);
    else if (known.canary !== needle.canary) byBytes.set(key, { ...known, canary: SHARED });
  };
  canaries.forEach(({ value, publicPrefix }, canary) => {
    if (!value.startsWith(publicPrefix)) throw new Error(`canary ${canary} does not start with its public prefix`);
    if (value.length < WINDOW) throw new Error(`canary ${canary} is shorter than ${WINDOW} characters`);
    for (const [encoding, bytes] of encodings(value)) add({ bytes, encoding, canary, start: -1 });
    for (let start = 0; start + WINDOW <= value.length; start++) {
      if (start + WINDOW <= publicPrefix.length) continue;
      for (const [encoding, bytes] of encodings(value.slice(start, start + WINDOW))) add({ bytes, encoding, canary, start });
    }
  });
  return [...byBytes.values()];
}

/** A matcher over many needles: a 3-byte bitmap filters positions, a 4-byte map finds candidates. */
export class Matcher {
  private readonly bitmap = new Uint8Array(1 << 21); // 2^24 bits
  private readonly byPrefix = new Map<number, Needle[]>();

  constructor(readonly needles: readonly Needle[]) {
    for (const needle of needles) {
      if (needle.bytes.length < 4) throw new Error('a needle is shorter than 4 bytes');
      const three = (needle.bytes[0]! << 16) | (needle.bytes[1]! << 8) | needle.bytes[2]!;
      this.bitmap[three >>> 3]! |= 1 << (three & 7);
      const four = needle.bytes.readUInt32BE(0);
      const list = this.byPrefix.get(four);
      if (list) list.push(needle);
      else this.byPrefix.set(four, [needle]);
    }
  }

  /** Every needle occurrence in `data`, as [offset, needle]. */
  find(data: Buffer): Array<[number, Needle]> {
    const found: Array<[number, Needle]> = [];
    const end = data.length - 3;
    for (let i = 0; i < end; i++) {
      const three = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
      if ((this.bitmap[three >>> 3]! & (1 << (three & 7))) === 0) continue;
      const candidates = this.byPrefix.get(data.readUInt32BE(i));
      if (!candidates) continue;
      for (const needle of candidates) {
        if (
          i + needle.bytes.length <= data.length &&
          data.compare(needle.bytes, 0, needle.bytes.length, i, i + needle.bytes.length) === 0
        ) {
          found.push([i, needle]);
        }
      }
    }
    return found;
  }
}

/** The byte ranges of `data` covered by an occurrence of any of `values`. */
function excludedRanges(data: Buffer, values: readonly Buffer[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const value of values) {
    if (value.length === 0) continue;
    for (let at = data.indexOf(value); at >= 0; at = data.indexOf(value, at + 1)) ranges.push([at, at + value.length]);
  }
  return ranges;
}

function listFiles(root: string, out: string[], unreadable: string[]): void {
  let stat;
  try {
    stat = lstatSync(root);
  } catch {
    return; // gone, or never there
  }
  if (stat.isFile()) {
    out.push(root);
    return;
  }
  if (!stat.isDirectory()) return; // sockets, links, devices: no stored bytes of their own
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    unreadable.push(root);
    return;
  }
  for (const name of names.sort()) listFiles(join(root, name), out, unreadable);
}

export interface ScanOptions {
  /** Folders and files to search; a folder is searched recursively. */
  roots: ReadonlyArray<{ label: string; path: string }>;
  canaries: readonly Canary[];
  /** Exact values whose occurrences are not searched (the encrypted SecretStorage blob). */
  exclude?: readonly Buffer[];
  /** Files not searched, each named by its full path (compared after `path.resolve`, nothing else). */
  skipFiles?: readonly string[];
}

/** Searches every file under `roots`; zip files also entry by entry. */
export function scan(options: ScanOptions): ScanReport {
  const matcher = new Matcher(needlesFor(options.canaries));
  const exclude = options.exclude ?? [];
  const hits: Hit[] = [];
  const unreadable: string[] = [];
  const perRoot: ScanReport['perRoot'] = [];
  const listing: ScanReport['listing'] = [];
  const skip = new Set((options.skipFiles ?? []).map((file) => resolve(file)));
  const skipped: ScanReport['skipped'] = [];
  let excluded = 0;
  let files = 0;
  let bytes = 0;

  const search = (name: string, data: Buffer): void => {
    const ranges = excludedRanges(data, exclude);
    for (const [offset, needle] of matcher.find(data)) {
      const end = offset + needle.bytes.length;
      if (ranges.some(([from, to]) => offset >= from && end <= to)) excluded++;
      else hits.push({ file: name, offset, encoding: needle.encoding, canary: needle.canary, start: needle.start });
    }
  };

  for (const root of options.roots) {
    const paths: string[] = [];
    listFiles(root.path, paths, unreadable);
    let rootFiles = 0;
    let rootBytes = 0;
    for (const path of paths) {
      let data: Buffer;
      try {
        data = readFileSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') unreadable.push(path);
        continue;
      }
      const shown = relative(root.path, path) || '.';
      const label = `${root.label}/${shown}`;
      if (skip.has(resolve(path))) {
        skipped.push({ file: label, bytes: data.length });
        continue;
      }
      search(label, data);
      rootFiles++;
      rootBytes += data.length;
      listing.push({ file: label, bytes: data.length });
      if (isLevelDbTable(data)) {
        try {
          for (const block of levelDbBlocks(data)) search(`${label}#block@${block.offset}`, block.contents);
        } catch (error) {
          unreadable.push(`${label} (LevelDB table: ${error instanceof Error ? error.message : String(error)})`);
        }
      }
      if ((data.length >= 4 && data.readUInt32LE(0) === 0x04034b50) || /\.(vsix|zip)$/i.test(path)) {
        let entries: ReturnType<typeof zipEntries> = [];
        try {
          entries = zipEntries(data);
        } catch {
          unreadable.push(`${label} (zip)`);
        }
        for (const entry of entries) {
          if (!entry.content) {
            unreadable.push(`${label}!${entry.name}`);
            continue;
          }
          search(`${label}!${entry.name}`, entry.content);
          rootFiles++;
          rootBytes += entry.content.length;
          listing.push({ file: `${label}!${entry.name}`, bytes: entry.content.length });
        }
      }
    }
    perRoot.push({ root: root.label, files: rootFiles, bytes: rootBytes });
    files += rootFiles;
    bytes += rootBytes;
  }
  return { files, bytes, hits, excluded, skipped, unreadable, perRoot, listing };
}

/** Hits grouped by file, canary and encoding: one line each, with the first offset and how many matched. */
export function summarize(hits: readonly Hit[], canaryNames: readonly string[]): string[] {
  const groups = new Map<string, { first: Hit; count: number; whole: boolean }>();
  for (const hit of hits) {
    const key = `${hit.file}\0${hit.canary}\0${hit.encoding}`;
    const group = groups.get(key);
    if (!group) groups.set(key, { first: hit, count: 1, whole: hit.start < 0 });
    else {
      group.count++;
      group.whole ||= hit.start < 0;
      if (hit.offset < group.first.offset) group.first = hit;
    }
  }
  return [...groups.values()].map(({ first, count, whole }) => {
    const which =
      first.canary === SHARED ? 'a part every canary shares (prefix and marker)' : (canaryNames[first.canary] ?? `canary ${first.canary}`);
    return `${first.file} @ ${first.offset}: ${which} (${first.encoding}), ${count} match${count === 1 ? '' : 'es'}${whole ? ', the whole key' : ''}`;
  });
}

/** One line per hit, without the bytes that matched. */
export function describeHit(hit: Hit, canaryNames: readonly string[]): string {
  const which =
    hit.canary === SHARED ? 'a part every canary shares (prefix and marker)' : (canaryNames[hit.canary] ?? `canary ${hit.canary}`);
  const what = hit.start < 0 ? `the whole of ${which}` : `${which}, characters ${hit.start}–${hit.start + WINDOW - 1}`;
  return `${hit.file} @ ${hit.offset}: ${what} (${hit.encoding})`;
}
