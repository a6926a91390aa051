// A stand-in for the local Pieces OS service, speaking the strict contract (contract/): health,
// version, `GET /user` and the three external-provider key calls, with in-memory state, request
// validation (Ajv), fault injection and a small control surface (control.ts).
//
// Choices where the contract says nothing:
// - 401 (text/plain) is answered for an injected 'unauthorized' fault, when signed out, and when the
//   body's `user` is not the stand-in's user id; never for anything else.
// - An invalid body is 422 (`application/problem+json`, Ajv errors without values); a non-JSON
//   content type is 415. An empty body is 422 too (Prism answers 200, as the contract does not
//   require a body, but there is then no user to act for). Validation runs before faults.
// - Create replaces the stored key with the given `open_AI` fields; update merges the defined
//   fields; delete with `open_AI: true` removes it (false or absent: no change). A request `schema`
//   is never stored. Faults other than 'delay' answer instead of the call, so the state is unchanged.
// - `requests` records each call once it is answered; status 0 means the connection was destroyed
//   without a complete answer ('drop', 'dropMidBody', or the client went away). Control-surface
//   calls are not recorded. Nothing ever logs a body.
// - 'delay' answers normally after the delay, and acts even if the client has given up meanwhile
//   (as a real service would); reset() and stop() drop requests still held by a delay, without acting.
// - Status faults answer their status with a short text/plain body (429 and 503 with `Retry-After`);
//   'echo' answers an error status whose body quotes the request body, key included; 'stream' is a
//   200 that never ends; 'huge' a 200 JSON body (chunked, no content-length) of `bytes` bytes;
//   'wrongShape' a 200 JSON body of the wrong shape. reset() and stop() end endless answers.
// - An impostor (options.impostor, or `impostor` set later) answers health like Pieces OS but not
//   `/user`: 404 ('notFound') or a 200 HTML page ('html'); its key calls answer 404 and change nothing.
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { type ControlTarget, handleControl } from './control';
import { FAULT_STATUS, FaultQueue, type Fault, type FaultOptions, type ImpostorMode, type QueuedFault } from './faults';
import { BodyTooLargeError, drop, dropMidBody, mediaType, readBody, send, sendJson, sendProblem, sendText } from './http';
import {
  type KeyBody,
  type KeyPath,
  type OpenAIState,
  GLOBAL_ID,
  KEY_SCHEMAS,
  applyKeyCall,
  isKeyPath,
  keyResponseBody,
  userResponseBody,
} from './state';
import { contractValidator } from './validator';

export type { Fault, FaultOptions, ImpostorMode } from './faults';
export type { OpenAIState } from './state';
export { GLOBAL_ID } from './state';

export interface StandInOptions {
  port?: number;
  host?: string;
  signedIn?: boolean;
  userId?: string;
  version?: string;
  log?: (line: string) => void;
  /**
   * A second port that serves only the control surface, with `stop` and `start` of the service port,
   * so that another terminal can take the service away and bring it back (0 = any free port).
   */
  controlPort?: number;
  /** Start as an impostor (see ImpostorMode); reset() returns to this. */
  impostor?: ImpostorMode;
  /**
   * How long an idle keep-alive connection stays open before the stand-in closes it; default
   * DEFAULT_IDLE_TIMEOUT_MS (node's own default, 5 s, would close the extension's idle connection to
   * Pieces OS every 5 s, which a real Pieces OS does not).
   */
  idleTimeoutMs?: number;
}

export interface StandIn {
  readonly url: string;
  readonly port: number;
  signedIn: boolean;
  /** Answer health like Pieces OS but not `/user` (see ImpostorMode); false: behave as Pieces OS. */
  impostor: ImpostorMode;
  readonly userId: string;
  readonly openAI: OpenAIState | undefined;
  readonly requests: ReadonlyArray<{ method: string; path: string; status: number }>;
  /** The control port's URL (StandInOptions.controlPort), or undefined. */
  readonly controlUrl: string | undefined;
  /** Whether the service port is listening. */
  readonly listening: boolean;
  failNext(count: number, fault: Fault, options?: FaultOptions): void;
  clearFaults(): void;
  reset(): void;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export const DEFAULT_USER_ID = '5f1e8d2c-7a3b-4c6d-8e9f-57a4d1e00001';
/**
 * Idle keep-alive connections are closed after this long: dart:io's HttpServer default (`idleTimeout`,
 * 120 s), taken because Pieces OS is built with Dart; what a given Pieces OS uses was not measured. The
 * extension copes with any value (a server that closes idle connections at once is asked with backoff).
 * Tests that need idle connections closed sooner pass `idleTimeoutMs`.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
export const DEFAULT_VERSION = 'stand-in-1.0.0';
export const UNAUTHORIZED_TEXT = 'Invalid Authentication, Incorrect API key provided or organization';
export const SERVER_ERROR_TEXT = 'Internal Server Error';
/** What an 'html' impostor answers on `/user` (and what 'notFound' sends with its 404). */
export const IMPOSTOR_HTML = '<!doctype html><html><head><title>It works</title></head><body><h1>It works!</h1></body></html>';

const HEALTH = '/.well-known/health';
const VERSION = '/.well-known/version';
const USER = '/user';
const CONTROL_PREFIX = '/__stand-in/';

class StandInServer implements StandIn, ControlTarget {
  signedIn: boolean;
  impostor: ImpostorMode;
  private readonly initialImpostor: ImpostorMode;
  readonly userId: string;
  readonly host: string;
  private readonly version: string;
  private readonly log: ((line: string) => void) | undefined;
  private readonly initialSignedIn: boolean;
  private boundPort: number;
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly delays = new Set<{ timer: NodeJS.Timeout; res: http.ServerResponse; done: (act: boolean) => void }>();
  /** Answers that never end ('stream') or are still being written ('huge'): ended by reset() and stop(). */
  private readonly endless = new Set<http.ServerResponse>();
  private readonly faults = new FaultQueue();
  private stored: OpenAIState | undefined;
  private readonly history: Array<{ method: string; path: string; status: number }> = [];
  private control: http.Server | undefined;
  private controlPort: number | undefined;
  private readonly idleTimeoutMs: number;

  constructor(options: StandInOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.boundPort = options.port ?? 0;
    this.initialSignedIn = options.signedIn ?? true;
    this.signedIn = this.initialSignedIn;
    this.initialImpostor = options.impostor ?? false;
    this.impostor = this.initialImpostor;
    this.userId = options.userId ?? DEFAULT_USER_ID;
    this.version = options.version ?? DEFAULT_VERSION;
    this.log = options.log;
    this.controlPort = options.controlPort;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  get controlUrl(): string | undefined {
    return this.control && this.controlPort !== undefined ? `http://${this.hostForUrl()}:${this.controlPort}` : undefined;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** Listens on the control port (when asked for); it serves the control surface only. */
  async listenControl(): Promise<void> {
    if (this.controlPort === undefined || this.control) return;
    const control = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
      res.on('close', () => this.log?.(`${req.method ?? 'GET'} ${path} ${res.writableFinished ? res.statusCode : 0} (control)`));
      if (!path.startsWith(CONTROL_PREFIX)) return sendText(res, 404, 'Not Found: this port serves /__stand-in/ only');
      handleControl(this.controlTarget({ withServicePort: true }), req.method ?? 'GET', path, req, res).catch(() =>
        sendText(res, 500, SERVER_ERROR_TEXT),
      );
    });
    await new Promise<void>((resolve, reject) => {
      control.once('error', reject);
      control.listen(this.controlPort, this.host, () => {
        control.off('error', reject);
        resolve();
      });
    });
    const address = control.address();
    if (address && typeof address === 'object') this.controlPort = address.port;
    this.control = control;
  }

  /** Stops the service port and the control port: the end of the stand-in. */
  async stop(): Promise<void> {
    await this.stopService();
    const control = this.control;
    this.control = undefined;
    if (control) {
      control.closeAllConnections();
      await new Promise<void>((resolve) => control.close(() => resolve()));
    }
  }

  /**
   * The ControlTarget view of this server. `signedIn` and `impostor` are accessors that write through
   * to the server, so this object must be used as it is: spreading it (`{ ...target }`) copies their
   * values and drops the setters, and the commands would then change a copy (answering 204, doing
   * nothing). `withServicePort` adds stop and start, which only the separate control port offers.
   */
  private controlTarget(options: { withServicePort?: boolean } = {}): ControlTarget {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const target: ControlTarget = {
      get signedIn() {
        return self.signedIn;
      },
      set signedIn(value: boolean) {
        self.signedIn = value;
      },
      get impostor() {
        return self.impostor;
      },
      set impostor(value: ImpostorMode) {
        self.impostor = value;
      },
      failNext: (count, fault, faultOptions) => self.failNext(count, fault, faultOptions),
      reset: () => self.reset(),
      snapshot: () => self.snapshot(),
    };
    if (options.withServicePort) {
      target.goAway = () => self.stopService();
      target.comeBack = () => self.listen();
    }
    return target;
  }

  private hostForUrl(): string {
    return this.host.includes(':') ? `[${this.host}]` : this.host;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://${this.hostForUrl()}:${this.boundPort}`;
  }

  get openAI(): OpenAIState | undefined {
    return this.stored ? { ...this.stored } : undefined;
  }

  get requests(): ReadonlyArray<{ method: string; path: string; status: number }> {
    return this.history.map((entry) => ({ ...entry }));
  }

  get pendingFaults(): number {
    return this.faults.size;
  }

  failNext(count: number, fault: Fault, options?: FaultOptions): void {
    this.faults.add(count, fault, options);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  reset(): void {
    this.cancelDelays();
    this.faults.clear();
    this.stored = undefined;
    this.signedIn = this.initialSignedIn;
    this.impostor = this.initialImpostor;
    this.history.length = 0;
  }

  async listen(): Promise<void> {
    if (this.server) return;
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) sendText(res, 500, SERVER_ERROR_TEXT);
        else drop(res);
      });
    });
    server.keepAliveTimeout = this.idleTimeoutMs;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.boundPort = address.port;
    this.server = server;
  }

  /** Closes the service port (connections are refused from now on); the control port stays. */
  async stopService(): Promise<void> {
    this.cancelDelays();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Requests held by a 'delay' fault are dropped without acting; endless answers are cut. */
  private cancelDelays(): void {
    for (const delay of this.delays) {
      clearTimeout(delay.timer);
      drop(delay.res);
      delay.done(false);
    }
    this.delays.clear();
    for (const res of this.endless) drop(res);
    this.endless.clear();
  }

  async restart(): Promise<void> {
    await this.stopService();
    await this.listen();
  }

  /** Called by control.ts: the state with keys masked. */
  snapshot(): Record<string, unknown> {
    const mask = (value: string | undefined): string | undefined =>
      value === undefined ? undefined : value.length > 8 ? `…${value.slice(-4)}` : '…';
    const openAI = this.stored && {
      api_key: mask(this.stored.api_key),
      api_key_name: this.stored.api_key_name,
      organization_key: mask(this.stored.organization_key),
    };
    return {
      url: this.url,
      listening: this.listening,
      signedIn: this.signedIn,
      impostor: this.impostor,
      userId: this.userId,
      openAI,
      pendingFaults: this.faults.size,
      requests: this.requests,
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    const control = path.startsWith(CONTROL_PREFIX);
    res.on('close', () => {
      const status = res.writableFinished ? res.statusCode : 0;
      if (!control) this.history.push({ method, path, status });
      this.log?.(`${method} ${path} ${status}`);
    });
    if (control) return handleControl(this, method, path, req, res);
    if (this.impostor && path !== HEALTH) return this.answerAsImpostor(path, req, res);

    if (path === HEALTH || path === VERSION) {
      if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'Method Not Allowed', { allow: 'GET, HEAD' });
      if (!(await this.applyFault(path, res))) return;
      return sendText(res, 200, path === HEALTH ? 'ok' : this.version);
    }
    if (path === USER) {
      if (method !== 'GET') return sendText(res, 405, 'Method Not Allowed', { allow: 'GET' });
      if (!(await this.applyFault(path, res))) return;
      return sendJson(res, 200, userResponseBody(this.signedIn, this.userId, this.stored));
    }
    if (isKeyPath(path)) {
      if (method !== 'POST') return sendText(res, 405, 'Method Not Allowed', { allow: 'POST' });
      const read = await this.readKeyBody(path, req, res);
      if (read === undefined || !(await this.applyFault(path, res, read.text))) return;
      const body = read.body;
      if (!this.signedIn) return sendText(res, 401, 'Invalid Authentication: nobody is signed in to Pieces');
      if (body.user !== this.userId) return sendText(res, 401, 'Invalid Authentication: unknown user');
      this.stored = applyKeyCall(this.stored, path, body);
      return sendJson(res, 200, keyResponseBody(this.stored));
    }
    sendText(res, 404, 'Not Found');
  }

  /** Another web server on the port: health as Pieces OS, everything else not. Nothing is stored. */
  private async answerAsImpostor(path: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    await readBody(req).catch(() => '');
    if (this.impostor === 'html' && path === USER) return send(res, 200, 'text/html; charset=utf-8', IMPOSTOR_HTML);
    send(res, 404, 'text/html; charset=utf-8', IMPOSTOR_HTML.replace('It works', 'Not Found'));
  }

  /** The validated body (and its text), or undefined after answering 413/415/422. */
  private async readKeyBody(
    path: KeyPath,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<{ body: KeyBody; text: string } | undefined> {
    let text: string;
    try {
      text = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) sendText(res, 413, 'Payload Too Large', { connection: 'close' });
      else drop(res);
      return undefined;
    }
    if (text.trim() === '') {
      sendProblem(res, 422, 'Invalid request', 'the body is empty; a JSON object with "user" is required');
      return undefined;
    }
    if (mediaType(req) !== 'application/json') {
      sendProblem(res, 415, 'Unsupported Media Type', 'the body must be sent as application/json');
      return undefined;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // Not the parser's message: it quotes the body.
      sendProblem(res, 422, 'Invalid request', 'the body is not valid JSON');
      return undefined;
    }
    const result = contractValidator().validateRequest(KEY_SCHEMAS[path].request, body);
    if (!result.valid) {
      sendProblem(res, 422, 'Invalid request', `the body is not a valid ${KEY_SCHEMAS[path].request}`, result.errors);
      return undefined;
    }
    return { body: body as KeyBody, text };
  }

  /** Applies the next matching fault. False when it answered (or dropped) instead of the call. */
  private async applyFault(path: string, res: http.ServerResponse, requestText = ''): Promise<boolean> {
    const queued = this.faults.take(path);
    if (!queued) return true;
    const status = FAULT_STATUS[queued.fault];
    switch (queued.fault) {
      case 'unauthorized':
        sendText(res, 401, UNAUTHORIZED_TEXT);
        return false;
      case 'serverError':
        sendText(res, 500, SERVER_ERROR_TEXT);
        return false;
      case 'forbidden':
      case 'notFound':
      case 'conflict':
      case 'unprocessable':
        sendText(res, status ?? 500, `${http.STATUS_CODES[status ?? 500] ?? 'Error'} (stand-in fault)`);
        return false;
      case 'tooManyRequests':
      case 'unavailable':
        sendText(
          res,
          status ?? 503,
          `${http.STATUS_CODES[status ?? 503] ?? 'Busy'} (stand-in fault)`,
          queued.retryAfter === null ? {} : { 'retry-after': queued.retryAfter },
        );
        return false;
      case 'echo':
        // What a careless service does: quote the request, key and all, in its error text.
        sendText(res, queued.status, `Could not process request: ${requestText || `${path} (no body)`}`);
        return false;
      case 'wrongShape':
        sendJson(res, 200, wrongShape(path, this.userId));
        return false;
      case 'stream':
        this.streamForever(res);
        return false;
      case 'huge':
        this.sendHuge(res, queued);
        return false;
      case 'drop':
        drop(res);
        return false;
      case 'dropMidBody':
        dropMidBody(res, JSON.stringify({ metadata: { global_id: GLOBAL_ID }, note: 'dropped mid body' }));
        return false;
      case 'invalidJson':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '9' });
        res.end('{not json');
        return false;
      case 'delay':
        return new Promise<boolean>((resolve) => {
          const entry = {
            timer: setTimeout(() => {
              this.delays.delete(entry);
              resolve(true); // even if the client gave up: a real service would still act
            }, queued.delayMs),
            res,
            done: resolve,
          };
          this.delays.add(entry);
        });
    }
  }

  /** A 200 JSON answer that never ends: 16 KB at a time, as fast as the client reads, until it goes away. */
  private streamForever(res: http.ServerResponse): void {
    this.endless.add(res);
    res.on('close', () => this.endless.delete(res));
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const pump = (): void => {
      while (this.endless.has(res) && !res.destroyed) {
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    res.write(`{"metadata":{"global_id":"${GLOBAL_ID}"},"padding":"`);
    pump();
  }

  /** A 200 JSON body of `bytes` bytes on one line, chunked (no content-length), written as the client reads. */
  private sendHuge(res: http.ServerResponse, queued: QueuedFault): void {
    this.endless.add(res);
    res.on('close', () => this.endless.delete(res));
    res.writeHead(200, { 'content-type': 'application/json' });
    const head = `{"metadata":{"global_id":"${GLOBAL_ID}"},"padding":"`;
    const tail = '"}';
    let left = Math.max(0, queued.bytes - head.length - tail.length);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    res.write(head);
    const pump = (): void => {
      while (left > 0 && this.endless.has(res) && !res.destroyed) {
        const size = Math.min(left, chunk.length);
        left -= size;
        if (!res.write(size === chunk.length ? chunk : chunk.subarray(0, size))) return void res.once('drain', pump);
      }
      if (left === 0 && !res.destroyed) {
        this.endless.delete(res);
        res.end(tail);
      }
    };
    pump();
  }
}

/** A 200 body of the wrong shape for `path`: a number where the client expects text. */
function wrongShape(path: string, userId: string): unknown {
  if (path === USER) {
    return {
      user: { id: userId, name: 42, auth0: { global_id: GLOBAL_ID, open_AI: { api_key: 12345, api_key_name: ['not', 'a', 'name'] } } },
    };
  }
  return { metadata: { global_id: GLOBAL_ID, open_AI: { api_key: 12345 } } };
}

/** Starts a stand-in; port 0 (the default) takes any free port, host defaults to 127.0.0.1. */
export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const standIn = new StandInServer(options);
  await standIn.listen();
  try {
    await standIn.listenControl();
  } catch (error) {
    await standIn.stop();
    throw error;
  }
  return standIn;
}
