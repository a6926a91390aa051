// What the status bar says about Pieces OS, kept true: checked in the background after activation,
// after every request, on demand (Refresh, the window's focus), and again with backoff (1 s to 60 s, with
// jitter) while it is away. While connected nothing is polled: one idle keep-alive connection stays open
// (keepAlive.ts), and when it ends, the monitor looks at once (see lineEnded).
import { Emitter, type Disposable, type Event } from '../emitter';
import { ServiceUrlRefusedError, isPiecesError } from './errors';
import type { IdleConnection } from './keepAlive';
import type { PiecesClient, RequestRecord } from './client';
import { cleanServiceText } from '../keys/text';
import { type Timers, backoffDelay, realClock } from '../time';

export type ConnectionState =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'connected'; readonly url: string; readonly version: string; readonly user: string }
  /** Nobody signed in; `detail` is set when Pieces OS said the session is no longer valid (401 on `GET /user`). */
  | { readonly kind: 'notSignedIn'; readonly url: string; readonly version: string; readonly detail?: string }
  | { readonly kind: 'notRunning'; readonly detail: string }
  /** `providerKeys.serviceUrl` holds an address that is not allowed; `reason` says why. Nothing is sent. */
  | { readonly kind: 'refusedUrl'; readonly reason: string; readonly detail: string }
  | { readonly kind: 'error'; readonly url: string | undefined; readonly detail: string };

/**
 * An idle connection that lived less than this was closed by a server that keeps none open (or closed at
 * once, again and again): it is opened again with backoff, so such a server is not asked every moment.
 */
export const SHORTEST_IDLE_MS = 2000;

export class ConnectionMonitor implements Disposable {
  private current: ConnectionState = { kind: 'unknown' };
  private readonly changed = new Emitter<ConnectionState>();
  private readonly reconnected = new Emitter<void>();
  private checking: Promise<ConnectionState> | undefined;
  private retryHandle: unknown;
  private attempt = 0;
  private disposed = false;
  private readonly timers: Timers;
  private readonly line: IdleConnection | undefined;
  private readonly now: () => number;
  /** When the idle connection was last opened; whether it is opening now. */
  private lineOpenedAt = 0;
  private lineOpening = false;
  /** Setbacks in a row: idle connections that ended sooner than SHORTEST_IDLE_MS, or did not open. */
  private setbacks = 0;
  /** Whether a check followed the idle connection's last failure to open (and found Pieces OS all the same). */
  private checkedAfterFailure = false;
  private reopenHandle: unknown;

  readonly onDidChange: Event<ConnectionState> = this.changed.event;
  /** Fires when Pieces OS answers (signed in) after being away or unknown: time to replay. */
  readonly onDidReconnect: Event<void> = this.reconnected.event;

  constructor(
    private readonly client: PiecesClient,
    options: { timers?: Timers; line?: IdleConnection; now?: () => number } = {},
  ) {
    this.line = options.line;
    this.now = options.now ?? (() => Date.now());
    this.line?.onDidEnd(() => this.lineEnded());
    this.timers = options.timers ?? realClock;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Health, version and user, one after another; concurrent callers share one check. */
  check(): Promise<ConnectionState> {
    this.checking ??= this.runCheck().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  /** Learns from a request the client made for another reason, without a request of its own. */
  noteRequest(record: RequestRecord): void {
    const failed = record.status === undefined;
    const surprising = failed ? this.current.kind === 'connected' : this.current.kind === 'notRunning' || this.current.kind === 'unknown';
    if (surprising) void this.check();
  }

  dispose(): void {
    this.disposed = true;
    this.timers.clearTimeout(this.retryHandle);
    this.timers.clearTimeout(this.reopenHandle);
    this.line?.close();
    this.changed.dispose();
    this.reconnected.dispose();
  }

  /** Keeps the idle connection open to the address Pieces OS answered at (see lineEnded for what follows). */
  private openLine(url: string): void {
    const line = this.line;
    if (!line || this.lineOpening || line.isOpenTo(url)) return;
    this.lineOpening = true;
    this.lineOpenedAt = this.now();
    void line.open(url).then((open) => {
      this.lineOpening = false;
      if (open) this.checkedAfterFailure = false;
      if (open || this.disposed || this.current.kind !== 'connected' || this.current.url !== url) return;
      // It did not open: find out at once whether Pieces OS is still there. If it answers the check all
      // the same (the idle connection alone is refused), it is tried again ever less often, not in a loop.
      if (!this.checkedAfterFailure) {
        this.checkedAfterFailure = true;
        // A check that is finishing now started before this failure: ask again after it.
        void (this.checking ?? Promise.resolve()).then(() => this.check());
      } else {
        this.setbacks++;
        this.reopenLater(url);
      }
    });
  }

  /**
   * The idle connection ended. Pieces OS may have quit, or only closed a connection it found idle; opening
   * it again at once tells which (it answers, or nothing listens and a check says "not running"). If the
   * last one also ended at once or did not open, the server keeps no idle connection: ever less often.
   */
  private lineEnded(): void {
    if (this.disposed || this.current.kind !== 'connected') return;
    if (this.now() - this.lineOpenedAt >= SHORTEST_IDLE_MS) this.setbacks = 0;
    if (this.setbacks++ === 0) this.openLine(this.current.url);
    else this.reopenLater(this.current.url);
  }

  private reopenLater(url: string): void {
    this.timers.clearTimeout(this.reopenHandle);
    this.reopenHandle = this.timers.setTimeout(
      () => {
        this.reopenHandle = undefined;
        if (!this.disposed && this.current.kind === 'connected' && this.current.url === url) this.openLine(url);
      },
      backoffDelay(Math.max(0, this.setbacks - 2)),
    );
  }

  private async runCheck(): Promise<ConnectionState> {
    let next: ConnectionState;
    let url: string | undefined;
    try {
      url = await this.client.resolveBaseUrl();
      await this.client.health();
      const version = await this.client.version();
      try {
        const user = await this.client.getUser();
        next = { kind: 'connected', url, version, user: user.name || user.email || cleanServiceText(user.id) };
      } catch (error) {
        if (!isPiecesError(error) || (error.kind !== 'notSignedIn' && error.kind !== 'session')) throw error;
        next =
          error.kind === 'session' ? { kind: 'notSignedIn', url, version, detail: error.message } : { kind: 'notSignedIn', url, version };
      }
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      if (error instanceof ServiceUrlRefusedError) {
        next = { kind: 'refusedUrl', reason: error.reason, detail };
      } else {
        next = isPiecesError(error) && error.kind === 'unreachable' ? { kind: 'notRunning', detail } : { kind: 'error', url, detail };
      }
    }
    this.set(next);
    return next;
  }

  private set(next: ConnectionState): void {
    if (this.disposed) return;
    const was = this.current.kind;
    this.current = next;
    this.timers.clearTimeout(this.retryHandle);
    this.retryHandle = undefined;
    if (next.kind !== 'connected') {
      this.timers.clearTimeout(this.reopenHandle);
      this.reopenHandle = undefined;
      this.setbacks = 0;
      this.checkedAfterFailure = false;
      this.line?.close();
    }
    if (next.kind === 'connected') {
      this.attempt = 0;
      this.openLine(next.url); // kept open while connected: its end is the first sign that Pieces OS quit
    } else if (next.kind === 'refusedUrl') {
      // Nothing to poll: only a change of the setting can fix it, and that triggers a check.
      this.attempt = 0;
    } else {
      // Keep looking while it is away or not signed in, ever less often.
      this.retryHandle = this.timers.setTimeout(() => void this.check(), backoffDelay(this.attempt++));
    }
    this.changed.fire(next);
    if (next.kind === 'connected' && was !== 'connected') this.reconnected.fire();
  }
}
