// The records of the store, as they are on disk, and the checks that decide whether a file read back
// is one of them. Nothing here holds key bytes: a key record names its secret by revision only.
//
//   key-<id>.json         one key's metadata          written by user actions (any window)
//   choice-<provider>.json which key Pieces OS should use   written by user actions (any window)
//   sent-<provider>.json  what Pieces OS was sent/holds  written by the sync engine holding the lease
//   meta.json             the store's format version
import { PROVIDERS, type ProviderId } from '../providers/catalogue';

/** The format this code reads and writes. A record or store with a higher version is left alone. */
export const STORE_VERSION = 1;

export type PendingOp =
  /** Written before the secret is stored; `choose`: make it the key Pieces OS uses. */
  | { readonly op: 'add'; readonly at: string; readonly choose?: boolean }
  /** Written before a new secret revision `rev` is stored. */
  | { readonly op: 'rotate'; readonly at: string; readonly rev: string; readonly organization?: string }
  /** Written before the secret is deleted; `successor`: the key Pieces OS uses instead. */
  | { readonly op: 'delete'; readonly at: string; readonly successor?: string };

/** What the provider said when the key was last checked (Verify Key); `at` is an ISO time. */
export interface Verification {
  readonly at: string;
  readonly result: 'ok' | 'rejected';
  readonly status?: number;
}

export interface KeyRecord {
  readonly v: typeof STORE_VERSION;
  readonly id: string;
  readonly provider: ProviderId;
  readonly name: string;
  readonly organization?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The revision of the secret stored for this key; the secret carries the same revision. */
  readonly secretRev: string;
  /** Set while the key Pieces OS last accepted is kept as `<secret>.previous` (a rotation not yet accepted). */
  readonly previousRev?: string;
  readonly pending?: PendingOp;
  readonly verified?: Verification;
}

export interface ChoiceRecord {
  readonly v: typeof STORE_VERSION;
  readonly provider: ProviderId;
  /** The key Pieces OS should use; undefined: it should hold none of ours. */
  readonly activeId?: string;
  /** Changed when the user asks to send again whatever was sent (Sync Now after a failure, "send mine"). */
  readonly nonce: string;
  readonly at: string;
}

/** What Pieces OS holds of ours, as far as the engine knows: nothing, perhaps something, or a key. */
export type Holds = 'none' | 'maybe' | 'ours';

export interface SyncFailure {
  /** The version and nonce that failed: a later change is not marked by this failure. */
  readonly keyId?: string;
  readonly version?: string;
  readonly nonce: string;
  readonly kind: string;
  /** Redacted and clipped before it is stored. */
  readonly reason: string;
  readonly at: string;
  /** Retrying cannot help (401, repeated garbled answers): waits for the user. */
  readonly parked: boolean;
  readonly retryAfterMs?: number;
}

export interface SentRecord {
  readonly v: typeof STORE_VERSION;
  readonly provider: ProviderId;
  readonly holds: Holds;
  /** With holds 'ours': the key and version Pieces OS confirmed, when known. */
  readonly keyId?: string;
  readonly version?: string;
  /** The choice nonce that was confirmed. */
  readonly nonce?: string;
  /** When Pieces OS last confirmed a call. */
  readonly at?: string;
  readonly attempts: number;
  readonly failure?: SyncFailure;
}

export const KEY_PREFIX = 'key-';
export const CHOICE_PREFIX = 'choice-';
export const SENT_PREFIX = 'sent-';
export const META_NAME = 'meta.json';

export const keyFile = (id: string): string => `${KEY_PREFIX}${id}.json`;
export const choiceFile = (provider: ProviderId): string => `${CHOICE_PREFIX}${provider}.json`;
export const sentFile = (provider: ProviderId): string => `${SENT_PREFIX}${provider}.json`;

/** A record file's kind and id from its name, or undefined for names that are not records. */
export function recordOf(name: string): { kind: 'key' | 'choice' | 'sent'; id: string } | { kind: 'meta' } | undefined {
  if (name === META_NAME) return { kind: 'meta' };
  const match = /^(key|choice|sent)-([A-Za-z0-9_-]{1,64})\.json$/.exec(name);
  return match ? { kind: match[1] as 'key' | 'choice' | 'sent', id: match[2] as string } : undefined;
}

/**
 * Why a record file cannot be used: 'newer' (a later version wrote it), 'malformed', or 'foreign'
 * (not a file the store wrote at all: a folder, a link, a file too large; never read).
 */
export type Rejection = 'newer' | 'malformed' | 'foreign';
export type Parsed<T> = { ok: true; value: T } | { ok: false; why: Rejection };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isOptionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';
const isProvider = (value: unknown): value is ProviderId => PROVIDERS.some((p) => p.id === value);

function parseJson(text: string): Parsed<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, why: 'malformed' };
  }
  if (!isObject(value)) return { ok: false, why: 'malformed' };
  if (typeof value.v === 'number' && value.v > STORE_VERSION) return { ok: false, why: 'newer' };
  if (value.v !== STORE_VERSION) return { ok: false, why: 'malformed' };
  return { ok: true, value };
}

function isPending(value: unknown): value is PendingOp {
  if (value === undefined) return true;
  if (!isObject(value) || !isString(value.at)) return false;
  switch (value.op) {
    case 'add':
      return value.choose === undefined || typeof value.choose === 'boolean';
    case 'rotate':
      return isString(value.rev) && isOptionalString(value.organization);
    case 'delete':
      return isOptionalString(value.successor);
    default:
      return false;
  }
}

export function parseKey(text: string, id: string): Parsed<KeyRecord> {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const r = parsed.value;
  const verified = r.verified;
  const ok =
    r.id === id &&
    isProvider(r.provider) &&
    isString(r.name) &&
    isOptionalString(r.organization) &&
    isString(r.createdAt) &&
    isString(r.updatedAt) &&
    isString(r.secretRev) &&
    isOptionalString(r.previousRev) &&
    isPending(r.pending) &&
    (verified === undefined ||
      (isObject(verified) &&
        isString(verified.at) &&
        (verified.result === 'ok' || verified.result === 'rejected') &&
        (verified.status === undefined || typeof verified.status === 'number')));
  return ok ? { ok: true, value: r as unknown as KeyRecord } : { ok: false, why: 'malformed' };
}

export function parseChoice(text: string, provider: string): Parsed<ChoiceRecord> {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const r = parsed.value;
  const ok = r.provider === provider && isProvider(r.provider) && isOptionalString(r.activeId) && isString(r.nonce) && isString(r.at);
  return ok ? { ok: true, value: r as unknown as ChoiceRecord } : { ok: false, why: 'malformed' };
}

export function parseSent(text: string, provider: string): Parsed<SentRecord> {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const r = parsed.value;
  const failure = r.failure;
  const ok =
    r.provider === provider &&
    isProvider(r.provider) &&
    (r.holds === 'none' || r.holds === 'maybe' || r.holds === 'ours') &&
    isOptionalString(r.keyId) &&
    isOptionalString(r.version) &&
    isOptionalString(r.nonce) &&
    isOptionalString(r.at) &&
    typeof r.attempts === 'number' &&
    (failure === undefined ||
      (isObject(failure) &&
        isString(failure.nonce) &&
        isString(failure.kind) &&
        isString(failure.reason) &&
        isString(failure.at) &&
        typeof failure.parked === 'boolean'));
  return ok ? { ok: true, value: r as unknown as SentRecord } : { ok: false, why: 'malformed' };
}

/** The version of a key as Pieces OS sees it: its secret, name and organization. */
export function keyVersion(record: Pick<KeyRecord, 'secretRev' | 'name' | 'organization'>): string {
  return JSON.stringify([record.secretRev, record.name, record.organization ?? '']);
}
