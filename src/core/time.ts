// Time, in one place: the clock and timers every part takes by default (tests pass a fake clock
// instead), and the one backoff every retry uses. A timer made here never keeps the process alive on
// its own (`unref`): a retry or a clipboard clear must not hold a test run or a closing host open.

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface Clock extends Timers {
  now(): number;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export const BACKOFF_MIN_MS = 1000;
/** The longest wait between two tries, and the cap on a `Retry-After` (a service must not park us for a day). */
export const BACKOFF_MAX_MS = 60000;

/** The delay before retry number `attempt` (0-based): doubling from 1 s, capped at 60 s, ±20% jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt, 16));
  const jitter = 1 + (random() * 0.4 - 0.2);
  return Math.round(Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_MIN_MS, base * jitter)));
}

/** `value` within min…max: every wait derived from a date or an answer is clamped before a timer is armed. */
export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Number.isFinite(value) ? value : min));
}
