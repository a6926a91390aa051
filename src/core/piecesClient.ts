// A small typed client for the Pieces OS calls this extension needs, over global `fetch`.
// It never logs or throws a body: bodies can echo the key (see the contract's "Upstream oddities").
import {
  BadResponseError,
  CancelledError,
  isPiecesError,
  InvalidInputError,
  NotSignedInError,
  ServerError,
  ServiceUnreachableError,
  UnauthorizedError,
} from './errors';
import { t } from './l10n';
import { excerpt } from './redact';
import {
  type Auth0OpenAIUserMetadata,
  type ExternalProviderApiKeyResponse,
  type PrecreatedExternalProviderApiKey,
  type PredeletedExternalProviderApiKey,
  type PreupdatedExternalProviderApiKey,
  type UserProfile,
  PiecesPaths,
  checkKeyResponse,
  checkUserResponse,
} from './wire';

export type FetchFn = typeof fetch;

/** Where the service is. A fixed URL, or a locator that discovers it and forgets it on failure. */
export interface BaseUrlSource {
  resolve(signal?: AbortSignal): Promise<string>;
  /** Called after a connection failure, so that the next call looks again. */
  invalidate(): void;
}

/** One finished (or failed) request, for the log: no bodies, no headers. */
export interface RequestRecord {
  method: string;
  path: string;
  baseUrl: string;
  status?: number;
  durationMs: number;
  error?: string;
}

export interface PiecesClientOptions {
  baseUrl: string | BaseUrlSource;
  /** Per-call timeout; default 5000 ms. */
  timeoutMs?: number;
  fetch?: FetchFn;
  onRequest?: (record: RequestRecord) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface OpenAIKeyInput {
  apiKey: string;
  name?: string;
  organization?: string;
}

export interface PiecesUser {
  id: string;
  email?: string;
  name?: string;
  /** What Pieces OS holds for OpenAI (`user.auth0.open_AI`); it can contain the key: keep it secret. */
  openAI?: Auth0OpenAIUserMetadata;
}

export const DEFAULT_TIMEOUT_MS = 5000;

class FixedBaseUrl implements BaseUrlSource {
  constructor(private readonly url: string) {}
  resolve(): Promise<string> {
    return Promise.resolve(this.url);
  }
  invalidate(): void {}
}

export class PiecesClient {
  private readonly source: BaseUrlSource;
  private readonly timeoutMs: number;
  private readonly fetchFn: FetchFn;
  private readonly onRequest: ((record: RequestRecord) => void) | undefined;

  constructor(options: PiecesClientOptions) {
    this.source =
      typeof options.baseUrl === 'string' ? new FixedBaseUrl(trimSlash(options.baseUrl)) : options.baseUrl;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.onRequest = options.onRequest;
  }

  /** `POST /external_provider/api_key/create`. */
  async createKey(user: string, key: OpenAIKeyInput, options?: CallOptions): Promise<ExternalProviderApiKeyResponse> {
    requireUser(user, PiecesPaths.create);
    requireKey(key.apiKey, PiecesPaths.create);
    const body: PrecreatedExternalProviderApiKey = { user, open_AI: toWireKey(key) };
    return this.keyCall(PiecesPaths.create, body, [key.apiKey], options);
  }

  /** `POST /external_provider/api_key/update`: only the fields given are changed. */
  async updateKey(
    user: string,
    change: Partial<OpenAIKeyInput>,
    options?: CallOptions,
  ): Promise<ExternalProviderApiKeyResponse> {
    requireUser(user, PiecesPaths.update);
    if (change.apiKey !== undefined) requireKey(change.apiKey, PiecesPaths.update);
    const body: PreupdatedExternalProviderApiKey = { user, open_AI: toWireKey(change) };
    return this.keyCall(PiecesPaths.update, body, [change.apiKey], options);
  }

  /** `POST /external_provider/api_key/delete` with `open_AI: true`; the key itself is never sent. */
  async deleteKey(user: string, options?: CallOptions): Promise<ExternalProviderApiKeyResponse> {
    requireUser(user, PiecesPaths.delete);
    const body: PredeletedExternalProviderApiKey = { user, open_AI: true };
    return this.keyCall(PiecesPaths.delete, body, [], options);
  }

  /** `GET /user`. Throws NotSignedInError when Pieces OS answers without a user. */
  async getUser(options?: CallOptions): Promise<PiecesUser> {
    const operation = `GET ${PiecesPaths.user}`;
    const response = await this.request('GET', PiecesPaths.user, undefined, [], options);
    const body = parseJson(response.text, operation, []);
    const problem = checkUserResponse(body);
    if (problem) throw new BadResponseError(problem, operation);
    const user = (body as { user?: UserProfile | null }).user;
    if (!user) throw new NotSignedInError(operation);
    const result: PiecesUser = { id: user.id };
    if (typeof user.email === 'string') result.email = user.email;
    if (typeof user.name === 'string') result.name = user.name;
    if (user.auth0?.open_AI) result.openAI = user.auth0.open_AI;
    return result;
  }

  /** `GET /.well-known/health`: resolves when the service answers 200. */
  async health(options?: CallOptions): Promise<void> {
    await this.request('GET', PiecesPaths.health, undefined, [], options);
  }

  /** `GET /.well-known/version`: the Pieces OS version, as plain text. */
  async version(options?: CallOptions): Promise<string> {
    const response = await this.request('GET', PiecesPaths.version, undefined, [], options);
    const text = response.text.trim().replace(/^"|"$/g, '');
    if (!text || text.length > 100) throw new BadResponseError(t('the version is empty or too long'), `GET ${PiecesPaths.version}`);
    return text;
  }

  /** The URL the next call will use, resolving (discovering) it if needed. */
  resolveBaseUrl(signal?: AbortSignal): Promise<string> {
    return this.source.resolve(signal);
  }

  private async keyCall(
    path: string,
    body: unknown,
    secrets: Array<string | undefined>,
    options: CallOptions | undefined,
  ): Promise<ExternalProviderApiKeyResponse> {
    const operation = `POST ${path}`;
    const response = await this.request('POST', path, body, secrets, options);
    const parsed = parseJson(response.text, operation, secrets);
    const problem = checkKeyResponse(parsed);
    if (problem) throw new BadResponseError(problem, operation);
    return parsed as ExternalProviderApiKeyResponse;
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    secrets: Array<string | undefined>,
    options: CallOptions | undefined,
  ): Promise<{ status: number; text: string }> {
    const baseUrl = await this.source.resolve(options?.signal);
    try {
      return await this.requestOnce(baseUrl, method, path, body, secrets, options);
    } catch (error) {
      // A refused connection sent nothing, so it is safe to look for the service again and retry
      // once: Pieces OS may have restarted on another port.
      if (!(error instanceof ServiceUnreachableError) || error.reason !== 'refused') throw error;
      const again = await this.source.resolve(options?.signal).catch(() => undefined);
      if (again === undefined || again === baseUrl) throw error;
      return this.requestOnce(again, method, path, body, secrets, options);
    }
  }

  private async requestOnce(
    baseUrl: string,
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    secrets: Array<string | undefined>,
    options: CallOptions | undefined,
  ): Promise<{ status: number; text: string }> {
    const operation = `${method} ${path}`;
    const started = performance.now();
    const timeoutMs = options?.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options?.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const record = (status: number | undefined, error?: string): void => {
      const entry: RequestRecord = { method, path, baseUrl, durationMs: Math.round(performance.now() - started) };
      if (status !== undefined) entry.status = status;
      if (error !== undefined) entry.error = error;
      this.onRequest?.(entry);
    };

    let status: number | undefined;
    try {
      // Never follow a redirect: a 307/308 would re-send the body, key included, wherever it points.
      const init: RequestInit = { method, signal, redirect: 'manual', headers: { accept: 'application/json, text/plain' } };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers = { ...init.headers, 'content-type': 'application/json' };
      }
      const response = await this.fetchFn(`${baseUrl}${path}`, init);
      status = response.status;
      const text = await response.text();
      if (status === 401) throw new UnauthorizedError(excerpt(text, secrets), operation);
      if (status >= 500) throw new ServerError(status, excerpt(text, secrets), operation);
      if (status >= 400) {
        throw new InvalidInputError(
          t('Pieces OS refused the request (status {0}): {1}', status, excerpt(text, secrets) || t('no details')),
          operation,
        );
      }
      if (status < 200 || status >= 300) throw new ServerError(status, excerpt(text, secrets), operation);
      record(status);
      return { status, text };
    } catch (error) {
      const failure = classify(error, baseUrl, operation, options?.signal, timeout);
      record(status, failure.message);
      if (failure instanceof ServiceUnreachableError) this.source.invalidate();
      throw failure;
    }
  }
}

function classify(
  error: unknown,
  baseUrl: string,
  operation: string,
  callerSignal: AbortSignal | undefined,
  timeout: AbortSignal,
): Error {
  if (isPiecesError(error)) return error;
  if (callerSignal?.aborted) return new CancelledError(operation);
  if (timeout.aborted) return new ServiceUnreachableError('timeout', baseUrl, operation);
  const code = errorCode(error);
  if (code === 'ECONNREFUSED') return new ServiceUnreachableError('refused', baseUrl, operation);
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') {
    return new ServiceUnreachableError('reset', baseUrl, operation);
  }
  return new ServiceUnreachableError('network', baseUrl, operation);
}

/** The system or undici error code behind a `fetch failed`, however deep it sits. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function parseJson(text: string, operation: string, secrets: Array<string | undefined>): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const shown = excerpt(text, secrets, 60);
    throw new BadResponseError(shown ? t('not JSON ("{0}")', shown) : t('an empty body'), operation);
  }
}

function toWireKey(key: Partial<OpenAIKeyInput>): Auth0OpenAIUserMetadata {
  const wire: Auth0OpenAIUserMetadata = {};
  if (key.apiKey !== undefined) wire.api_key = key.apiKey;
  if (key.name !== undefined) wire.api_key_name = key.name;
  if (key.organization !== undefined) wire.organization_key = key.organization;
  return wire;
}

function requireUser(user: string, path: string): void {
  if (typeof user !== 'string' || user.trim() === '') {
    throw new InvalidInputError(t('No Pieces user id to send; sign in to Pieces first.'), `POST ${path}`);
  }
}

function requireKey(apiKey: string, path: string): void {
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new InvalidInputError(t('The API key is empty.'), `POST ${path}`);
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
