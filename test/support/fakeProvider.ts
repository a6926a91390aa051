// A local fake of the LLM providers' APIs, for Verify Key: one loopback HTTP server that answers
// `/<provider id>/<api path>` the way the provider would for a known key, an unknown key, a key
// without access, or not at all (hangs), and records what was asked (without keeping the key: the
// auth header is reduced to whether it matched).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeMode = 'ok' | 'unauthorized' | 'forbidden' | 'rateLimited' | 'serverError' | 'hang' | 'redirect' | 'geminiInvalid';

export interface SeenRequest {
  method: string;
  path: string;
  /** Which header carried the key: 'authorization', 'x-api-key', 'x-goog-api-key', or undefined. */
  keyHeader?: string;
  /** Whether the key in that header is the expected one. */
  keyMatches: boolean;
  anthropicVersion?: string;
  organization?: string;
  /** Whether the key appeared anywhere in the URL. */
  keyInUrl: boolean;
}

export interface FakeProvider {
  readonly port: number;
  /** The base URL to configure for `provider`: `http://127.0.0.1:<port>/<provider id>`. */
  baseUrl(provider: string): string;
  mode: FakeMode;
  /** The key that counts as valid; any other gets 401. */
  expectedKey: string;
  readonly requests: SeenRequest[];
  stop(): Promise<void>;
}

export async function startFakeProvider(options: { port?: number; expectedKey?: string } = {}): Promise<FakeProvider> {
  const hanging = new Set<http.ServerResponse>();
  const state = { mode: 'ok' as FakeMode, expectedKey: options.expectedKey ?? '', requests: [] as SeenRequest[] };
  const server = http.createServer((req, res) => {
    const headers = req.headers;
    const bearer = typeof headers.authorization === 'string' ? headers.authorization.replace(/^Bearer /, '') : undefined;
    const keyHeader =
      bearer !== undefined
        ? 'authorization'
        : headers['x-api-key']
          ? 'x-api-key'
          : headers['x-goog-api-key']
            ? 'x-goog-api-key'
            : undefined;
    const key = bearer ?? (headers['x-api-key'] as string | undefined) ?? (headers['x-goog-api-key'] as string | undefined);
    state.requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      ...(keyHeader ? { keyHeader } : {}),
      keyMatches: key === state.expectedKey,
      ...(typeof headers['anthropic-version'] === 'string' ? { anthropicVersion: headers['anthropic-version'] } : {}),
      ...(typeof headers['openai-organization'] === 'string' ? { organization: headers['openai-organization'] } : {}),
      keyInUrl: !!state.expectedKey && (req.url ?? '').includes(state.expectedKey),
    });
    const json = (status: number, body: unknown, extra: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...extra });
      res.end(JSON.stringify(body));
    };
    let mode = state.mode;
    if (mode === 'ok' && key !== state.expectedKey) mode = 'unauthorized';
    switch (mode) {
      case 'ok':
        return json(200, { object: 'list', data: [] });
      case 'unauthorized':
        // Real providers echo part of the key here; the client must never show it.
        return json(401, { error: { message: `Incorrect API key provided: ${String(key).slice(0, 12)}…` } });
      case 'forbidden':
        return json(403, { error: { message: 'This key has no access to this resource' } });
      case 'rateLimited':
        return json(429, { error: { message: 'You exceeded your current quota' } });
      case 'serverError':
        return json(500, { error: { message: 'internal error' } });
      case 'redirect':
        return json(302, {}, { location: `http://127.0.0.1:9/elsewhere` });
      case 'geminiInvalid':
        return json(400, {
          error: {
            code: 400,
            message: 'API key not valid. Please pass a valid API key.',
            status: 'INVALID_ARGUMENT',
            details: [{ reason: 'API_KEY_INVALID' }],
          },
        });
      case 'hang':
        hanging.add(res);
        return undefined;
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    baseUrl: (provider) => `http://127.0.0.1:${port}/${provider}`,
    get mode() {
      return state.mode;
    },
    set mode(next: FakeMode) {
      state.mode = next;
    },
    get expectedKey() {
      return state.expectedKey;
    },
    set expectedKey(next: string) {
      state.expectedKey = next;
    },
    requests: state.requests,
    stop: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
