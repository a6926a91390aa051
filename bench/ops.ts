// Per-call cost: our client against raw `fetch` (the floor) and the official SDK, all against the same
// local server (its own process), interleaved: in each round every contender makes each call once,
// in an order that rotates from round to round, so that drift in the machine's load hits all alike.
import { type ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import * as readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { IDENTITY_WHILE_CONNECTED, PiecesClient, type PiecesClientOptions } from '../src/core/pieces/client';
import { BENCH_KEY, BENCH_KEY_NAME, BENCH_USER, type Calls, COUNTS_PATH, OPERATIONS, type Operation } from './calls';
import { median, p99, round } from './stats';

/**
 * Beside the three contenders, two more: `raw_http` is raw `node:http` with a keep-alive agent and one
 * socket (what our client is built on, the floor for it), and `ours_check_each_call` is our client asking
 * `GET /user` on its connection before every key call (its default; the extension trusts a connection's
 * answer while the connection stays open, see SECURITY.md).
 */
export const CONTENDERS = ['raw', 'ours', 'sdk', 'raw_http', 'ours_check_each_call'] as const;
export type Contender = (typeof CONTENDERS)[number];

/** Our client as the extension makes it (src/vscode/parts.ts). */
const OURS: Partial<PiecesClientOptions> = { identityMaxAgeMs: IDENTITY_WHILE_CONNECTED };

export interface OpStats {
  median_ms: number;
  p99_ms: number;
}

export interface OpResult {
  raw: OpStats;
  ours: OpStats;
  sdk: OpStats;
  raw_http: OpStats;
  ours_check_each_call: OpStats;
  ratio_vs_raw_median: number;
  ratio_vs_sdk_median: number;
  ratio_vs_raw_p99: number;
  ratio_vs_sdk_p99: number;
  /** Our client against raw node:http with a keep-alive agent: what the client adds to its transport. */
  ratio_vs_raw_http_median: number;
  /** Our client asking GET /user before every key call, against raw fetch. */
  check_each_call_vs_raw_median: number;
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
  /** The worst operation's ratio against raw node:http keep-alive. */
  op_ratio_vs_raw_http_median: number;
  /** The worst operation's ratio when every key call asks GET /user first. */
  op_ratio_check_each_call_vs_raw_median: number;
  /** GET /user requests the server saw per key call, in a steady run of key calls. */
  user_requests_per_key_call: { ours: number; ours_check_each_call: number };
}

type RawCall = (method: 'GET' | 'POST', path: string, body?: unknown, json?: boolean) => Promise<unknown>;

/** The five calls over one raw way of making a request. */
function rawOperations(call: RawCall): Calls {
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

/** The floor: what the same calls cost with nothing but `fetch`, a status check and a parse. */
export function rawCalls(baseUrl: string): Calls {
  return rawOperations(async (method, path, body, json = true) => {
    const init: RequestInit =
      body === undefined ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const response = await fetch(baseUrl + path, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`status ${response.status}`);
    return json ? (JSON.parse(text) as unknown) : text;
  });
}

/** The floor of our transport: node:http over a keep-alive agent with one socket, a status check and a parse. */
export function rawHttpCalls(baseUrl: string): Calls {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return rawOperations(
    (method, path, body, json = true) =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const headers: Record<string, string | number> = payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {};
        const request = new http.ClientRequest({ hostname: url.hostname, port: url.port, method, path, agent, headers }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode !== 200) reject(new Error(`status ${response.statusCode}`));
            else resolve(json ? (JSON.parse(text) as unknown) : text);
          });
          response.on('error', reject);
        });
        request.on('error', reject);
        request.end(payload);
      }),
  );
}

export function ourCalls(baseUrl: string, options: Partial<PiecesClientOptions> = {}): Calls {
  const client = new PiecesClient({ ...options, baseUrl });
  return {
    create: () => client.createKey(BENCH_USER, { apiKey: BENCH_KEY, name: BENCH_KEY_NAME }),
    update: () => client.updateKey(BENCH_USER, { apiKey: BENCH_KEY }),
    delete: () => client.deleteKey(BENCH_USER),
    user: () => client.getUser(),
    health: () => client.health(),
  };
}

/** How many GET /user the server saw per key call, over a steady run of create, update and delete. */
async function userRequestsPerKeyCall(baseUrl: string, calls: Calls): Promise<number> {
  const counts = async (): Promise<{ user: number; key: number }> =>
    (await (await fetch(`${baseUrl}${COUNTS_PATH}`)).json()) as { user: number; key: number };
  await calls.create(); // a first call may open (and verify) a connection: the steady state follows
  await counts();
  for (let i = 0; i < 10; i++) {
    await calls.create();
    await calls.update();
    await calls.delete();
  }
  const seen = await counts();
  return round(seen.user / seen.key, 2);
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
      ours: ourCalls(server.url, OURS),
      sdk: sdkCalls(server.url),
      raw_http: rawHttpCalls(server.url),
      ours_check_each_call: ourCalls(server.url, { identityMaxAgeMs: 0 }),
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
      const [raw, ours, sdk, rawHttp, eachCall] = [
        stats(times.raw[op]),
        stats(times.ours[op]),
        stats(times.sdk[op]),
        stats(times.raw_http[op]),
        stats(times.ours_check_each_call[op]),
      ];
      perOp[op] = {
        raw,
        ours,
        sdk,
        raw_http: rawHttp,
        ours_check_each_call: eachCall,
        ratio_vs_raw_median: round(ours.median_ms / raw.median_ms),
        ratio_vs_sdk_median: round(ours.median_ms / sdk.median_ms),
        ratio_vs_raw_p99: round(ours.p99_ms / raw.p99_ms),
        ratio_vs_sdk_p99: round(ours.p99_ms / sdk.p99_ms),
        ratio_vs_raw_http_median: round(ours.median_ms / rawHttp.median_ms),
        check_each_call_vs_raw_median: round(eachCall.median_ms / raw.median_ms),
      };
    }
    const userRequests = {
      ours: await userRequestsPerKeyCall(server.url, contenders.ours),
      ours_check_each_call: await userRequestsPerKeyCall(server.url, contenders.ours_check_each_call),
    };
    const vsRaw = OPERATIONS.map((op) => perOp[op].ratio_vs_raw_median);
    const vsSdk = OPERATIONS.map((op) => perOp[op].ratio_vs_sdk_median);
    return {
      rounds: options.rounds,
      per_op: perOp,
      op_ratio_vs_raw_median: Math.max(...vsRaw),
      op_ratio_vs_sdk_median: Math.max(...vsSdk),
      op_ratio_vs_raw_range: [Math.min(...vsRaw), Math.max(...vsRaw)],
      op_ratio_vs_sdk_range: [Math.min(...vsSdk), Math.max(...vsSdk)],
      op_ratio_vs_raw_http_median: Math.max(...OPERATIONS.map((op) => perOp[op].ratio_vs_raw_http_median)),
      op_ratio_check_each_call_vs_raw_median: Math.max(...OPERATIONS.map((op) => perOp[op].check_each_call_vs_raw_median)),
      user_requests_per_key_call: userRequests,
    };
  } finally {
    await server.stop();
  }
}
