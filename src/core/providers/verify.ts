// Asks a provider whether a key works, with its cheapest read-only call. Only on demand: nothing
// here runs by itself. The key travels in a header (never in the URL), redirects are not followed
// (a redirect could carry a custom auth header to another host), and neither the response body nor
// the key reaches an outcome, a message or a log line.
import * as l10n from '@vscode/l10n';
import { PROVIDER_APIS } from './apis';
import type { ProviderId } from './catalogue';

export const VERIFY_TIMEOUT_MS = 10_000;
/** How much of an error body is read to recognize Gemini's "API key not valid" (a 400). */
const MAX_ERROR_BODY_BYTES = 16 * 1024;

export type VerifyOutcome =
  /** 2xx: the provider accepted the key. */
  | { readonly kind: 'ok'; readonly status: number }
  /** 401 or 403 (or Gemini's 400 API_KEY_INVALID): the provider refused the key. */
  | { readonly kind: 'rejected'; readonly status: number }
  /** 429: the key was recognized, but the provider is limiting it (rate or quota). */
  | { readonly kind: 'limited'; readonly status: number }
  /** Any other status, a redirect included: says nothing about the key. */
  | { readonly kind: 'unexpected'; readonly status: number }
  | { readonly kind: 'timeout'; readonly timeoutMs: number }
  /** Nothing answered: refused, unknown host, reset, TLS failure. `reason` is an error code, never text from a server. */
  | { readonly kind: 'network'; readonly reason: string }
  | { readonly kind: 'cancelled' };

export interface VerifyResult {
  readonly outcome: VerifyOutcome;
  /** The URL called (no key in it), for the log. */
  readonly url: string;
  readonly durationMs: number;
}

export interface VerifyRequest {
  readonly provider: ProviderId;
  readonly secret: string;
  /** OpenAI only: checked together with the key, as Pieces OS will use them. */
  readonly organization?: string;
  /** The checked base URL (see checkVerifyBaseUrl); default: the catalogue's. */
  readonly baseUrl?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly fetch?: typeof fetch;
}

export async function verifyKey(request: VerifyRequest): Promise<VerifyResult> {
  const api = PROVIDER_APIS[request.provider];
  const url = `${(request.baseUrl ?? api.baseUrl).replace(/\/+$/, '')}${api.verifyPath}`;
  const timeoutMs = request.timeoutMs ?? VERIFY_TIMEOUT_MS;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (api.auth.kind === 'bearer') headers.authorization = `Bearer ${request.secret}`;
  else Object.assign(headers, { [api.auth.name]: request.secret }, api.auth.extra);
  if (request.provider === 'openai' && request.organization) headers['openai-organization'] = request.organization;

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onCancel = (): void => controller.abort();
  request.signal?.addEventListener('abort', onCancel, { once: true });
  const started = Date.now();
  const done = (outcome: VerifyOutcome): VerifyResult => ({ outcome, url, durationMs: Date.now() - started });
  try {
    const response = await (request.fetch ?? fetch)(url, { method: 'GET', headers, redirect: 'manual', signal: controller.signal });
    const status = response.status;
    if (status >= 200 && status < 300) {
      await response.body?.cancel();
      return done({ kind: 'ok', status });
    }
    if (status === 401 || status === 403) {
      await response.body?.cancel();
      return done({ kind: 'rejected', status });
    }
    if (status === 429) {
      await response.body?.cancel();
      return done({ kind: 'limited', status });
    }
    // Gemini answers an unknown key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID.
    if (status === 400 && request.provider === 'google' && /API_KEY_INVALID|API key not valid/i.test(await readSome(response))) {
      return done({ kind: 'rejected', status });
    }
    await response.body?.cancel();
    return done({ kind: 'unexpected', status });
  } catch (error) {
    if (timedOut) return done({ kind: 'timeout', timeoutMs });
    if (request.signal?.aborted) return done({ kind: 'cancelled' });
    return done({ kind: 'network', reason: networkReason(error) });
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onCancel);
  }
}

/** Reads at most MAX_ERROR_BODY_BYTES of the body, then drops the rest. */
async function readSome(response: Response): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ERROR_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8');
}

/** An error code (ECONNREFUSED, ENOTFOUND, …) from fetch's error chain; never a message from a server. */
function networkReason(error: unknown): string {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return 'network error';
}

export type BaseUrlCheck = { readonly ok: true; readonly url: string } | { readonly ok: false; readonly error: string };

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/**
 * A base URL from `providerKeys.verify.baseUrls`: https anywhere, or http on this computer only (a
 * local fake provider or proxy), without user name, password, query or fragment.
 */
export function checkVerifyBaseUrl(input: string): BaseUrlCheck {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return { ok: false, error: l10n.t('"{0}" is not a URL.', input.trim()) };
  }
  if (url.username || url.password || url.search || url.hash) {
    return { ok: false, error: l10n.t('A provider base URL takes no user name, password, query or fragment.') };
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname))) {
    return { ok: true, url: `${url.origin}${url.pathname}`.replace(/\/+$/, '') };
  }
  return { ok: false, error: l10n.t('A provider base URL must use https://, or http:// on this computer (127.0.0.1, localhost, ::1).') };
}

/** One sentence for the user about an outcome. Names the key and the provider, never the key itself. */
export function describeOutcome(outcome: VerifyOutcome, providerLabel: string, keyName: string, url: string): string {
  const host = hostOf(url);
  switch (outcome.kind) {
    case 'ok':
      return l10n.t('{0} accepted "{1}".', providerLabel, keyName);
    case 'rejected':
      return l10n.t(
        '{0} rejected "{1}" ({2}): the key is wrong, revoked or lacks access. Update it with a working key.',
        providerLabel,
        keyName,
        outcome.status,
      );
    case 'limited':
      return l10n.t('{0} knows "{1}" but is limiting it (429: rate limit or no credit left). Nothing was changed.', providerLabel, keyName);
    case 'unexpected':
      return l10n.t(
        '{0} answered {1}, which says nothing about "{2}". Nothing was changed; try again later.',
        providerLabel,
        outcome.status,
        keyName,
      );
    case 'timeout':
      return l10n.t(
        '{0} ({1}) did not answer within {2} seconds. Nothing was changed.',
        providerLabel,
        host,
        Math.max(1, Math.round(outcome.timeoutMs / 1000)),
      );
    case 'network':
      return l10n.t(
        'Could not reach {0}: {1} ({2}). Nothing was changed. Check the internet connection; behind a company proxy, set "providerKeys.verify.baseUrls" to the proxy\'s address for {0}.',
        providerLabel,
        networkWords(outcome.reason, host),
        outcome.reason,
      );
    case 'cancelled':
      return l10n.t('Cancelled.');
  }
}

/** What a network error code means, in words ("EAI_AGAIN" is not something a user can act on). */
function networkWords(reason: string, host: string): string {
  switch (reason) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return l10n.t('the address {0} could not be looked up; this computer may be offline', host);
    case 'ECONNREFUSED':
      return l10n.t('{0} refused the connection', host);
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return l10n.t('the connection to {0} was dropped', host);
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return l10n.t('the connection to {0} timed out', host);
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return l10n.t('{0} cannot be reached from this network', host);
    default:
      return /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(reason)
        ? l10n.t("{0}'s certificate is not trusted here (a proxy that inspects traffic does this)", host)
        : l10n.t('the connection to {0} failed', host);
  }
}

/** An outcome for the log: the status, or what happened instead of one. */
export function outcomeForLog(outcome: VerifyOutcome): string {
  switch (outcome.kind) {
    case 'timeout':
      return `no answer within ${outcome.timeoutMs} ms`;
    case 'network':
      return `no answer (${outcome.reason})`;
    case 'cancelled':
      return 'cancelled';
    default:
      return String(outcome.status);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
