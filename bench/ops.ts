// Per-call cost: our client against raw `fetch` (the floor) and the official SDK, all against the same
// local server (its own process), interleaved: in each round every contender makes each call once,
// in an order that rotates from round to round, so that drift in the machine's load hits all alike.
import { type ChildProcess, spawn } from 'node:child_process';
import * as readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { DEFAULT_TIMEOUT_MS, PiecesClient } from '../src/core/pieces/client';
import { BENCH_KEY, BENCH_KEY_NAME, BENCH_USER, type Calls, OPERATIONS, type Operation } from './calls';
import { median, p99, round } from './stats';

/**
 * Diagnostics beside the three contenders: `raw_timeout` is raw fetch plus the per-call
 * `AbortSignal.timeout` our client adds; `ours_no_check` is our client without the `GET /user` it asks
 * before every key call (identity before keys, SECURITY.md), i.e. what the client itself costs.
 */
export const CONTENDERS = ['raw', 'ours', 'sdk', 'raw_timeout', 'ours_no_check'] as const;
export type Contender = (typeof CONTENDERS)[number];

export interface OpStats {
  median_ms: number;
  p99_ms: number;
}

export interface OpResult {
  raw: OpStats;
  ours: OpStats;
  sdk: OpStats;
  raw_timeout: OpStats;
  ours_no_check: OpStats;
  ratio_vs_raw_median: number;
  ratio_vs_sdk_median: number;
  ratio_vs_raw_p99: number;
  ratio_vs_sdk_p99: number;
  /** What a per-call `AbortSignal.timeout` alone adds to raw fetch. */
  raw_timeout_vs_raw_median: number;
  /** Our client without the identity check before key calls, against raw fetch. */
  no_check_vs_raw_median: number;
}

export interface OpsResult {
  rounds: number;
  per_op: Record<Operation, OpResult>;
  /** The worst operation's ratio of medians: the figure the targets bound. */
  op_ratio_vs_raw_median: number;
  op_ratio_vs_sdk_median: number;
  /** Best and worst operation. */
  op_ratio_vs_raw_range: [number, number];
  op_ratio_vs_sdk_range: [number, number];
  /** The worst operation's ratio without the identity check: the client's own overhead. */
  op_ratio_no_check_vs_raw_median: number;
}

/** The floor: what the same calls cost with nothing but `fetch`, a status check and a parse. */
export function rawCalls(baseUrl: string, timeoutMs?: number): Calls {
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown, json = true): Promise<unknown> => {
    const init: RequestInit =
      body === undefined ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    if (timeoutMs !== undefined) init.signal = AbortSignal.timeout(timeoutMs);
    const response = await fetch(baseUrl + path, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`status ${response.status}`);
    return json ? JSON.parse(text) : text;
  };
  return {
    create: () =>
      call('POST', '/external_provider/api_key/create', {
        user: BENCH_USER,
        open_AI: { api_key: BENCH_KEY, api_key_name: BENCH_KEY_NAME },
      }),
    update: () => call('POST', '/external_provider/api_key/update', { user: BENCH_USER, open_AI: { api_key: BENCH_KEY } }),
    delete: () => call('POST', '/external_provider/api_key/delete', { user: BENCH_USER, open_AI: true }),
    user: () => call('GET', '/user'),
    health: () => call('GET', '/.well-known/health', undefined, false),
  };
}

export function ourCalls(baseUrl: string, identityMaxAgeMs?: number): Calls {
  const client = new PiecesClient({ baseUrl, ...(identityMaxAgeMs === undefined ? {} : { identityMaxAgeMs }) });
  return {
    create: () => client.createKey(BENCH_USER, { apiKey: BENCH_KEY, name: BENCH_KEY_NAME }),
    update: () => client.updateKey(BENCH_USER, { apiKey: BENCH_KEY }),
    delete: () => client.deleteKey(BENCH_USER),
    user: () => client.getUser(),
    health: () => client.health(),
  };
}

/** Starts the server process and resolves with its URL and a stop function. */
async function startServer(script: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`ops server exited (${code})`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
  });
  const stop = async (): Promise<void> => {
    lines.close();
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { url, stop };
}

export interface OpsOptions {
  rounds: number;
  warmupRounds: number;
  serverScript: string;
  /** The SDK bundle built by the size step; it exports sdkCalls. */
  sdkBundle: string;
}

export async function measureOps(options: OpsOptions): Promise<OpsResult> {
  const server = await startServer(options.serverScript);
  try {
    const { sdkCalls } = (await import(pathToFileURL(options.sdkBundle).href)) as typeof import('./sdkCalls');
    const contenders: Record<Contender, Calls> = {
      raw: rawCalls(server.url),
      ours: ourCalls(server.url),
      sdk: sdkCalls(server.url),
      raw_timeout: rawCalls(server.url, DEFAULT_TIMEOUT_MS),
      ours_no_check: ourCalls(server.url, Infinity),
    };
    const times = Object.fromEntries(
      CONTENDERS.map((c) => [c, Object.fromEntries(OPERATIONS.map((op) => [op, [] as number[]]))]),
    ) as Record<Contender, Record<Operation, number[]>>;
    for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
      for (const op of OPERATIONS) {
        for (let i = 0; i < CONTENDERS.length; i++) {
          const contender = CONTENDERS[(round + i) % CONTENDERS.length]!;
          const started = performance.now();
          await contenders[contender][op]();
          const elapsed = performance.now() - started;
          if (round >= options.warmupRounds) times[contender][op].push(elapsed);
        }
      }
    }
    const stats = (values: number[]): OpStats => ({ median_ms: round(median(values), 4), p99_ms: round(p99(values), 4) });
    const perOp = {} as Record<Operation, OpResult>;
    for (const op of OPERATIONS) {
      const [raw, ours, sdk, rawTimeout, noCheck] = [
        stats(times.raw[op]),
        stats(times.ours[op]),
        stats(times.sdk[op]),
        stats(times.raw_timeout[op]),
        stats(times.ours_no_check[op]),
      ];
      perOp[op] = {
        raw,
        ours,
        sdk,
        raw_timeout: rawTimeout,
        ours_no_check: noCheck,
        ratio_vs_raw_median: round(ours.median_ms / raw.median_ms),
        ratio_vs_sdk_median: round(ours.median_ms / sdk.median_ms),
        ratio_vs_raw_p99: round(ours.p99_ms / raw.p99_ms),
        ratio_vs_sdk_p99: round(ours.p99_ms / sdk.p99_ms),
        raw_timeout_vs_raw_median: round(rawTimeout.median_ms / raw.median_ms),
        no_check_vs_raw_median: round(noCheck.median_ms / raw.median_ms),
      };
    }
    const vsRaw = OPERATIONS.map((op) => perOp[op].ratio_vs_raw_median);
    const vsSdk = OPERATIONS.map((op) => perOp[op].ratio_vs_sdk_median);
    return {
      rounds: options.rounds,
      per_op: perOp,
      op_ratio_vs_raw_median: Math.max(...vsRaw),
      op_ratio_vs_sdk_median: Math.max(...vsSdk),
      op_ratio_vs_raw_range: [Math.min(...vsRaw), Math.max(...vsRaw)],
      op_ratio_vs_sdk_range: [Math.min(...vsSdk), Math.max(...vsSdk)],
      op_ratio_no_check_vs_raw_median: Math.max(...OPERATIONS.map((op) => perOp[op].no_check_vs_raw_median)),
    };
  } finally {
    await server.stop();
  }
}
