// Finding the local Pieces OS service the way the official clients do: ask `GET /.well-known/health`
// on 127.0.0.1 ports 39300–39333 and the legacy ports 1000 and 5323, and take one that answers 200.
// Every port is probed at once; the answer is chosen by priority (the range in order, legacy last),
// so a port that accepts and never answers costs nothing once another has answered.
import * as http from 'node:http';
import { ServiceUnreachableError, ServiceUrlRefusedError } from './errors';
import type { BaseUrlSource } from './client';
import { PiecesPaths } from './wire';

export const DISCOVERY_HOST = '127.0.0.1';
export const DISCOVERY_PORTS: readonly number[] = Array.from({ length: 34 }, (_, i) => 39300 + i);
export const LEGACY_PORTS: readonly number[] = [1000, 5323];
export const DEFAULT_PROBE_TIMEOUT_MS = 300;
/**
 * Once a port has answered, how long a port of higher priority that accepted but has not answered
 * yet may still win. Loopback health answers take about a millisecond, so two live services answer
 * within this of each other and the higher priority wins; a port that has not answered by then is
 * hung or overloaded, and waiting longer for it would be paid by every discovery that finds one.
 */
export const PRIORITY_GRACE_MS = 5;

export interface DiscoveryOptions {
  host?: string;
  /** Ports in priority order, in groups (the range, then legacy); every port is probed at once. */
  portGroups?: ReadonlyArray<readonly number[]>;
  probeTimeoutMs?: number;
  /** See PRIORITY_GRACE_MS. */
  graceMs?: number;
  signal?: AbortSignal;
}

/** The base URL of the service on the highest-priority port that answers, or undefined when none does. */
export function discoverService(options: DiscoveryOptions = {}): Promise<string | undefined> {
  const host = options.host ?? DISCOVERY_HOST;
  const ports = (options.portGroups ?? [DISCOVERY_PORTS, LEGACY_PORTS]).flat();
  const graceMs = options.graceMs ?? PRIORITY_GRACE_MS;
  const signal = options.signal;
  return new Promise<string | undefined>((resolve, reject) => {
    if (signal?.aborted) return reject(asError(signal.reason) ?? abortError());
    // Per port, by priority: undefined while pending, true once it answered 200, false otherwise.
    const outcome: Array<boolean | undefined> = ports.map(() => undefined);
    const requests: http.ClientRequest[] = [];
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    let finished = false;

    const finish = (result: string | undefined, error?: unknown): void => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
      // Destroying a request closes its socket, so a port that accepted and hung is left alone.
      for (const request of requests) request.destroy();
      if (error !== undefined) reject(asError(error) ?? abortError());
      else resolve(result);
    };
    /** Decides as soon as the best port that answered has no pending port above it (or the grace ran out). */
    const decide = (graceOver: boolean): void => {
      const best = outcome.indexOf(true);
      if (best < 0) {
        if (!outcome.includes(undefined)) finish(undefined);
        return;
      }
      if (graceOver || !outcome.slice(0, best).includes(undefined)) {
        finish(`http://${host}:${ports[best]}`);
      } else {
        graceTimer ??= setTimeout(() => decide(true), graceMs);
      }
    };
    const onAbort = (): void => finish(undefined, signal?.reason ?? abortError());
    signal?.addEventListener('abort', onAbort);
    const deadline = setTimeout(() => {
      for (let i = 0; i < outcome.length; i++) if (outcome[i] === undefined) outcome[i] = false;
      decide(true);
    }, options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS);

    ports.forEach((port, index) => {
      const settle = (answered: boolean): void => {
        if (finished || outcome[index] !== undefined) return;
        outcome[index] = answered;
        decide(false);
      };
      // node:http rather than fetch: destroying the request closes its socket at once, where an
      // aborted fetch leaves the connection open on a port that accepted but never answered.
      const request = http.get({ host, port, path: PiecesPaths.health, agent: false }, (response) => {
        response.resume();
        settle(response.statusCode === 200);
      });
      request.on('error', () => settle(false));
      requests.push(request);
    });
  });
}

/** An abort reason as an Error (AbortSignal reasons are usually DOMExceptions, which are Errors). */
function asError(reason: unknown): Error | undefined {
  if (reason === undefined) return undefined;
  return reason instanceof Error ? reason : new Error(typeof reason === 'string' ? reason : 'aborted');
}

function abortError(): Error {
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  return error;
}

/** `providerKeys.serviceUrl` as read: a URL to use, or the reason a set URL was refused. */
export interface RefusedServiceUrl {
  readonly refused: string;
}

export interface ServiceLocatorOptions {
  /**
   * The `providerKeys.serviceUrl` setting, read on every resolve: empty means discover; a refused
   * value stops everything (resolve throws ServiceUrlRefusedError) until it is fixed or cleared.
   */
  configuredUrl: () => string | RefusedServiceUrl | undefined;
  discover?: (signal?: AbortSignal) => Promise<string | undefined>;
}

/**
 * The service URL for the client: the configured one when set, otherwise the discovered one,
 * cached until a connection fails. Concurrent callers share one discovery. While the setting holds
 * a refused URL, nothing is discovered and resolve() throws: the user said where Pieces OS is, and
 * keys must not go to whatever else answers.
 */
export class ServiceLocator implements BaseUrlSource {
  private cached: string | undefined;
  private pending: Promise<string | undefined> | undefined;
  private lastResolved: string | undefined;
  private changes = 0;
  private readonly discover: (signal?: AbortSignal) => Promise<string | undefined>;

  constructor(private readonly options: ServiceLocatorOptions) {
    this.discover = options.discover ?? ((signal) => discoverService(signal ? { signal } : {}));
  }

  /** The URL last resolved, without doing any I/O; undefined while the setting is refused. */
  get current(): string | undefined {
    const configured = this.configured();
    if (typeof configured === 'object') return undefined;
    return configured ?? this.cached;
  }

  /** Whether the URL comes from the setting rather than discovery (a refused setting counts). */
  get isPinned(): boolean {
    return this.configured() !== undefined;
  }

  /** Why the setting is refused, or undefined when it is empty or allowed. */
  get refusedReason(): string | undefined {
    const configured = this.configured();
    return typeof configured === 'object' ? configured.refused : undefined;
  }

  /** Bumped whenever the address may have changed; the client ties its verified user to it. */
  get generation(): number {
    return this.changes;
  }

  async resolve(signal?: AbortSignal): Promise<string> {
    const configured = this.configured();
    if (typeof configured === 'object') throw new ServiceUrlRefusedError(configured.refused);
    if (configured) return this.note(configured);
    if (this.cached) return this.note(this.cached);
    this.pending ??= this.discover(signal).finally(() => {
      this.pending = undefined;
    });
    const found = await this.pending;
    if (!found) throw new ServiceUnreachableError('notFound', undefined);
    this.cached = found;
    return this.note(found);
  }

  invalidate(): void {
    this.cached = undefined;
    this.changes++;
  }

  private note(url: string): string {
    if (url !== this.lastResolved) {
      this.lastResolved = url;
      this.changes++;
    }
    return url;
  }

  private configured(): string | RefusedServiceUrl | undefined {
    const value = this.options.configuredUrl();
    if (typeof value === 'object') return value;
    const url = value?.trim();
    return url ? url.replace(/\/+$/, '') : undefined;
  }
}
