// Masks for the tree, the pickers and messages, from an in-memory cache filled once per key and
// secret revision: a redraw reads no secret for a row it has shown before, and a rotation updates the
// row from the key the flow holds in hand.
import { Emitter, type Disposable, type Event } from '../emitter';
import { maskKey } from './mask';

/** A stored key as the cache knows it: its id and the revision of its secret (a KeyRecord is one). */
export interface MaskedKey {
  readonly id: string;
  readonly secretRev: string;
}

/** Where the cache reads key bytes (the KeyStore). */
export interface SecretSource {
  /** The key bytes; rejects when the keyring gives nothing (an error whose `kind` is 'keyring'). */
  secret(id: string): Promise<string>;
}

/**
 * Whether `error` is the keyring giving nothing (the store's KeyringUnavailableError), told by its kind:
 * this room sits below the store and does not import it.
 */
function isKeyringTrouble(error: unknown): boolean {
  return error instanceof Error && (error as { kind?: unknown }).kind === 'keyring';
}

/**
 * A row's mask: the text (always with an ellipsis, such as "sk-…9f3a"), 'loading' while its secret is
 * read, or 'unavailable' when the keyring gave nothing. The literals document the two words a mask never is.
 */
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
export type MaskView = string | 'loading' | 'unavailable';
/** A mask, or 'unavailable' (never 'loading'). */
export type Mask = Exclude<MaskView, 'loading'>;

export class MaskCache implements Disposable {
  private readonly masks = new Map<string, { rev: string; mask: Mask }>();
  private readonly queued = new Map<string, MaskedKey>();
  private filling: Promise<void> | undefined;
  private readonly changed = new Emitter<void>();
  /** Secret reads made (for the bench and tests). */
  reads = 0;

  /** Fires after masks were filled (one event per batch). */
  readonly onDidChange: Event<void> = this.changed.event;

  constructor(private readonly store: SecretSource) {}

  /** The cached mask; when missing, 'loading' and a read is queued (onDidChange fires when done). */
  peek(record: MaskedKey): MaskView {
    const cached = this.masks.get(record.id);
    if (cached && cached.rev === record.secretRev) return cached.mask;
    this.queued.set(record.id, record);
    this.filling ??= Promise.resolve().then(() => this.fill());
    return 'loading';
  }

  /** The mask, reading the secret if needed; 'unavailable' when the keyring gives nothing. */
  async get(record: MaskedKey): Promise<Mask> {
    const cached = this.masks.get(record.id);
    if (cached && cached.rev === record.secretRev) return cached.mask;
    return this.read(record);
  }

  /** Records the mask of a key the caller holds in hand (added, rotated). */
  note(record: MaskedKey, key: string): void {
    this.masks.set(record.id, { rev: record.secretRev, mask: maskKey(key) });
  }

  /** Forgets a key's mask (its secret changed in another window, or the keyring may have recovered). */
  forget(id?: string): void {
    if (id === undefined) this.masks.clear();
    else this.masks.delete(id);
  }

  /** Asks the keyring again for rows it could not show (the window regained focus: it may be unlocked). */
  forgetUnavailable(): void {
    for (const [id, cached] of this.masks) if (cached.mask === 'unavailable') this.masks.delete(id);
  }

  dispose(): void {
    this.changed.dispose();
  }

  private async fill(): Promise<void> {
    try {
      while (this.queued.size > 0) {
        const batch = [...this.queued.values()];
        this.queued.clear();
        for (const record of batch) await this.read(record);
        this.changed.fire();
      }
    } finally {
      this.filling = undefined;
    }
  }

  private async read(record: MaskedKey): Promise<Mask> {
    let mask: Mask;
    try {
      this.reads++;
      mask = maskKey(await this.store.secret(record.id));
    } catch (error) {
      if (!isKeyringTrouble(error)) return 'unavailable';
      mask = 'unavailable';
    }
    // 'unavailable' is cached too, so a failing keyring never makes redraws read again and again; the
    // secret's change event (forget) or the window's focus (forgetUnavailable) ask again.
    this.masks.set(record.id, { rev: record.secretRev, mask });
    return mask;
  }
}
