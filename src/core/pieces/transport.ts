// How the client's requests reach Pieces OS: node:http (node:https for a remote service) over a keep-alive
// agent with one socket per address, so that every call travels on a connection the client can name. The
// client uses that to tie what `GET /user` said to the connection it was said on (client.ts): a process
// that starts later on the same port cannot answer on a connection an earlier one accepted.
//
// Requests are made with the ClientRequest constructor, not http.request: VS Code's extension host wraps
// http.get/request in a proxy agent that keeps no connection alive (microsoft/vscode#228872), and would
// hand each call a new connection. Pieces OS is on this computer, where no proxy applies.
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { type BodyRead, readAnswer } from './answer';

/** One request, as it is about to be written. */
export interface Outgoing {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** One answer: status, headers, the body as far as it was read, and the connection it came on. */
export interface Incoming {
  readonly status: number;
  header(name: string): string | null;
  readonly body: BodyRead;
  readonly socket: Socket;
}

export interface ExchangeOptions {
  /** How much of the body to read, once the status is known; `json` also bounds its structure. */
  read(status: number): { limit: number; json: boolean };
  /**
   * Called with the connection the agent hands over, before a byte of the request is written on it.
   * False: nothing is written, the connection is closed, and the exchange fails with NotAdmittedError.
   */
  admit?(socket: Socket): boolean;
  /** One deadline for the whole exchange: waiting for a connection, the headers and the body. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** The connection the agent handed over was refused by `admit`: nothing was written, and it is closed. */
export class NotAdmittedError extends Error {
  constructor() {
    super('the connection was not the one expected; nothing was sent on it');
    this.name = 'NotAdmittedError';
  }
}

/** The exchange's deadline passed (whatever was written, the answer did not come whole in time). */
export class DeadlineError extends Error {
  constructor() {
    super('no answer in time');
    this.name = 'DeadlineError';
  }
}

/** A reused kept-alive connection turned out to be closed before any answer came (the server closed it meanwhile). */
class StaleConnectionError extends Error {
  readonly code: string | undefined;
  constructor(cause: NodeJS.ErrnoException) {
    super(cause.message);
    this.name = 'StaleConnectionError';
    this.code = cause.code;
  }
}

function isReset(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ECONNRESET' || error.code === 'EPIPE';
}

interface Target {
  readonly agent: http.Agent;
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
  readonly prefix: string;
}

export class Transport {
  private agents: { http?: http.Agent; https?: https.Agent } = {};
  private readonly targets = new Map<string, Target>();
  /** The connection each address's last exchange was handed, kept only while it is open. */
  private readonly current = new Map<string, Socket>();

  /**
   * The connection the next exchange with `baseUrl` will most likely be handed: the one the last exchange
   * used, while it is open (the agent keeps one socket per address). Only a guess: `admit` decides.
   */
  likelyConnection(baseUrl: string): Socket | undefined {
    const socket = this.current.get(baseUrl);
    return socket && !socket.destroyed ? socket : undefined;
  }

  /**
   * One request and its answer. A GET whose kept-alive connection turns out to have been closed by the
   * server (reset before any answer, on a reused connection) is asked again once on a new connection, as
   * Node's documentation advises for idempotent requests; a POST is never sent twice.
   */
  async exchange(baseUrl: string, outgoing: Outgoing, options: ExchangeOptions): Promise<Incoming> {
    try {
      return await this.once(baseUrl, outgoing, options);
    } catch (error) {
      if (outgoing.method !== 'GET' || !(error instanceof StaleConnectionError)) throw error;
      return this.once(baseUrl, outgoing, options);
    }
  }

  private once(baseUrl: string, outgoing: Outgoing, options: ExchangeOptions): Promise<Incoming> {
    const target = this.target(baseUrl);
    const headers: Record<string, string | number> = { ...outgoing.headers };
    if (outgoing.body !== undefined) headers['content-length'] = Buffer.byteLength(outgoing.body);
    return new Promise<Incoming>((resolve, reject) => {
      let settled = false;
      let handed: Socket | undefined;
      const request = new http.ClientRequest({
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        path: target.prefix + outgoing.path,
        method: outgoing.method,
        agent: target.agent,
        headers,
      });
      const settle = (error: Error | undefined, incoming?: Incoming): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (error) {
          request.destroy();
          reject(error);
        } else resolve(incoming!);
      };
      const timer = setTimeout(() => settle(new DeadlineError()), options.timeoutMs);
      const onAbort = (): void => settle(new Error('cancelled'));
      options.signal?.addEventListener('abort', onAbort);
      request.on('socket', (socket: Socket) => {
        handed = socket;
        this.current.set(baseUrl, socket);
        // Nothing of the request is buffered yet: it is written here, on this connection, or not at all.
        if (options.admit && !options.admit(socket)) return settle(new NotAdmittedError());
        request.end(outgoing.body);
      });
      let answered = false;
      request.on('error', (error: NodeJS.ErrnoException) =>
        settle(!answered && request.reusedSocket && isReset(error) ? new StaleConnectionError(error) : error),
      );
      request.on('response', (response) => {
        answered = true;
        const status = response.statusCode ?? 0;
        const { limit, json } = options.read(status);
        const declared = Number(response.headers['content-length'] ?? NaN);
        readAnswer(response, declared, limit, json).then(
          (body) =>
            settle(undefined, {
              status,
              body,
              socket: handed!,
              header: (name) => {
                const value = response.headers[name];
                return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
              },
            }),
          (error: Error) => settle(error),
        );
      });
    });
  }

  /** Closes every connection (the extension stops). */
  dispose(): void {
    this.agents.http?.destroy();
    this.agents.https?.destroy();
    this.agents = {};
    this.targets.clear();
    this.current.clear();
  }

  private target(baseUrl: string): Target {
    let target = this.targets.get(baseUrl);
    if (target) return target;
    const url = new URL(baseUrl);
    const secure = url.protocol === 'https:';
    // One socket per address: calls queue for it rather than open a second connection the client has not heard from.
    const agent = secure
      ? (this.agents.https ??= new https.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 }))
      : (this.agents.http ??= new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 }));
    target = {
      agent,
      protocol: url.protocol,
      // An IPv6 literal comes in brackets in a URL, without them in a connection's options.
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port,
      prefix: url.pathname.replace(/\/+$/, ''),
    };
    this.targets.set(baseUrl, target);
    return target;
  }
}
