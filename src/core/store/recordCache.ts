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
  private sorted: KeyRecord[] | undefined;
  private readonly changed = new Emitter<void>();
  private readonly providerOrder = new Map<ProviderId, number>(PROVIDERS.map((p, i) => [p.id, i]));

  /** Fires after the cached records changed. */
  readonly onDidChange: Event<void> = this.changed.event;
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

  /** Visible keys (no add or delete in progress), in catalogue order, then by name; sorted once per change. */
  visibleKeys(): readonly KeyRecord[] {
    this.sorted ??= [...this.keys.values()]
      .filter((key) => key.pending?.op !== 'add' && key.pending?.op !== 'delete')
      .sort(
        (a, b) =>
          (this.providerOrder.get(a.provider) ?? 99) - (this.providerOrder.get(b.provider) ?? 99) ||
          a.name.localeCompare(b.name) ||
          a.createdAt.localeCompare(b.createdAt),
      );
    return this.sorted;
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
    let any = false;
    for (const name of [...this.texts.keys(), ...this.skipped.keys()]) {
      if (!names.has(name)) any = this.forget(name) || any;
    }
    for (const name of names) any = (await this.reload(name, false)) || any;
    if (any) this.fire();
  }

  /** Reads one record again (named by the watcher). */
  async refresh(name: string): Promise<void> {
    if (await this.reload(name, true)) this.fire();
  }

  /** Takes a record this window just wrote (the watcher's later event then changes nothing). */
  set(name: string, text: string): void {
    this.bump(name);
    if (this.accept(name, text)) this.fire();
  }

  /** Forgets a record this window just removed. */
  delete(name: string): void {
    this.bump(name);
    if (this.forget(name)) this.fire();
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
    let text: string | undefined;
    try {
      text = await this.folder.read(name);
    } catch (error) {
      // Unreadable now: the next event or rescan tries again. Not a record file at all: skipped, like a malformed one.
      if (!(error instanceof ForeignEntryError) || this.generation.get(name) !== started || recordOf(name)?.kind === 'meta') return false;
      return this.reject(name, FOREIGN, 'foreign');
    }
    if (this.generation.get(name) !== started) return false; // a newer read or a local write came meanwhile
    if (text === undefined) return quietOnMissing ? this.forget(name) : false;
    return this.accept(name, text);
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
      this.keys.set(record.id, parsed.value as KeyRecord);
      this.sorted = undefined;
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
      if (this.keys.delete(record.id)) this.sorted = undefined;
    } else if (record.kind === 'choice') this.choices.delete(record.id as ProviderId);
    else this.sents.delete(record.id as ProviderId);
  }

  private fire(): void {
    this.changed.fire();
  }
}
