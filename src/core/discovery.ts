// Finding the local Pieces OS service the way the official clients do: probe 127.0.0.1 ports
// 39300–39333 in parallel, then the legacy ports 1000 and 5323, and take the first to answer
// `GET /.well-known/health` with 200. Bounded and cancellable: losing probes are aborted.
import { setMaxListeners } from 'node:events';
import * as http from 'node:http';
import { ServiceUnreachableError, ServiceUrlRefusedError } from './errors';
import type { BaseUrlSource } from './piecesClient';
import { PiecesPaths } from './wire';

export const DISCOVERY_HOST = '127.0.0.1';
export const DISCOVERY_PORTS: readonly number[] = Array.from({ length: 34 }, (_, i) => 39300 + i);
export const LEGACY_PORTS: readonly number[] = [1000, 5323];
export const DEFAULT_PROBE_TIMEOUT_MS = 300;

export interface DiscoveryOptions {
  host?: string;
  /** Groups of ports tried one group after another; every port of a group is probed at once. */
  portGroups?: ReadonlyArray<readonly number[]>;
  probeTimeoutMs?: number;
  signal?: AbortSignal;
}

/** The base URL of the first service that answers, or undefined when none does. */
export async function discoverService(options: DiscoveryOptions = {}): Promise<string | undefined> {
  const host = options.host ?? DISCOVERY_HOST;
  const groups = options.portGroups ?? [DISCOVERY_PORTS, LEGACY_PORTS];
  for (const ports of groups) {
    options.signal?.throwIfAborted();
    const found = await probeGroup(host, ports, options);
    if (found) return found;
  }
  return undefined;
}

async function probeGroup(host: string, ports: readonly number[], options: DiscoveryOptions): Promise<string | undefined> {
  const losers = new AbortController();
  const signals = [losers.signal, AbortSignal.timeout(options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS)];
  if (options.signal) signals.push(options.signal);
  const signal = AbortSignal.any(signals);
  setMaxListeners(ports.length + 1, signal); // one listener per probe is expected, not a leak
  try {
    return await Promise.any(ports.map((port) => probe(host, port, signal)));
  } catch {
    return undefined;
  } finally {
    losers.abort();
  }
}

/**
 * One health probe over node:http rather than fetch: aborting it destroys its socket at once, where
 * an aborted fetch leaves the connection open on a port that accepted but never answered.
 */
function probe(host: string, port: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host, port, path: PiecesPaths.health, agent: false, signal }, (response) => {
      response.resume();
      if (response.statusCode === 200) resolve(`http://${host}:${port}`);
      else reject(new Error(`status ${response.statusCode}`));
    });
    request.on('error', reject);
  });
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
