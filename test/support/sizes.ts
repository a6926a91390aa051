// How big the randomized suites are. `npm test` runs a size that keeps the whole suite within its budget
// (8 minutes on 2 cores); PROVIDER_KEYS_LONG=1 runs the long versions (before a release, and after a change
// to the store, the lock or the sync engine: see CONTRIBUTING.md). A suite's own variable, when set, wins.
export const LONG = process.env.PROVIDER_KEYS_LONG === '1';

/** `process.env[variable]` as a number when set, else `normal`, or `long` under PROVIDER_KEYS_LONG=1. */
export function sized(variable: string, normal: number, long: number): number {
  const value = process.env[variable];
  if (value !== undefined && value !== '') {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${variable}=${value} is not a number`);
    return parsed;
  }
  return LONG ? long : normal;
}
