// The five calls every contender makes, with the same fake inputs: create, update, delete, user, health.
export const OPERATIONS = ['create', 'update', 'delete', 'user', 'health'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** One contender: each operation is one complete call, response read and decoded. */
export type Calls = Record<Operation, () => Promise<unknown>>;

export const BENCH_USER = 'bench-user-0001';
export const BENCH_KEY = 'sk-test-FAKE-bench-0000000000000000000000000000';
export const BENCH_KEY_NAME = 'bench key';

/** The ops server's count of `GET /user` and key calls since it was last asked (opsServer.ts). */
export const COUNTS_PATH = '/__bench/counts';
