// The load run (loadRun.ts) in a child process: the outcome matches the model, no promise rejection went
// unhandled, nothing was written to stderr, and the process ends by itself promptly once its work is done.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

interface Line {
  event: string;
  at: number;
  [field: string]: unknown;
}

/** How long the process may live after it said "done" (its own leak report fires at 1.5 s). */
const EXIT_WITHIN_MS = 2500;

function runLoad(
  env: NodeJS.ProcessEnv = {},
): Promise<{ lines: Line[]; stderr: string; code: number | null; signal: NodeJS.Signals | null; exitedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'loadRun.js')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Line[] = [];
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    readline.createInterface({ input: child.stdout }).on('line', (text) => {
      try {
        lines.push({ ...(JSON.parse(text) as { event: string }), at: performance.now() });
      } catch {
        lines.push({ event: 'text', text, at: performance.now() });
      }
    });
    child.once('error', reject);
    // 'close' (not 'exit'): stdout has been read to its end by then.
    child.once('close', (code, signal) => resolve({ lines, stderr, code, signal, exitedAt: performance.now() }));
  });
}

describe('load: 200 keys at once against a flapping Pieces OS (child process)', function () {
  this.timeout(120_000);

  it('ends in the state the model says, with no unhandled rejection, and exits by itself', async () => {
    const started = performance.now();
    const run = await runLoad();
    const done = run.lines.find((l) => l.event === 'done');
    const trouble = run.lines.filter((l) => l.event !== 'done' && l.event !== 'phase');
    const seed = typeof done?.seed === 'number' || typeof done?.seed === 'string' ? String(done.seed) : '?';
    const context = `seed ${seed} (LOAD_SEED=${seed} repeats it); output:\n${run.lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${run.stderr}`;
    assert.deepEqual(trouble, [], `the run reported problems: ${context}`);
    assert.ok(done, `the run never finished: ${context}`);
    assert.equal(done.ok, true, context);
    assert.equal(run.stderr, '', `the run wrote to stderr: ${context}`);
    assert.equal(run.code, 0, `exit code ${String(run.code)} (signal ${String(run.signal)}): ${context}`);
    const lingered = run.exitedAt - done.at;
    assert.ok(lingered < EXIT_WITHIN_MS, `the process lived ${Math.round(lingered)} ms after its work was done: ${context}`);
    console.log(
      `      load: ${JSON.stringify({ ...done, at: undefined, event: undefined })}; exited ${Math.round(lingered)} ms after "done"; ${Math.round(performance.now() - started)} ms in all`,
    );
  });
});
