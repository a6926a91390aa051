// A small typed client for the Pieces OS calls this extension needs, over global `fetch`.
// It never logs or throws a body: bodies can echo the key (see the contract's "Upstream oddities").
//
// Identity before keys: the client remembers which address its verified user came from. A key call
// goes only to an address whose `GET /user` answered, as Pieces OS does, for the very user the call
// is for, just before the call (IDENTITY_MAX_AGE_MS is 0) and since the address last changed: the
// client asks that address first. A key call is never retried, and never sent anywhere else.
import { MAX_ANSWER_BYTES, MAX_TEXT_BYTES, readBody } from './answer';
import {
  BadResponseError,
  CancelledError,
  InvalidInputError,
  NotSignedInError,
  ServiceUnreachableError,
  SessionExpiredError,
  UnauthorizedError,
  UserChangedError,
} from './errors';
import { classify, parseJson, statusError } from './failures';
import * as l10n from '@vscode/l10n';
import { cleanServiceName } from '../keys/redact';
import { cleanServiceText } from '../keys/text';
import {
  type Auth0OpenAIUserMetadata,
  type ExternalProviderApiKeyResponse,
  type PrecreatedExternalProviderApiKey,
  type PredeletedExternalProviderApiKey,
  type PreupdatedExternalProviderApiKey,
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
  /** Changes whenever the address may have changed (invalidated, re-discovered); a verified user is tied to it. */
  readonly generation?: number;
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
  /** Deadline for one call's whole answer (headers and body); default 5000 ms. */
  timeoutMs?: number;
  fetch?: FetchFn;
  onRequest?: (record: RequestRecord) => void;
  /** How long a user verified at an address stays verified for key calls; default IDENTITY_MAX_AGE_MS. */
  identityMaxAgeMs?: number;
  /** The most of a JSON answer that is read; default MAX_ANSWER_BYTES (1 MiB). */
  maxAnswerBytes?: number;
  now?: () => number;
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
  /** Cleaned for display (cleanServiceName): one line, no invisible characters, clipped. */
  email?: string;
  /** Cleaned for display (cleanServiceName). */
  name?: string;
  /**
   * What Pieces OS holds for OpenAI (`user.auth0.open_AI`), type-checked; `api_key_name` is cleaned
   * for display. It can contain the key: keep it secret.
   */
  openAI?: Auth0OpenAIUserMetadata;
}

export const DEFAULT_TIMEOUT_MS = 5000;
/**
 * How long a user verified at an address is trusted for key calls. 0: every key call asks `GET /user`
 * first (one loopback round trip, well under a millisecond), so that a process that took the port over
 * since the last call, without any call failing in between, is asked before it could be sent a key.
 * What is left is the moment between that answer and the key call itself (see SECURITY.md).
 */
export const IDENTITY_MAX_AGE_MS = 0;

class FixedBaseUrl implements BaseUrlSource {
  constructor(private readonly url: string) {}
  resolve(): Promise<string> {
    return Promise.resolve(this.url);
  }
  invalidate(): void {}
}

interface Answer {
  /** The address that answered (a GET may have been retried at a re-discovered one). */
  baseUrl: string;
  status: number;
  text: string;
}

interface Verified {
  baseUrl: string;
  generation: number | undefined;
  userId: string;
  at: number;
}

export class PiecesClient {
  private readonly source: BaseUrlSource;
  private readonly timeoutMs: number;
  private readonly fetchFn: FetchFn;
  private readonly onRequest: ((record: RequestRecord) => void) | undefined;
  private readonly identityMaxAgeMs: number;
  private readonly maxAnswerBytes: number;
  private readonly now: () => number;
  private verified: Verified | undefined;

  constructor(options: PiecesClientOptions) {
    this.source = typeof options.baseUrl === 'string' ? new FixedBaseUrl(trimSlash(options.baseUrl)) : options.baseUrl;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.onRequest = options.onRequest;
    this.identityMaxAgeMs = options.identityMaxAgeMs ?? IDENTITY_MAX_AGE_MS;
    this.maxAnswerBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
    this.now = options.now ?? (() => performance.now());
  }

  /** `POST /external_provider/api_key/create`, for `user` as verified at the current address. */
  async createKey(user: string, key: OpenAIKeyInput, options?: CallOptions): Promise<ExternalProviderApiKeyResponse> {
    requireUser(user, PiecesPaths.create);
    requireKey(key.apiKey, PiecesPaths.create);
    const body: PrecreatedExternalProviderApiKey = { user, open_AI: toWireKey(key) };
    return this.keyCall(PiecesPaths.create, user, body, [key.apiKey], options);
  }

  /** `POST /external_provider/api_key/update`: only the fields given are changed. */
  async updateKey(user: string, change: Partial<OpenAIKeyInput>, options?: CallOptions): Promise<ExternalProviderApiKeyResponse> {
    requireUser(user, PiecesPaths.update);
    if (change.apiKey !== undefined) requireKey(change.apiKey, PiecesPaths.update);
    const body: PreupdatedExternalProviderApiKey = { user, open_AI: toWireKey(change) };
    return this.keyCall(PiecesPaths.update, user, body, [change.apiKey], options);
  }

  /** `POST /external_provider/api_key/delete` with `open_AI: true`; the key itself is never sent. */
  async deleteKey(user: string, options?: CallOptions): Promise<ExternalProviderApiKeyResponse> {
    requireUser(user, PiecesPaths.delete);
    const body: PredeletedExternalProviderApiKey = { user, open_AI: true };
    return this.keyCall(PiecesPaths.delete, user, body, [], options);
  }

  /**
   * `GET /user`, which also verifies the answering address for key calls. Throws NotSignedInError
   * when nobody is signed in (no user, or a blank id), SessionExpiredError on 401.
   */
  async getUser(options?: CallOptions): Promise<PiecesUser> {
    try {
      return this.readUser(await this.get(PiecesPaths.user, options));
    } catch (error) {
      this.verified = undefined;
      throw error;
    }
  }

  /** `GET /.well-known/health`: resolves when the service answers 200. */
  async health(options?: CallOptions): Promise<void> {
    await this.get(PiecesPaths.health, options);
  }

  /** `GET /.well-known/version`: the Pieces OS version, as plain text. */
  async version(options?: CallOptions): Promise<string> {
    const answer = await this.get(PiecesPaths.version, options);
    const text = answer.text.trim().replace(/^"|"$/g, '');
    if (!text || text.length > 100) throw new BadResponseError(l10n.t('the version is empty or too long'), `GET ${PiecesPaths.version}`);
    return cleanServiceText(text, 100);
  }

  /** The URL the next call will use, resolving (discovering) it if needed. */
  resolveBaseUrl(signal?: AbortSignal): Promise<string> {
    return this.source.resolve(signal);
  }

  /** Forgets the verified user, so that the next key call asks `GET /user` first. */
  forgetIdentity(): void {
    this.verified = undefined;
  }

  private async keyCall(
    path: string,
    user: string,
    body: unknown,
    secrets: Array<string | undefined>,
    options: CallOptions | undefined,
  ): Promise<ExternalProviderApiKeyResponse> {
    const operation = `POST ${path}`;
    const baseUrl = await this.source.resolve(options?.signal);
    await this.verifyAt(baseUrl, user, operation, options);
    // Sent to the address just verified, once: it is never retried, here or elsewhere.
    let answer: Answer;
    try {
      answer = await this.send(baseUrl, 'POST', path, body, secrets, options);
    } catch (error) {
      if (error instanceof UnauthorizedError) await this.blameKey(baseUrl, user, operation, options);
      throw error;
    }
    const parsed = parseJson(answer.text, operation, secrets);
    const problem = checkKeyResponse(parsed);
    if (problem) throw new BadResponseError(problem, operation);
    return parsed as ExternalProviderApiKeyResponse;
  }

  /** Makes sure `baseUrl` answered `GET /user` for `user`, recently and since the address last changed. */
  private async verifyAt(baseUrl: string, user: string, operation: string, options: CallOptions | undefined): Promise<void> {
    const known = this.verified;
    const fresh =
      known !== undefined &&
      known.baseUrl === baseUrl &&
      known.generation === this.source.generation &&
      this.now() - known.at < this.identityMaxAgeMs;
    if (!fresh) {
      try {
        this.readUser(await this.send(baseUrl, 'GET', PiecesPaths.user, undefined, [], options));
      } catch (error) {
        this.verified = undefined;
        throw error;
      }
    }
    if (this.verified?.baseUrl !== baseUrl || this.verified.userId !== user) throw new UserChangedError(baseUrl, operation);
  }

  /**
   * After a 401 on a key call: the key is at fault only if the same user is still signed in there.
   * Someone signing out or in between the check and the call would otherwise read as "key rejected".
   */
  private async blameKey(baseUrl: string, user: string, operation: string, options: CallOptions | undefined): Promise<void> {
    try {
      this.readUser(await this.send(baseUrl, 'GET', PiecesPaths.user, undefined, [], options));
    } catch (error) {
      this.verified = undefined;
      if (error instanceof NotSignedInError || error instanceof SessionExpiredError) throw error;
      return; // nothing better to say than the 401 itself
    }
    if (this.verified?.userId !== user) throw new UserChangedError(baseUrl, operation);
  }

  private readUser(answer: Answer): PiecesUser {
    const operation = `GET ${PiecesPaths.user}`;
    const body = parseJson(answer.text, operation, []);
    const problem = checkUserResponse(body);
    if (problem) throw new BadResponseError(problem, operation);
    const user = (body as { user?: Record<string, unknown> | null }).user;
    const id = user?.id;
    // Checked by checkUserResponse: a string when there is a user. Blank means nobody is signed in.
    if (!user || typeof id !== 'string' || id.trim() === '') throw new NotSignedInError(operation);
    this.verified = { baseUrl: answer.baseUrl, generation: this.source.generation, userId: id, at: this.now() };
    const result: PiecesUser = { id };
    const email = cleanServiceName(user.email);
    const name = cleanServiceName(user.name);
    if (email) result.email = email;
    if (name) result.name = name;
    const held = (user.auth0 as { open_AI?: Record<string, unknown> | null } | null | undefined)?.open_AI;
    if (held) {
      const openAI: Auth0OpenAIUserMetadata = {};
      if (typeof held.api_key === 'string') openAI.api_key = held.api_key;
      const keyName = cleanServiceName(held.api_key_name);
      if (keyName) openAI.api_key_name = keyName;
      if (typeof held.organization_key === 'string') openAI.organization_key = held.organization_key;
      result.openAI = openAI;
    }
    return result;
  }

  /** A GET. A refused connection sent nothing, so it alone is retried once at a re-discovered address. */
  private async get(path: string, options: CallOptions | undefined): Promise<Answer> {
    const baseUrl = await this.source.resolve(options?.signal);
    try {
      return await this.send(baseUrl, 'GET', path, undefined, [], options);
    } catch (error) {
      if (!(error instanceof ServiceUnreachableError) || error.reason !== 'refused') throw error;
      const again = await this.source.resolve(options?.signal).catch(() => undefined);
      if (again === undefined || again === baseUrl) throw error;
      return this.send(again, 'GET', path, undefined, [], options);
    }
  }

  /** One request to `baseUrl`, with one deadline for its whole answer. */
  private async send(
    baseUrl: string,
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    secrets: Array<string | undefined>,
    options: CallOptions | undefined,
  ): Promise<Answer> {
    const operation = `${method} ${path}`;
    const started = performance.now();
    const callerSignal = options?.signal;
    if (callerSignal?.aborted) throw new CancelledError(operation);
    // One controller and one timer per call: AbortSignal.timeout() and AbortSignal.any() cost more
    // than the rest of the client together (measured; see bench/README.md).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options?.timeoutMs ?? this.timeoutMs);
    const onAbort = (): void => controller.abort();
    callerSignal?.addEventListener('abort', onAbort);
    let status: number | undefined;
    try {
      // Never follow a redirect: a 307/308 would re-send the body, key included, wherever it points.
      const init: RequestInit = { method, signal: controller.signal, redirect: 'manual' };
      init.headers = body === undefined ? GET_HEADERS : POST_HEADERS;
      if (body !== undefined) init.body = JSON.stringify(body);
      const response = await this.fetchFn(`${baseUrl}${path}`, init);
      status = response.status;
      const ok = status >= 200 && status < 300;
      const json = ok && (method === 'POST' || path === PiecesPaths.user);
      const read = await readBody(response, json ? this.maxAnswerBytes : MAX_TEXT_BYTES, json);
      if (!ok) throw statusError(status, response.headers, read.text, baseUrl, method, path, secrets);
      if (read.problem && json) {
        throw new BadResponseError(
          read.problem === 'tooLarge'
            ? l10n.t('the answer is larger than {0} KB; the rest was not read', Math.round(this.maxAnswerBytes / 1024))
            : l10n.t('the answer is nested too deeply or has too many parts to read safely'),
          operation,
          { tooLarge: true },
        );
      }
      this.onRequest?.({ method, path, baseUrl, durationMs: Math.round(performance.now() - started), status });
      return { baseUrl, status, text: read.text };
    } catch (error) {
      const failure = classify(error, baseUrl, operation, callerSignal, timedOut);
      const record: RequestRecord = { method, path, baseUrl, durationMs: Math.round(performance.now() - started), error: failure.message };
      if (status !== undefined) record.status = status;
      this.onRequest?.(record);
      if (failure instanceof ServiceUnreachableError) {
        if (this.verified?.baseUrl === baseUrl) this.verified = undefined;
        this.source.invalidate();
      }
      throw failure;
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onAbort);
    }
  }
}

const GET_HEADERS = { accept: 'application/json, text/plain' };
const POST_HEADERS = { accept: 'application/json, text/plain', 'content-type': 'application/json' };

function toWireKey(key: Partial<OpenAIKeyInput>): Auth0OpenAIUserMetadata {
  const wire: Auth0OpenAIUserMetadata = {};
  if (key.apiKey !== undefined) wire.api_key = key.apiKey;
  if (key.name !== undefined) wire.api_key_name = key.name;
  if (key.organization !== undefined) wire.organization_key = key.organization;
  return wire;
}

function requireUser(user: string, path: string): void {
  if (typeof user !== 'string' || user.trim() === '') {
    throw new InvalidInputError(l10n.t('No Pieces user id to send; sign in to Pieces first.'), `POST ${path}`);
  }
}

function requireKey(apiKey: string, path: string): void {
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new InvalidInputError(l10n.t('The API key is empty.'), `POST ${path}`);
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
