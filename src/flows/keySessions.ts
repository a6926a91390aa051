// The keys as sessions of an authentication provider, for other extensions (src/vscode/authentication.ts
// registers them with VS Code): another extension asks VS Code for a session whose scope is a provider id,
// VS Code asks the user whether that extension may have it (its own dialog; we never learn who asked), and
// hands over one of these. A session is one stored key: its id is the key's id, its one scope the provider id,
// its account the key's name and provider, its access token the key.
//
// VS Code keeps the user's consent per account label, so the label names the provider too: "Personal" of
// OpenAI and "Personal" of Anthropic must be two accounts, or consent to one would hand over the other.
// Key bytes are read from SecretStorage only for a request that names one provider; listings (the Accounts
// menu lists every session when the window starts) and change events carry none. No vscode import.
import * as l10n from '@vscode/l10n';
import { type Disposable, Emitter, type Event } from '../core/emitter';
import { PROVIDERS, type ProviderId, getProvider } from '../core/providers/catalogue';
import type { KeyRecord, KeyStore } from '../core/store/keyStore';

export interface KeySession {
  readonly id: string;
  /** The key; '' in listings and change events. */
  readonly accessToken: string;
  readonly account: { readonly id: string; readonly label: string };
  readonly scopes: readonly string[];
}

/** What changed, in the shape of VS Code's AuthenticationProviderAuthenticationSessionsChangeEvent. */
export interface SessionsChange {
  readonly added?: readonly KeySession[];
  readonly removed?: readonly KeySession[];
  readonly changed?: readonly KeySession[];
}

export interface KeySessionsDeps {
  readonly store: Pick<KeyStore, 'list' | 'get' | 'secret' | 'onDidChange' | 'onDidChangeSecret'>;
  /** Resolves when the store is open. */
  readonly ready: Promise<unknown>;
  /** The Add Key flow for `provider`; undefined when the user left it. */
  addKey(provider: ProviderId): Promise<KeyRecord | undefined>;
  /** Signing out of a key's account: asks, then deletes the key; false when the user keeps it. */
  signOut(id: string): Promise<boolean>;
  log(message: string): void;
}

/** The account label of a key: its name and its provider, "Personal (OpenAI)". Never translated: VS Code keeps consent by it. */
export function accountLabel(record: Pick<KeyRecord, 'name' | 'provider'>): string {
  return `${record.name} (${getProvider(record.provider)?.label ?? record.provider})`;
}

/** The provider a request is for: 'all' when it names none (a listing), undefined when it names no single known one. */
export function requestedProvider(scopes: readonly string[] | undefined | null): ProviderId | 'all' | undefined {
  const named = new Set(scopes ?? []);
  if (named.size === 0) return 'all';
  const [only] = named;
  return named.size === 1 && only !== undefined ? getProvider(only)?.id : undefined;
}

interface Seen {
  readonly label: string;
  readonly provider: ProviderId;
  readonly secretRev: string;
}

const sessionOf = (id: string, seen: Pick<Seen, 'label' | 'provider'>, accessToken = ''): KeySession => ({
  id,
  accessToken,
  account: { id, label: seen.label },
  scopes: [seen.provider],
});

const sessionOfKey = (record: KeyRecord, accessToken = ''): KeySession =>
  sessionOf(record.id, { label: accountLabel(record), provider: record.provider }, accessToken);

export class KeySessions implements Disposable {
  private readonly changes = new Emitter<SessionsChange>();
  private readonly subscriptions: Disposable[];
  /** The keys as sessions were last announced; undefined until the store is open. */
  private seen: Map<string, Seen> | undefined;
  /** Keys whose bytes this window could not read when asked: announced again when they arrive. */
  private readonly unreadable = new Set<string>();

  /** Fires on every add, rotation, rename and delete, here or in another window. */
  readonly onDidChangeSessions: Event<SessionsChange> = this.changes.event;

  constructor(private readonly deps: KeySessionsDeps) {
    this.subscriptions = [deps.store.onDidChange(() => this.compare()), deps.store.onDidChangeSecret((id) => this.arrived(id))];
    void deps.ready.then(
      () => (this.seen ??= this.snapshot()),
      () => undefined,
    );
  }

  async getSessions(scopes?: readonly string[]): Promise<KeySession[]> {
    await this.deps.ready;
    const provider = requestedProvider(scopes);
    if (provider === 'all') return this.deps.store.list().map((record) => sessionOfKey(record));
    if (!provider) return [];
    const keys = this.deps.store.list().filter((record) => record.provider === provider);
    const read = await Promise.allSettled(keys.map((record) => this.deps.store.secret(record.id)));
    const sessions: KeySession[] = [];
    read.forEach((result, index) => {
      const record = keys[index]!;
      if (result.status === 'fulfilled') {
        this.unreadable.delete(record.id);
        sessions.push(sessionOfKey(record, result.value));
      } else {
        this.unreadable.add(record.id);
      }
    });
    const missing = keys.length - sessions.length;
    // How many, never which: which key went where is VS Code's to show.
    const label = getProvider(provider)?.label ?? provider;
    if (missing > 0) this.deps.log(`${missing} ${label} key(s) could not be read for a session request; offered again once they can`);
    return sessions;
  }

  /** Runs Add Key for the one provider asked for; the new key is the session. */
  async createSession(scopes: readonly string[]): Promise<KeySession> {
    const provider = requestedProvider(scopes);
    if (!provider || provider === 'all') throw new Error(scopesError());
    await this.deps.ready;
    const label = getProvider(provider)?.label ?? provider;
    const record = await this.deps.addKey(provider);
    if (!record) throw new NoKeyAdded(label);
    if (record.provider !== provider) {
      // The user moved a pasted key of another provider to that provider: it is not what was asked for.
      throw new Error(
        l10n.t(
          'The new key was added under {0}, not {1}: an extension that asks for {1} keys does not get it.',
          getProvider(record.provider)?.label ?? record.provider,
          label,
        ),
      );
    }
    return sessionOfKey(record, await this.deps.store.secret(record.id));
  }

  /** Sign Out in the Accounts menu: asks before it deletes the key. Kept or deleted, VS Code then takes the extensions' access away. */
  async removeSession(id: string): Promise<void> {
    await this.deps.ready;
    if (this.deps.store.get(id)) await this.deps.signOut(id);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changes.dispose();
  }

  private snapshot(): Map<string, Seen> {
    return new Map(
      this.deps.store
        .list()
        .map((record) => [record.id, { label: accountLabel(record), provider: record.provider, secretRev: record.secretRev }]),
    );
  }

  /** Announces what changed since the last look: a rename is a new account (VS Code lists accounts by label). */
  private compare(): void {
    const before = this.seen;
    if (!before) return;
    const now = this.snapshot();
    this.seen = now;
    const added: KeySession[] = [];
    const removed: KeySession[] = [];
    const changed: KeySession[] = [];
    for (const [id, was] of before) {
      const is = now.get(id);
      if (is?.label === was.label && is.secretRev === was.secretRev) continue;
      this.unreadable.delete(id); // announced now: a consumer asks again
      if (!is || is.label !== was.label) removed.push(sessionOf(id, was));
      if (is && is.label !== was.label) added.push(sessionOf(id, is));
      else if (is) changed.push(sessionOf(id, is));
    }
    for (const [id, is] of now) if (!before.has(id)) added.push(sessionOf(id, is));
    if (added.length + removed.length + changed.length === 0) return;
    this.changes.fire({
      ...(added.length ? { added } : {}),
      ...(removed.length ? { removed } : {}),
      ...(changed.length ? { changed } : {}),
    });
  }

  /** Bytes this window could not read when asked have arrived (another window's rotation, an unlocked keyring). */
  private arrived(id: string): void {
    if (!this.unreadable.delete(id)) return;
    const record = this.deps.store.get(id);
    if (record) this.changes.fire({ changed: [sessionOfKey(record)] });
  }
}

/** The user left Add Key: VS Code tells the extension that asked; there is nothing to show. */
class NoKeyAdded extends Error {
  readonly kind = 'cancelled';
  constructor(provider: string) {
    super(l10n.t('No {0} key was added.', provider));
    this.name = 'NoKeyAdded';
  }
}

function scopesError(): string {
  return l10n.t('Ask Provider Keys for exactly one provider id as the scope: {0}.', PROVIDERS.map((p) => p.id).join(', '));
}

/**
 * Something that is on while a setting says so: `register` when it turns on, disposed when it turns off
 * (providerKeys.shareWithExtensions takes effect at once, no reload).
 */
export class Toggle implements Disposable {
  private registration: Disposable | undefined;

  constructor(
    private readonly enabled: () => boolean,
    private readonly register: () => Disposable,
  ) {}

  get on(): boolean {
    return this.registration !== undefined;
  }

  /** Registers or unregisters to match the setting now. */
  update(): void {
    if (this.enabled()) this.registration ??= this.register();
    else this.dispose();
  }

  dispose(): void {
    this.registration?.dispose();
    this.registration = undefined;
  }
}
