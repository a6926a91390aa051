// The one place that decides what a secret looks like in text. Every log line and every error
// message built from something the service said passes through `redact`.
//
// Two nets: the keys the user actually stored (`knownSecrets`, filled by the key store), matched
// down to any fragment of FRAGMENT_LENGTH characters whatever their format; and a pattern for
// anything that merely looks like a key. Both run in time linear in the text.
import { shared } from '../shared';
import { knownPrefixOf } from '../providers/catalogue';
import { MAX_SHOWN_NAME_LENGTH, cleanServiceText, stripInvisible } from './text';

/**
 * Tokens that look like provider keys: one of these prefixes at a word boundary followed by at least
 * KEY_LIKE_TAIL key characters, or a run of KEY_LIKE_RUN key characters ([A-Za-z0-9_-]). Scanned by
 * hand: V8's regular expression for `[…]{32,}` overflows its stack on a run of a few million characters.
 */
const KEY_LIKE_PREFIXES = ['sk', 'pk', 'rk', 'gsk', 'xai', 'key', 'AIza'];
const KEY_LIKE_TAIL = 12;
const KEY_LIKE_RUN = 32;

export const REDACTED = '[redacted]';

/** A fragment of a stored secret this long (or longer) is redacted wherever it appears. */
export const FRAGMENT_LENGTH = 8;

/** Shorter secrets are redacted only whole; below this length they are too common to redact at all. */
const MIN_SECRET_LENGTH = 4;

// Two independent rolling hashes (buzhash: rotate, then XOR a table entry per character) of each
// FRAGMENT_LENGTH-character window, rolled along the text: together a 64-bit fingerprint, so a
// window is looked up without slicing a string. Fixed tables from a seeded xorshift, so the
// fingerprints are the same in every run.
const MIX1 = new Int32Array(1024);
const MIX2 = new Int32Array(1024);
{
  let x = 0x9e3779b9 | 0;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x | 0;
  };
  for (let i = 0; i < 1024; i++) {
    MIX1[i] = next();
    MIX2[i] = next();
  }
}

/** Half-open ranges [start, end) of text to replace, sorted and merged by `merge`. */
type Ranges = number[];

/**
 * The secrets to redact, indexed by every window of FRAGMENT_LENGTH characters in an open-addressing
 * table of fingerprints with a count per slot (two keys can share a window). remember and forget
 * touch only their own windows, so the key store can call them for thousands of keys; the table
 * grows by doubling. ranges() reads the text once. A 64-bit fingerprint collision could only redact
 * too much, never too little.
 */
export class SecretRedactor {
  private readonly secrets = new Set<string>();
  private short: string[] = [];
  private table1 = new Int32Array(1024);
  /** 0: a slot never used (stored fingerprints have an odd h2). */
  private table2 = new Int32Array(1024);
  /** How many remembered windows have this slot's fingerprint; 0 in a used slot: forgotten. */
  private counts = new Int32Array(1024);
  private used = 0;
  private live = 0;

  /** Redacts `secret` (and every fragment of FRAGMENT_LENGTH or more of its characters) from now on. */
  remember(secret: string): void {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    if (secret.length < FRAGMENT_LENGTH) this.short.push(secret);
    for (const window of windowsOf(secret)) this.count(window, 1);
    // At most 1/8 used, so that a miss (nearly every position of ordinary text) ends at the first slot.
    if (this.used * 8 > this.table2.length) this.rebuild();
  }

  /** Stops redacting `secret`. Call it only once no stored record holds it any more. */
  forget(secret: string): void {
    if (!this.secrets.delete(secret)) return;
    this.short = this.short.filter((entry) => entry !== secret);
    for (const window of windowsOf(secret)) this.count(window, -1);
  }

  clear(): void {
    this.secrets.clear();
    this.rebuild();
  }

  get size(): number {
    return this.secrets.size;
  }

  /** Whether `text` contains a remembered secret or a fragment of one. */
  containsSecret(text: string): boolean {
    return this.ranges(text).length > 0;
  }

  /** The ranges of `text` that hold a remembered secret or a fragment of one. */
  ranges(text: string): Ranges {
    const ranges: Ranges = [];
    if (this.secrets.size === 0 || text.length === 0) return ranges;
    if (this.live > 0) this.scanWindows(text, ranges);
    for (const secret of this.short) {
      for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + secret.length)) {
        ranges.push(at, at + secret.length);
      }
    }
    return merge(ranges);
  }

  private scanWindows(text: string, ranges: Ranges): void {
    const { table1, table2, counts } = this;
    const mask = table2.length - 1;
    const mix1 = MIX1;
    const mix2 = MIX2;
    const n = text.length;
    const width = FRAGMENT_LENGTH; // a local: an exported constant is a property load per character in CommonJS
    const last = width - 1;
    let h1 = 0;
    let h2 = 0;
    let runStart = -1;
    let runEnd = -1;
    // The rolling form of `fingerprint` (kept inline: this loop is the hot path).
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      h1 = ((h1 << 1) | (h1 >>> 31)) ^ (mix1[c & 1023] as number) ^ (c >>> 10);
      h2 = ((h2 << 3) | (h2 >>> 29)) ^ (mix2[c & 1023] as number) ^ (c >>> 10);
      if (i < last) continue;
      if (i > last) {
        const out = text.charCodeAt(i - width);
        const m1 = (mix1[out & 1023] as number) ^ (out >>> 10);
        const m2 = (mix2[out & 1023] as number) ^ (out >>> 10);
        h1 ^= (m1 << 8) | (m1 >>> 24);
        h2 ^= (m2 << 24) | (m2 >>> 8);
      }
      for (let slot = h1 & mask; table2[slot] !== 0; slot = (slot + 1) & mask) {
        if (table1[slot] !== h1 || table2[slot] !== (h2 | 1)) continue;
        if ((counts[slot] as number) > 0) {
          const start = i - last;
          if (start <= runEnd) {
            runEnd = i + 1;
          } else {
            if (runStart >= 0) ranges.push(runStart, runEnd);
            runStart = start;
            runEnd = i + 1;
          }
        }
        break;
      }
    }
    if (runStart >= 0) ranges.push(runStart, runEnd);
  }

  /** Adds `delta` to the count of `window`'s fingerprint, taking a new slot for a new one. */
  private count([h1, h2]: [number, number], delta: number): void {
    const mask = this.table2.length - 1;
    let slot = h1 & mask;
    while (this.table2[slot] !== 0 && !(this.table1[slot] === h1 && this.table2[slot] === h2)) slot = (slot + 1) & mask;
    if (this.table2[slot] === 0) {
      if (delta < 0) return;
      this.table1[slot] = h1;
      this.table2[slot] = h2;
      this.used++;
    }
    const before = this.counts[slot] as number;
    const after = Math.max(0, before + delta);
    this.counts[slot] = after;
    this.live += (after > 0 ? 1 : 0) - (before > 0 ? 1 : 0);
  }

  /** A fresh table for the remembered secrets, at most 1/8 used (forgotten slots are dropped). */
  private rebuild(): void {
    const windows: Array<[number, number]> = [];
    for (const secret of this.secrets) windows.push(...windowsOf(secret));
    let size = 1024;
    while (size < windows.length * 8) size *= 2;
    this.table1 = new Int32Array(size);
    this.table2 = new Int32Array(size);
    this.counts = new Int32Array(size);
    this.used = 0;
    this.live = 0;
    for (const window of windows) this.count(window, 1);
  }
}

/**
 * The fingerprints of `secret`'s windows, except those inside its provider prefix ("sk-proj-"): a
 * prefix is public, and redacting it would only hide which kind of key a log line speaks of.
 */
function windowsOf(secret: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const first = Math.max(FRAGMENT_LENGTH, knownPrefixOf(secret).length + 1);
  for (let end = first; end <= secret.length; end++) out.push(fingerprint(secret, end));
  return out;
}

/**
 * The [h1, h2] fingerprint of the FRAGMENT_LENGTH characters of `text` before `end`, computed afresh:
 * the same value the rolling scan reaches there (what it rolled out has cancelled exactly). h2 is
 * made odd, so that 0 marks an empty slot in the table.
 */
function fingerprint(text: string, end: number): [number, number] {
  let h1 = 0;
  let h2 = 0;
  for (let i = end - FRAGMENT_LENGTH; i < end; i++) {
    const c = text.charCodeAt(i);
    h1 = ((h1 << 1) | (h1 >>> 31)) ^ (MIX1[c & 1023] as number) ^ (c >>> 10);
    h2 = ((h2 << 3) | (h2 >>> 29)) ^ (MIX2[c & 1023] as number) ^ (c >>> 10);
  }
  return [h1, h2 | 1];
}

/**
 * The secrets the user stored; the key store remembers each key it reads or writes. One registry for
 * every bundle of the extension (see shared.ts), so that a bundle loaded later redacts them too.
 */
export const knownSecrets: SecretRedactor = shared('knownSecrets', () => new SecretRedactor());

function merge(ranges: Ranges): Ranges {
  if (ranges.length <= 2) return ranges;
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < ranges.length; i += 2) pairs.push([ranges[i] as number, ranges[i + 1] as number]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [start, end] of pairs) {
    const lastEnd = out.length > 0 ? (out[out.length - 1] as number) : -1;
    if (start <= lastEnd) out[out.length - 1] = Math.max(lastEnd, end);
    else out.push(start, end);
  }
  return out;
}

function cut(text: string, ranges: Ranges): string {
  if (ranges.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    parts.push(text.slice(at, ranges[i]), REDACTED);
    at = ranges[i + 1] as number;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/**
 * Removes every remembered secret (and fragment of one), every secret in `secrets` (the key just
 * sent, for instance), and anything that looks like an API key from `text`. Linear in the text.
 */
export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  let extra: SecretRedactor | undefined;
  for (const secret of secrets) {
    if (secret && secret.length >= MIN_SECRET_LENGTH) (extra ??= new SecretRedactor()).remember(secret);
  }
  const str = String(text);
  const ranges = keyLikeRanges(str);
  ranges.push(...knownSecrets.ranges(str));
  if (extra) ranges.push(...extra.ranges(str));
  return cut(str, merge(ranges));
}

function isKeyChar(c: number): boolean {
  // A-Z, a-z, 0-9, '_' and '-'
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

/** The ranges of key-like tokens: within each run of key characters, from the first place one starts to the run's end. */
function keyLikeRanges(text: string): Ranges {
  const ranges: Ranges = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!isKeyChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isKeyChar(text.charCodeAt(i))) i++;
    if (i - start >= KEY_LIKE_RUN) {
      ranges.push(start, i);
      continue;
    }
    // A word boundary inside a run is after a '-' (the only key character that is not a word character).
    for (let at = start; at < i; at++) {
      if (at > start && text.charCodeAt(at - 1) !== 45) continue;
      if (KEY_LIKE_PREFIXES.some((prefix) => i - at >= prefix.length + KEY_LIKE_TAIL && text.startsWith(prefix, at))) {
        ranges.push(at, i);
        break;
      }
    }
  }
  return ranges;
}

/** How much more than `max` is kept before redaction, so that a key cut at the clip point is still seen whole. */
const CLIP_SLACK = 256;

/**
 * A short, single-line, redacted excerpt of service text, safe for messages and logs. The text is
 * clipped before anything else runs on it, so its cost does not depend on what the service sent.
 */
export function excerpt(body: string, secrets: Iterable<string | undefined> = [], max = 160): string {
  const text = String(body);
  let clipped = text.length > max + CLIP_SLACK;
  // Invisible characters go before redaction, so that a key split by a zero-width space is seen whole.
  const head = stripInvisible((clipped ? text.slice(0, max + CLIP_SLACK) : text).replace(/\s+/g, ' ')).trim();
  let shown = redact(head, secrets);
  if (shown.length > max) {
    shown = shown.slice(0, max - 1);
    clipped = true;
  }
  return clipped ? `${dropCutToken(shown)}…` : shown;
}

/** A token cut at the clip point could be the start of a key too short to be recognised: drop it. */
function dropCutToken(text: string): string {
  return text.replace(/[^\s[\]]*$/, '').trimEnd();
}

/**
 * A name the service sent (a user name, the name of the key Pieces OS holds), fit for the UI and the
 * log: one line, no control, bidi or invisible characters, redacted, at most `max` characters.
 * Empty when nothing visible is left; '' for anything that is not a string.
 */
export function cleanServiceName(text: unknown, max = MAX_SHOWN_NAME_LENGTH): string {
  if (typeof text !== 'string') return '';
  const limit = max * 4 + CLIP_SLACK;
  // Whitespace (line breaks, tabs: control characters too) becomes a space before the rest is stripped.
  const head = stripInvisible((text.length > limit ? text.slice(0, limit) : text).replace(/\s+/g, ' '));
  return cleanServiceText(text.length > limit ? dropCutToken(redact(head)) : redact(head), max);
}
