// The stand-in's fault queue: `failNext(count, fault)` queues `count` single-use faults; each
// matching request takes the first queued fault whose paths include its path.

// 'echo' answers `status` (default 500) with the request body as its own body, as a careless service
// does in an error page: a key sent in the request comes back in the answer (the leak scan uses it).
export type Fault = 'unauthorized' | 'serverError' | 'delay' | 'drop' | 'dropMidBody' | 'invalidJson' | 'echo';

export const FAULTS: readonly Fault[] = ['unauthorized', 'serverError', 'delay', 'drop', 'dropMidBody', 'invalidJson', 'echo'];

export const KEY_PATHS = [
  '/external_provider/api_key/create',
  '/external_provider/api_key/update',
  '/external_provider/api_key/delete',
] as const;

/** Where a fault applies unless `paths` says otherwise: the key calls and `/user`, never health. */
export const DEFAULT_FAULT_PATHS: readonly string[] = [...KEY_PATHS, '/user'];

export const DEFAULT_DELAY_MS = 1000;
export const DEFAULT_ECHO_STATUS = 500;
export const MAX_FAULT_COUNT = 1000;

export interface FaultOptions {
  delayMs?: number;
  paths?: string[];
  /** The status an 'echo' fault answers with: 400–599. */
  status?: number;
}

export interface QueuedFault {
  readonly fault: Fault;
  readonly delayMs: number;
  readonly paths: readonly string[];
  readonly status: number;
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
    const status = options.status ?? DEFAULT_ECHO_STATUS;
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError('stand-in: status must be an integer from 400 to 599');
    const paths = options.paths ? [...options.paths] : DEFAULT_FAULT_PATHS;
    if (paths.some((entry) => typeof entry !== 'string' || !entry.startsWith('/'))) {
      throw new TypeError('stand-in: fault paths must start with "/"');
    }
    for (let i = 0; i < count; i++) this.queue.push({ fault, delayMs, paths, status });
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
