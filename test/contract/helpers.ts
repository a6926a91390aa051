// Shared by the contract tests and the stand-in's unit test. Keys here are obviously fake.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const FAKE_KEY = 'sk-test-FAKE-0000000000000000000000001';
export const FAKE_KEY_2 = 'sk-test-FAKE-0000000000000000000000002';
export const FAKE_ORG = 'org-FAKEtest0001';

/** The repository root: the first parent of this file with a package.json (works from out/ too). */
export const REPO_ROOT = ((): string => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return dir;
})();

export const STRICT_CONTRACT = path.join(REPO_ROOT, 'stand-in', 'contract', 'pieces-external-provider.strict.openapi.yaml');

/** A JSON file from test/fixtures/contract/ (copies of the shared contract's examples). */
export function fixture(name: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'contract', name), 'utf8')) as unknown;
}

export function fixtureText(name: string): string {
  return fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'contract', name), 'utf8');
}

/** A port that was free a moment ago (for child processes that need a fixed port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A raw POST, bypassing the client (to send what the client never would). */
export async function rawPost(
  url: string,
  body: string | object,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<{ status: number; contentType: string; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
}

/** Fails if any of `secrets` shows up anywhere in the error as a user or a log could see it. */
export function assertNoSecrets(error: unknown, secrets: readonly string[] = [FAKE_KEY, FAKE_KEY_2]): void {
  const views = [String(error)];
  if (error instanceof Error) {
    views.push(error.message, error.stack ?? '');
    try {
      views.push(JSON.stringify(error));
    } catch {
      // a circular cause: the other views are enough
    }
  }
  for (const secret of secrets) {
    for (const view of views) assert.ok(!view.includes(secret), `a key leaked into the error: ${view.replace(secret, '<KEY>')}`);
    // Not even a long fragment of it.
    const tail = secret.slice(-12);
    for (const view of views) assert.ok(!view.includes(tail), 'a fragment of a key leaked into the error');
  }
}

/** Runs `call`, asserts it rejects with `type`, and returns the error for further checks. */
export async function rejectsWith<T extends Error>(call: () => Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${type.name}, but the call resolved`);
}
