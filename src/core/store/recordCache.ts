// This window's copy of the store's records: loaded once, updated by its own writes and by the
// watcher (other windows' writes), and never trusted for a read-modify-write (those read the file).
import { Emitter, type Event } from '../emitter';
import { PROVIDERS, type ProviderId } from '../providers/catalogue';
import {
  type ChoiceRecord,
  type KeyRecord,
  type Parsed,
  type Rejection,
  type SentRecord,
  parseChoice,
  parseKey,
  parseSent,
  recordOf,
} from './records';
import type { RecordFolderPort } from './recordFolder';
import { ForeignEntryError } from './ownEntries';

/** Stands for the text of an entry that is not a record file (never read), so that it is reported once. */
const FOREIGN = '\u0000foreign';

/** A record file that could not be used, kept so that it is reported once and never overwritten. */
export interface SkippedRecord {
  readonly name: string;
  readonly why: Rejection;
}

/** Which records changed (their file names: key-<id>.json, choice-<provider>.json, sent-<provider>.json). */
export interface RecordsChanged {
  readonly names: readonly string[];
}

/** Reads in bulk at open run in slices of this many names, so that a large store keeps the host responsive. */
const LOAD_SLICE = 256;

export class RecordCache {
  private readonly keys = new Map<string, KeyRecord>();
  private readonly choices = new Map<ProviderId, ChoiceRecord>();
  private readonly sents = new Map<ProviderId, SentRecord>();
  /** The text last seen for each record name, so an event for an unchanged file changes nothing. */
  private readonly texts = new Map<string, string>();
  private readonly skipped = new Map<string, Rejection>();
  /**
   * Per record name, bumped by every local write and every read started: a read applies only if it is
   * the latest one started and no local write came after it started. Without it, a slow re-read
   * (started by a watcher event for an older write) would put an old copy over a newer local one.
   */
  private readonly generation = new Map<string, number>();
  /**
   * The visible keys in list order, kept in order by each change (a key moves to its place; nothing is
   * sorted again): a change costs a search and a copy, not a sort of every key. A new array per change,
   * so that a list a caller holds never changes under it.
   */
  private sorted: KeyRecord[] | undefined;
  /** While every record is read (loadAll): the order is dropped and sorted once, on the next read of the list. */
  private bulk = false;
  private readonly changed = new Emitter<RecordsChanged>();
  private readonly providerOrder = new Map<ProviderId, number>(PROVIDERS.map((p, i) => [p.id, i]));

  /** Fires after the cached records changed, with their names. */
  readonly onDidChange: Event<RecordsChanged> = this.changed.event;
  /** Called once for each record file that is skipped (malformed, or written by a newer version). */
  onSkipped: ((record: SkippedRecord) => void) | undefined;

  constructor(private readonly folder: RecordFolderPort) {}

  /** Every key record, pending ones included. */
  allKeys(): IterableIterator<KeyRecord> {
    return this.keys.values();
  }

  key(id: string): KeyRecord | undefined {
    return this.keys.get(id);
  }

  choice(provider: ProviderId): ChoiceRecord | undefined {
    return this.choices.get(provider);
  }

  sent(provider: ProviderId): SentRecord | undefined {
    return this.sents.get(provider);
  }

  /** Visible keys (no add or delete in progress), in catalogue order, then by name (then age, then id). */
  visibleKeys(): readonly KeyRecord[] {
    this.sorted ??= [...this.keys.values()].filter(isVisible).sort(this.order);
    return this.sorted;
  }

  private readonly order = (a: KeyRecord, b: KeyRecord): number =>
    (this.providerOrder.get(a.provider) ?? 99) - (this.providerOrder.get(b.provider) ?? 99) ||
    a.name.localeCompare(b.name) ||
    a.createdAt.localeCompare(b.createdAt) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  /** Moves a key to its place in the kept order (`next` undefined: it left the list). */
  private reorder(previous: KeyRecord | undefined, next: KeyRecord | undefined): void {
    const sorted = this.sorted;
    if (!sorted) return; // sorted whole on the next read
    if (this.bulk) {
      this.sorted = undefined; // many changes at once: one sort beats a search and a copy each
      return;
    }
    const was = previous && isVisible(previous) ? sorted.indexOf(previous) : -1;
    const now = next && isVisible(next) ? next : undefined;
    if (was < 0 && !now) return;
    const copy = sorted.slice();
    if (was >= 0) copy.splice(was, 1);
    if (now) {
      let low = 0;
      let high = copy.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (this.order(copy[middle]!, now) < 0) low = middle + 1;
        else high = middle;
      }
      copy.splice(low, 0, now);
    }
    this.sorted = copy;
  }

  /** Whether a file of this name exists but was skipped (so its id is taken and must not be touched). */
  isSkipped(name: string): boolean {
    return this.skipped.has(name);
  }

  skippedRecords(): SkippedRecord[] {
    return [...this.skipped].map(([name, why]) => ({ name, why }));
  }

  /** Reads every record (at start, or when the watcher lost track). Fires once if anything changed. */
  async loadAll(): Promise<void> {
    const names = new Set(await this.folder.list());
    const changed: string[] = [];
    for (const name of [...this.texts.keys(), ...this.skipped.keys()]) {
      if (!names.has(name) && this.forget(name)) changed.push(name);
    }
    const records = [...names].filter((name) => recordOf(name));
    this.bulk = true;
    try {
      await this.readEach(records, changed);
    } finally {
      this.bulk = false;
    }
    if (changed.length > 0) this.fire(changed);
  }

  /**
   * Reads `records` into the cache, noting in `changed` those that changed. Read in bulk, they are taken all
   * at once when the last is read: nothing in between (a redraw, a command) sees half of the store.
   */
  private async readEach(records: readonly string[], changed: string[]): Promise<void> {
    if (!this.folder.readMany) {
      for (const name of records) if (await this.reload(name, false)) changed.push(name);
      return;
    }
    const started = records.map((name) => this.bump(name));
    const read: Array<string | undefined | Error> = [];
    // Many small files: read in slices, each slice at once (see RecordFolderPort.readMany).
    for (let at = 0; at < records.length; at += LOAD_SLICE) read.push(...(await this.folder.readMany(records.slice(at, at + LOAD_SLICE))));
    records.forEach((name, i) => {
      if (this.take(name, started[i]!, read[i], false)) changed.push(name);
    });
  }

  /** Reads one record again (named by the watcher). */
  async refresh(name: string): Promise<void> {
    if (await this.reload(name, true)) this.fire([name]);
  }

  /** Takes a record this window just wrote (the watcher's later event then changes nothing). */
  set(name: string, text: string): void {
    this.bump(name);
    if (this.accept(name, text)) this.fire([name]);
  }

  /** Forgets a record this window just removed. */
  delete(name: string): void {
    this.bump(name);
    if (this.forget(name)) this.fire([name]);
  }

  private bump(name: string): number {
    const next = (this.generation.get(name) ?? 0) + 1;
    this.generation.set(name, next);
    return next;
  }

  dispose(): void {
    this.changed.dispose();
  }

  private async reload(name: string, quietOnMissing: boolean): Promise<boolean> {
    if (!recordOf(name)) return false;
    const started = this.bump(name);
    let read: string | undefined | Error;
    try {
      read = await this.folder.read(name);
    } catch (error) {
      read = error instanceof Error ? error : new Error(String(error));
    }
    return this.take(name, started, read, quietOnMissing);
  }

  /** Applies what a read that started at generation `started` found: the text, nothing, or the error. */
  private take(name: string, started: number, read: string | undefined | Error, quietOnMissing: boolean): boolean {
    if (read instanceof Error) {
      // Unreadable now: the next event or rescan tries again. Not a record file at all: skipped, like a malformed one.
      if (!(read instanceof ForeignEntryError) || this.generation.get(name) !== started || recordOf(name)?.kind === 'meta') return false;
      return this.reject(name, FOREIGN, 'foreign');
    }
    if (this.generation.get(name) !== started) return false; // a newer read or a local write came meanwhile
    if (read === undefined) return quietOnMissing ? this.forget(name) : false;
    return this.accept(name, read);
  }

  private accept(name: string, text: string): boolean {
    if (this.texts.get(name) === text) return false;
    const record = recordOf(name);
    if (!record || record.kind === 'meta') return false;
    const parsed: Parsed<KeyRecord | ChoiceRecord | SentRecord> =
      record.kind === 'key'
        ? parseKey(text, record.id)
        : record.kind === 'choice'
          ? parseChoice(text, record.id)
          : parseSent(text, record.id);
    if (!parsed.ok) return this.reject(name, text, parsed.why);
    this.skipped.delete(name);
    this.texts.set(name, text);
    if (record.kind === 'key') {
      const next = parsed.value as KeyRecord;
      this.reorder(this.keys.get(record.id), next);
      this.keys.set(record.id, next);
    } else if (record.kind === 'choice') {
      this.choices.set(record.id as ProviderId, parsed.value as ChoiceRecord);
    } else {
      this.sents.set(record.id as ProviderId, parsed.value as SentRecord);
    }
    return true;
  }

  /** Keeps a record file that cannot be used out of the cache, its name taken, and reports it once. */
  private reject(name: string, text: string, why: Rejection): boolean {
    if (this.texts.get(name) === text) return false;
    this.removeParsed(name);
    this.texts.set(name, text);
    if (this.skipped.get(name) !== why) {
      this.skipped.set(name, why);
      this.onSkipped?.({ name, why });
    }
    return true;
  }

  private forget(name: string): boolean {
    const had = this.texts.delete(name);
    this.skipped.delete(name);
    this.removeParsed(name);
    return had;
  }

  private removeParsed(name: string): void {
    const record = recordOf(name);
    if (!record || record.kind === 'meta') return;
    if (record.kind === 'key') {
      this.reorder(this.keys.get(record.id), undefined);
      this.keys.delete(record.id);
    } else if (record.kind === 'choice') this.choices.delete(record.id as ProviderId);
    else this.sents.delete(record.id as ProviderId);
  }

  private fire(names: readonly string[]): void {
    this.changed.fire({ names });
  }
}

function isVisible(key: KeyRecord): boolean {
  return key.pending?.op !== 'add' && key.pending?.op !== 'delete';
}
