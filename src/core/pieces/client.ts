// A small typed client for the Pieces OS calls this extension needs, over node:http with one kept-alive
// connection per address (transport.ts). It never logs or throws a body: bodies can echo the key (see the
// contract's "Upstream oddities").
//
// Identity before keys, per connection: the client remembers which open connection answered `GET /user`,
// as Pieces OS does, for which user. A key call is written only on a connection that answered for the very
// user the call is for (within `identityMaxAgeMs`, and since the address last changed); on any other
// connection (a new one, one closed and opened again, one the agent hands over unexpectedly) nothing is
// written until `GET /user` has answered on it. A TCP connection belongs to the process that accepted it:
// a process that took the port later cannot answer on it. A key call is never retried, and never sent
// anywhere else.
import type { Socket } from 'node:net';
import { MAX_ANSWER_BYTES, MAX_TEXT_BYTES } from './answer';
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
import { DeadlineError, NotAdmittedError, type Outgoing, Transport } from './transport';
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

export type { Outgoing } from './transport';

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
  onRequest?: (record: RequestRecord) => void;
  /**
   * How long a `GET /user` answer holds for key calls on the connection it came on, while that connection
   * stays open; default IDENTITY_MAX_AGE_MS (0: every key call asks on its connection first). The
   * extension passes IDENTITY_WHILE_CONNECTED.
   */
  identityMaxAgeMs?: number;
  /**
   * A test seam: changes a request right before it is written (after the identity check), to send what
   * the client never would. The client's own requests are sent as they are.
   */
  rewrite?: (request: Outgoing) => Outgoing;
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
 * The client's default: a `GET /user` answer holds for no later key call. Every key call asks on the
 * connection it is about to use, and is written on that very connection right after the answer.
 */
export const IDENTITY_MAX_AGE_MS = 0;
/**
 * What the extension uses: an answer holds for as long as the connection it came on stays open. Only the
 * process that accepted a connection can answer on it; when that process quits, its connections close,
 * and a process that took the port since is asked on a new connection before it could be sent a key.
 */
export const IDENTITY_WHILE_CONNECTED = Infinity;
/** A key call asks again when the connection it verified closed before the key could follow: this many times in all. */
const IDENTITY_ATTEMPTS = 2;

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
  /** The connection the answer came on. */
  socket: Socket;
}

/** What `GET /user` said on one connection: for whom, when, and at which generation of the address. */
interface Verified {
  userId: string;
  generation: number | undefined;
  at: number;
}

export class PiecesClient {
  private readonly source: BaseUrlSource;
  private readonly timeoutMs: number;
  private readonly transport = new Transport();
  private readonly rewrite: ((request: Outgoing) => Outgoing) | undefined;
  private readonly onRequest: ((record: RequestRecord) => void) | undefined;
  private readonly identityMaxAgeMs: number;
  private readonly maxAnswerBytes: number;
  private readonly now: () => number;
  /** Which open connection answered `GET /user` for whom (a closed one is never handed out again). */
  private verified = new WeakMap<Socket, Verified>();

  constructor(options: PiecesClientOptions) {
    this.source = typeof options.baseUrl === 'string' ? new FixedBaseUrl(trimSlash(options.baseUrl)) : options.baseUrl;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.rewrite = options.rewrite;
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
    return this.readUser(await this.get(PiecesPaths.user, options));
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

  /** Forgets what every connection answered, so that the next key call asks `GET /user` first. */
  forgetIdentity(): void {
    this.verified = new WeakMap();
  }

  /** Closes the kept-alive connections (the extension stops). */
  dispose(): void {
    this.transport.dispose();
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
    let answer: Answer;
    try {
      answer = await this.sendOnVerified(baseUrl, path, user, body, secrets, operation, options);
    } catch (error) {
      if (error instanceof UnauthorizedError) await this.blameKey(baseUrl, user, operation, options);
      throw error;
    }
    const parsed = parseJson(answer.text, operation, secrets);
    const problem = checkKeyResponse(parsed);
    if (problem) throw new BadResponseError(problem, operation);
    return parsed as ExternalProviderApiKeyResponse;
  }

  /**
   * The key call, written only on a connection that answered `GET /user` for `user`. When the connection
   * the next request will most likely be handed is not such a one, `GET /user` is asked first (it goes on
   * that connection, or on a new one); the key call then goes only if the agent hands it the connection that
   * answered. If that connection closed in between, it asks again; nothing is ever written on another one.
   * Sent once: a call that was written is never retried, here or elsewhere.
   */
  private async sendOnVerified(
    baseUrl: string,
    path: string,
    user: string,
    body: unknown,
    secrets: Array<string | undefined>,
    operation: string,
    options: CallOptions | undefined,
  ): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      const likely = this.transport.likelyConnection(baseUrl);
      const answered = likely && this.holds(likely, user) ? undefined : await this.checkUser(baseUrl, user, operation, options);
      try {
        return await this.send(baseUrl, 'POST', path, body, secrets, options, (socket) => socket === answered || this.holds(socket, user));
      } catch (error) {
        if (!(error instanceof NotAdmittedError)) throw error;
        // Not an error of the key call, which was never written: of the identity check, which could not keep its connection.
        if (attempt >= IDENTITY_ATTEMPTS) throw new ServiceUnreachableError('closed', baseUrl, `GET ${PiecesPaths.user}`);
      }
    }
  }

  /** Whether `socket` answered `GET /user` for `user`, recently enough and since the address last changed. */
  private holds(socket: Socket, user: string): boolean {
    const known = this.verified.get(socket);
    return (
      known !== undefined &&
      !socket.destroyed &&
      known.userId === user &&
      known.generation === this.source.generation &&
      this.now() - known.at < this.identityMaxAgeMs
    );
  }

  /** Asks `GET /user` at `baseUrl` (refused before a key call when it names another user); the connection it answered on. */
  private async checkUser(baseUrl: string, user: string, operation: string, options: CallOptions | undefined): Promise<Socket> {
    const answer = await this.send(baseUrl, 'GET', PiecesPaths.user, undefined, [], options);
    if (this.readUser(answer).id !== user) throw new UserChangedError(baseUrl, operation);
    return answer.socket;
  }

  /**
   * After a 401 on a key call: the key is at fault only if the same user is still signed in there.
   * Someone signing out or in between the check and the call would otherwise read as "key rejected".
   */
  private async blameKey(baseUrl: string, user: string, operation: string, options: CallOptions | undefined): Promise<void> {
    let answered: PiecesUser;
    try {
      answered = this.readUser(await this.send(baseUrl, 'GET', PiecesPaths.user, undefined, [], options));
    } catch (error) {
      if (error instanceof NotSignedInError || error instanceof SessionExpiredError) throw error;
      return; // nothing better to say than the 401 itself
    }
    if (answered.id !== user) throw new UserChangedError(baseUrl, operation);
  }

  /** Reads a `GET /user` answer, and remembers for whom its connection answered (or that it did not). */
  private readUser(answer: Answer): PiecesUser {
    this.verified.delete(answer.socket);
    const operation = `GET ${PiecesPaths.user}`;
    const body = parseJson(answer.text, operation, []);
    const problem = checkUserResponse(body);
    if (problem) throw new BadResponseError(problem, operation);
    const user = (body as { user?: Record<string, unknown> | null }).user;
    const id = user?.id;
    // Checked by checkUserResponse: a string when there is a user. Blank means nobody is signed in.
    if (!user || typeof id !== 'string' || id.trim() === '') throw new NotSignedInError(operation);
    this.verified.set(answer.socket, { userId: id, generation: this.source.generation, at: this.now() });
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

  /**
   * One request to `baseUrl`, with one deadline for its whole answer. `admit` sees the connection the agent
   * hands over before anything is written on it (NotAdmittedError when it refuses: nothing was sent).
   */
  private async send(
    baseUrl: string,
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    secrets: Array<string | undefined>,
    options: CallOptions | undefined,
    admit?: (socket: Socket) => boolean,
  ): Promise<Answer> {
    const operation = `${method} ${path}`;
    const started = performance.now();
    const callerSignal = options?.signal;
    if (callerSignal?.aborted) throw new CancelledError(operation);
    let status: number | undefined;
    try {
      // node:http never follows a redirect: a 307/308 is an answer like any other, so the body is never re-sent elsewhere.
      let outgoing: Outgoing =
        body === undefined ? { method, path, headers: GET_HEADERS } : { method, path, headers: POST_HEADERS, body: JSON.stringify(body) };
      if (this.rewrite) outgoing = this.rewrite(outgoing);
      const json = (answered: number): boolean => answered >= 200 && answered < 300 && (method === 'POST' || path === PiecesPaths.user);
      const incoming = await this.transport.exchange(baseUrl, outgoing, {
        read: (answered) => ({ limit: json(answered) ? this.maxAnswerBytes : MAX_TEXT_BYTES, json: json(answered) }),
        timeoutMs: options?.timeoutMs ?? this.timeoutMs,
        signal: callerSignal,
        ...(admit ? { admit } : {}),
      });
      status = incoming.status;
      const read = incoming.body;
      if (status < 200 || status >= 300) throw statusError(status, incoming, read.text, baseUrl, method, path, secrets);
      if (read.problem && json(status)) {
        throw new BadResponseError(
          read.problem === 'tooLarge'
            ? l10n.t('the answer is larger than {0} KB; the rest was not read', Math.round(this.maxAnswerBytes / 1024))
            : l10n.t('the answer is nested too deeply or has too many parts to read safely'),
          operation,
          { tooLarge: true },
        );
      }
      this.onRequest?.({ method, path, baseUrl, durationMs: Math.round(performance.now() - started), status });
      return { baseUrl, status, text: read.text, socket: incoming.socket };
    } catch (error) {
      if (error instanceof NotAdmittedError) throw error; // nothing was sent: not a request, nor a failure of the service
      const failure = classify(error, baseUrl, operation, callerSignal, error instanceof DeadlineError);
      const record: RequestRecord = { method, path, baseUrl, durationMs: Math.round(performance.now() - started), error: failure.message };
      if (status !== undefined) record.status = status;
      this.onRequest?.(record);
      if (failure instanceof ServiceUnreachableError) this.source.invalidate();
      throw failure;
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
