// The stand-in's fault queue: `failNext(count, fault, options)` queues `count` single-use faults;
// each matching request takes the first queued fault whose paths include its path.

export type Fault =
  | 'unauthorized'
  | 'serverError'
  | 'delay'
  | 'drop'
  | 'dropMidBody'
  | 'invalidJson'
  | 'forbidden'
  | 'notFound'
  | 'conflict'
  | 'unprocessable'
  | 'tooManyRequests'
  | 'unavailable'
  | 'echo'
  | 'stream'
  | 'huge'
  | 'wrongShape';

export const FAULTS: readonly Fault[] = [
  'unauthorized',
  'serverError',
  'delay',
  'drop',
  'dropMidBody',
  'invalidJson',
  'forbidden',
  'notFound',
  'conflict',
  'unprocessable',
  'tooManyRequests',
  'unavailable',
  'echo',
  'stream',
  'huge',
  'wrongShape',
];

/** The status each plain status fault answers with. */
export const FAULT_STATUS: Partial<Record<Fault, number>> = {
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  conflict: 409,
  unprocessable: 422,
  tooManyRequests: 429,
  serverError: 500,
  unavailable: 503,
};

export const KEY_PATHS = [
  '/external_provider/api_key/create',
  '/external_provider/api_key/update',
  '/external_provider/api_key/delete',
] as const;

/** Where a fault applies unless `paths` says otherwise: the key calls and `/user`, never health. */
export const DEFAULT_FAULT_PATHS: readonly string[] = [...KEY_PATHS, '/user'];

export const DEFAULT_DELAY_MS = 1000;
export const MAX_FAULT_COUNT = 1000;
/** What 429 and 503 send as `Retry-After` unless told otherwise. */
export const DEFAULT_RETRY_AFTER = '1';
/** The status 'echo' answers with unless told otherwise. */
export const DEFAULT_ECHO_STATUS = 400;
/** The size of a 'huge' body unless told otherwise: twice the client's 1 MiB limit. */
export const DEFAULT_HUGE_BYTES = 2 * 1024 * 1024;
export const MAX_HUGE_BYTES = 256 * 1024 * 1024;

/**
 * Impostor modes: health (and version) answer 200 as Pieces OS does, but `/user` does not — 'notFound'
 * answers 404, 'html' a 200 HTML page — and key calls answer 404 without acting. False: Pieces OS.
 */
export type ImpostorMode = false | 'notFound' | 'html';
export const IMPOSTOR_MODES: readonly ImpostorMode[] = [false, 'notFound', 'html'];

export interface FaultOptions {
  delayMs?: number;
  paths?: string[];
  /** `Retry-After` for 'tooManyRequests' and 'unavailable' (seconds or an HTTP date); null sends none. */
  retryAfter?: string | null;
  /** The status of an 'echo' answer (400–599). */
  status?: number;
  /** The size of a 'huge' body. */
  bytes?: number;
}

export interface QueuedFault {
  readonly fault: Fault;
  readonly delayMs: number;
  readonly paths: readonly string[];
  readonly retryAfter: string | null;
  readonly status: number;
  readonly bytes: number;
}

export function isFault(value: unknown): value is Fault {
  return typeof value === 'string' && (FAULTS as readonly string[]).includes(value);
}

export class FaultQueue {
  private readonly queue: QueuedFault[] = [];

  get size(): number {
    return this.queue.length;
  }

  add(count: number, fault: Fault, options: FaultOptions = {}): void {
    if (!Number.isInteger(count) || count < 0 || count > MAX_FAULT_COUNT) {
      throw new RangeError(`stand-in: fault count must be an integer from 0 to ${MAX_FAULT_COUNT}`);
    }
    if (!isFault(fault)) throw new TypeError(`stand-in: unknown fault "${String(fault)}"`);
    const delayMs = options.delayMs ?? DEFAULT_DELAY_MS;
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError('stand-in: delayMs must be a number >= 0');
    const paths = options.paths ? [...options.paths] : DEFAULT_FAULT_PATHS;
    if (paths.some((entry) => typeof entry !== 'string' || !entry.startsWith('/'))) {
      throw new TypeError('stand-in: fault paths must start with "/"');
    }
    const retryAfter = options.retryAfter === undefined ? DEFAULT_RETRY_AFTER : options.retryAfter;
    if (retryAfter !== null && (typeof retryAfter !== 'string' || /[\r\n]/.test(retryAfter))) {
      throw new TypeError('stand-in: retryAfter must be a one-line string or null');
    }
    const status = options.status ?? DEFAULT_ECHO_STATUS;
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError('stand-in: status must be an integer from 400 to 599');
    }
    const bytes = options.bytes ?? DEFAULT_HUGE_BYTES;
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_HUGE_BYTES) {
      throw new RangeError(`stand-in: bytes must be an integer from 1 to ${MAX_HUGE_BYTES}`);
    }
    for (let i = 0; i < count; i++) this.queue.push({ fault, delayMs, paths, retryAfter, status, bytes });
  }

  /** Removes and returns the first fault that applies to `path`, if any. */
  take(path: string): QueuedFault | undefined {
    const index = this.queue.findIndex((entry) => entry.paths.includes(path));
    return index < 0 ? undefined : this.queue.splice(index, 1)[0];
  }

  clear(): void {
    this.queue.length = 0;
  }
}
