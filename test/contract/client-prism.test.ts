// PiecesClient against Prism mocking the vendored strict contract: proves the client's requests
// validate against the contract as Prism reads it (not only as the stand-in's Ajv reads it).
// Prism starts once (about 2 s) in its own process group and is killed with that group.
import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { UnauthorizedError } from '../../src/core/pieces/errors';
import { type Outgoing, PiecesClient } from '../../src/core/pieces/client';
import { FAKE_KEY, FAKE_KEY_2, REPO_ROOT, STRICT_CONTRACT, assertNoSecrets, freePort, rawPost, rejectsWith } from './helpers';

const PRISM = path.join(REPO_ROOT, 'node_modules', '.bin', 'prism');
const START_TIMEOUT_MS = 30_000;

describe('PiecesClient against Prism (strict contract)', function () {
  this.timeout(START_TIMEOUT_MS + 5_000);
  let prism: ChildProcess | undefined;
  let baseUrl: string;
  let output = '';
  const killGroup = (signal: NodeJS.Signals): void => {
    if (prism?.pid === undefined || prism.exitCode !== null || prism.signalCode !== null) return;
    try {
      process.kill(-prism.pid, signal);
    } catch {
      // already gone
    }
  };
  // Should mocha itself be stopped before `after` runs, do not leave Prism behind.
  const onExit = (): void => killGroup('SIGKILL');

  before(async function () {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [PRISM, 'mock', '-p', String(port), '-h', '127.0.0.1', STRICT_CONTRACT], {
      cwd: REPO_ROOT,
      detached: true, // its own process group, so that the whole group can be killed
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prism = child;
    process.once('exit', onExit);
    // Prism's log names fields, not values, and only fake keys are sent; it is shown only on failure.
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);

    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) assert.fail(`Prism exited while starting:\n${output}`);
      if (Date.now() > deadline) assert.fail(`Prism did not answer within ${START_TIMEOUT_MS} ms:\n${output}`);
      try {
        const response = await fetch(`${baseUrl}/.well-known/health`, { signal: AbortSignal.timeout(1000) });
        await response.body?.cancel();
        if (response.status === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  after(async function () {
    process.removeListener('exit', onExit);
    const child = prism;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup('SIGTERM');
    const timer = setTimeout(() => killGroup('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    // Anything left in the group (there should be nothing) goes too.
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {
      // the group is empty: no orphans
    }
  });

  const client = (rewrite?: (request: Outgoing) => Outgoing): PiecesClient =>
    new PiecesClient({ baseUrl, timeoutMs: 5000, ...(rewrite ? { rewrite } : {}) });
  // Only the key calls: the identity check before them (GET /user) must answer as usual.
  const preferring =
    (code: number) =>
    (request: Outgoing): Outgoing =>
      request.method === 'POST' ? { ...request, headers: { ...request.headers, prefer: `code=${code}` } } : request;
  // The id in the contract's mock user: key calls go only for the user the service says is signed in.
  const USER = 'string';

  it('getUser resolves with the mock user', async () => {
    const user = await client().getUser();
    assert.equal(user.id, 'string');
  });

  it('createKey, updateKey and deleteKey send bodies the strict contract accepts', async () => {
    const created = await client().createKey(USER, { apiKey: FAKE_KEY, name: 'Work', organization: 'org-FAKEtest0001' });
    assert.equal(typeof created.metadata.global_id, 'string');
    await client().updateKey(USER, { apiKey: FAKE_KEY_2 });
    await client().updateKey(USER, { name: 'Renamed' });
    await client().deleteKey(USER);
  });

  it('Prefer: code=401 gives UnauthorizedError for each key call', async () => {
    const failing = client(preferring(401));
    for (const call of [
      () => failing.createKey(USER, { apiKey: FAKE_KEY }),
      () => failing.updateKey(USER, { apiKey: FAKE_KEY }),
      () => failing.deleteKey(USER),
    ]) {
      assertNoSecrets(await rejectsWith(call, UnauthorizedError));
    }
  });

  it('validation is on: Prism answers 422 to camelCase wire keys', async () => {
    const camel = await rawPost(`${baseUrl}/external_provider/api_key/create`, { user: 'u1', openAI: { api_key: FAKE_KEY } });
    assert.equal(camel.status, 422);
    assert.match(camel.text, /openAI/);
    const apiKey = await rawPost(`${baseUrl}/external_provider/api_key/create`, { user: 'u1', open_AI: { apiKey: FAKE_KEY } });
    assert.equal(apiKey.status, 422);
  });
});
