// One idle connection to Pieces OS, kept open so that its end says at once that Pieces OS may be gone:
// a process that quits has its connections closed by the system, so the status bar learns it within
// moments, without a request every few seconds. The connection is a node:http keep-alive Agent with one
// socket, opened with a health request; nothing is sent over it while it is idle.
//
// Its end does not mean that Pieces OS quit: a server also closes connections that stayed idle too long.
// The owner (ConnectionMonitor) tells the two apart by opening it again at once: Pieces OS answers, or
// nothing listens any more. Calls do not use it: the client keeps its own connection (transport.ts), so
// that a call that has to cut its connection (an answer too large, a deadline) never reads as Pieces OS
// quitting, and this one stays idle, its end meaningful.
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { Emitter, type Disposable, type Event } from '../emitter';
import type { RequestRecord } from './client';
import { PiecesPaths } from './wire';

/** What the connection monitor needs of the idle connection (a seam for its tests). */
export interface IdleConnection extends Disposable {
  /**
   * Keeps one idle connection to `baseUrl` (opening it with a health request unless it is open there
   * already); true when Pieces OS answered 200 and the connection stays open.
   */
  open(baseUrl: string): Promise<boolean>;
  /** Whether the connection is open to `baseUrl` now. */
  isOpenTo(baseUrl: string): boolean;
  /** Closes it; that end is not reported. */
  close(): void;
  /** Fires when the connection ended by itself: Pieces OS quit, or closed a connection it found idle. */
  readonly onDidEnd: Event<void>;
}

export interface KeepAliveOptions {
  /** Deadline for the health answer that opens the connection; default 5000 ms. */
  timeoutMs?: number;
  /** Every opening request, for the log (no bodies). */
  onRequest?: (record: RequestRecord) => void;
}

export class KeepAliveConnection implements IdleConnection {
  private agent: http.Agent | undefined;
  private baseUrl: string | undefined;
  private socket: Socket | undefined;
  private opening: { baseUrl: string; done: Promise<boolean> } | undefined;
  /** Bumped on every close(): the end of a connection closed on purpose is not reported. */
  private generation = 0;
  private readonly ended = new Emitter<void>();
  readonly onDidEnd: Event<void> = this.ended.event;

  constructor(private readonly options: KeepAliveOptions = {}) {}

  isOpenTo(baseUrl: string): boolean {
    return baseUrl === this.baseUrl && this.socket !== undefined && !this.socket.destroyed;
  }

  open(baseUrl: string): Promise<boolean> {
    if (this.isOpenTo(baseUrl)) return Promise.resolve(true);
    // Asked again while it opens: the same answer, not a second connection.
    if (this.opening?.baseUrl === baseUrl) return this.opening.done;
    const done = this.connect(baseUrl).finally(() => {
      if (this.opening?.done === done) this.opening = undefined;
    });
    this.opening = { baseUrl, done };
    return done;
  }

  private async connect(baseUrl: string): Promise<boolean> {
    this.close();
    const generation = this.generation;
    let url: URL;
    try {
      url = new URL(PiecesPaths.health, `${baseUrl}/`);
    } catch {
      return false;
    }
    const secure = url.protocol === 'https:';
    const agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 })
      : new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
    this.agent = agent;
    this.baseUrl = baseUrl;
    const started = performance.now();
    const record = (status: number | undefined, error?: string): void =>
      this.options.onRequest?.({
        method: 'GET',
        path: PiecesPaths.health,
        baseUrl,
        durationMs: Math.round(performance.now() - started),
        ...(status !== undefined ? { status } : {}),
        ...(error ? { error } : {}),
      });
    return new Promise<boolean>((resolve) => {
      // The socket is taken when the request gets it: once the answer has ended, it is back in the agent's pool.
      let socket: Socket | undefined;
      // Not http.get: VS Code's extension host wraps http.get/request in a proxy agent that keeps no
      // connection alive (microsoft/vscode#228872), so the idle connection would close after every answer.
      // The ClientRequest constructor is not wrapped and uses this Agent as it is; Pieces OS is on this
      // computer, where no proxy applies.
      const options: http.ClientRequestArgs = {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'GET',
        agent,
        headers: { accept: 'text/plain' },
      };
      const request = new http.ClientRequest(options, (response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        response.on('end', () => {
          record(status);
          if (status !== 200 || generation !== this.generation || !socket || socket.destroyed) {
            if (generation === this.generation) this.close();
            return resolve(false);
          }
          this.watch(socket, generation);
          resolve(true);
        });
        response.on('error', () => resolve(false));
      });
      request.on('socket', (taken) => {
        socket = taken;
      });
      request.setTimeout(this.options.timeoutMs ?? 5000, () => request.destroy(new Error('no answer in time')));
      request.end();
      request.on('error', (error) => {
        record(undefined, error.message);
        if (generation === this.generation) this.close();
        resolve(false);
      });
    });
  }

  close(): void {
    this.generation++;
    this.opening = undefined;
    this.socket = undefined;
    this.baseUrl = undefined;
    this.agent?.destroy(); // closes the idle socket
    this.agent = undefined;
  }

  dispose(): void {
    this.close();
    this.ended.dispose();
  }

  private watch(socket: Socket, generation: number): void {
    this.socket = socket;
    socket.once('close', () => {
      if (generation !== this.generation || this.socket !== socket) return;
      this.close();
      this.ended.fire();
    });
  }
}
