// The fault table (issue 9): for each fault × {create, update, delete}, what the user is told, the key's
// state, what waits for Pieces OS, and where things end once the service recovers. Each cell is driven
// through the real flow and compared with EXPECTED below; the table printed at the end is what was seen.
import * as assert from 'node:assert/strict';
import { FAULTS } from './faults';
import { type Cell, NEW_KEY, OLD_KEY, type Operation, World } from './world';

const OPERATIONS: readonly Operation[] = ['create', 'update', 'delete'];

// ---- The expectation table -------------------------------------------------------------------------
// Words shared by many cells, so that each row below reads as what differs.

/** What the flow says was saved in VS Code, after it says what went wrong with Pieces OS. */
const DONE: Record<Operation, string> = {
  create: 'Saved "Personal" (sk-…new2).',
  update: 'Updated "Personal" (sk-…new2).',
  delete: 'Deleted "Personal".',
};
/** What Pieces OS may hold of ours when the call was certainly not applied: what it held before. */
const AS_BEFORE: Record<Operation, string> = { create: 'holds none', update: 'holds ours', delete: 'holds ours' };
/** … and when the call may have been applied: the delete is still sent, the update is no longer confirmed. */
const MAYBE: Record<Operation, string> = { create: 'holds maybe', update: 'holds ours, unconfirmed', delete: 'holds ours' };
const WAITS = (op: Operation): string =>
  `The change waits and is sent when Pieces OS answers. ${DONE[op]} [Retry, Select Service URL, Show Log]`;
const PATHS: Record<Operation, string> = {
  create: '/external_provider/api_key/create',
  update: '/external_provider/api_key/update',
  delete: '/external_provider/api_key/delete',
};

type PerOperation = string | ((operation: Operation) => string);

/** A row: one message per operation, the key's state for create and update, the queue, and how it recovers. */
function row(spec: { message: PerOperation; key: string; queue: PerOperation; recovery: 'retry' | 'Sync Now' }): Record<Operation, Cell> {
  const at = (value: PerOperation, operation: Operation): string => (typeof value === 'string' ? value : value(operation));
  const cell = (operation: Operation): Cell => ({
    message: at(spec.message, operation),
    key: operation === 'delete' ? 'plan: remove' : spec.key,
    queue: at(spec.queue, operation),
    final:
      operation === 'delete'
        ? `${spec.recovery} → stand-in holds none · plan: none · queue: none · holds none`
        : `${spec.recovery} → stand-in holds new key · synced · queue: none · holds ours`,
  });
  return { create: cell('create'), update: cell('update'), delete: cell('delete') };
}

/** A transient failure: retried after `seconds`, never parked. */
const retried = (seconds: number, holds: Record<Operation, string>) => (operation: Operation) =>
  `waiting, retry in ${seconds.toFixed(1)} s · ${holds[operation]}`;
const parked = (operation: Operation): string => `parked · ${MAYBE[operation]}`;

const EXPECTED: Record<string, Record<Operation, Cell>> = {
  'connection refused': row({
    message: (op) => `warning: Pieces OS is not running at <url> (connection refused). Start Pieces OS. ${WAITS(op)}`,
    key: 'waiting',
    queue: retried(1, AS_BEFORE),
    recovery: 'retry',
  }),
  'reset mid-body': row({
    message: (op) => `warning: Pieces OS at <url> closed the connection before answering. ${WAITS(op)}`,
    key: 'waiting',
    queue: retried(1, MAYBE),
    recovery: 'retry',
  }),
  timeout: row({
    message: (op) => `warning: Pieces OS at <url> did not answer in time. ${WAITS(op)}`,
    key: 'waiting',
    queue: retried(1, MAYBE),
    recovery: 'retry',
  }),
  // Judgement: a 401 on a delete blames no key (none was sent) and offers no Update Key (it is gone here).
  '401': row({
    message: (op) =>
      op === 'delete'
        ? `error: Pieces OS refused to remove the key it holds (401), so it may still use it. Retry sends the removal again. ${DONE[op]} [Retry, Show Log]`
        : `error: Pieces OS rejected "Personal" (401). Check the key and its organization id. ${DONE[op]} [${op === 'update' ? 'Restore Previous Key, ' : ''}Update Key, Show Log]`,
    key: 'rejected',
    queue: parked,
    recovery: 'Sync Now',
  }),
  '403': row({
    message: (op) =>
      `error: Pieces OS could not store the change: Pieces OS refused the request (status 403): Forbidden (stand-in fault). ${DONE[op]} [Retry, Show Log]`,
    key: 'failed',
    queue: parked,
    recovery: 'Sync Now',
  }),
  // Judgement: a Pieces OS without the endpoint is told to update; the change waits for the user (parked).
  '404 (no such endpoint)': row({
    message: (op) =>
      `error: Pieces OS could not store the change: Pieces OS at <url> does not offer POST ${PATHS[op]} (404). Update Pieces OS. ${DONE[op]} [Retry, Show Log]`,
    key: 'failed',
    queue: parked,
    recovery: 'Sync Now',
  }),
  '409': row({
    message: (op) =>
      `error: Pieces OS could not store the change: Pieces OS refused the request (status 409): Conflict (stand-in fault). ${DONE[op]} [Retry, Show Log]`,
    key: 'failed',
    queue: parked,
    recovery: 'Sync Now',
  }),
  '422': row({
    message: (op) =>
      `error: Pieces OS could not store the change: Pieces OS refused the request (status 422): Unprocessable Entity (stand-in fault). ${DONE[op]} [Retry, Show Log]`,
    key: 'failed',
    queue: parked,
    recovery: 'Sync Now',
  }),
  '429 with Retry-After: 7': row({
    message: (op) =>
      `warning: Pieces OS could not store the change yet: Pieces OS is busy (status 429); trying again in 7 s. ${DONE[op]} [Retry, Show Log]`,
    key: 'waiting',
    queue: retried(7, MAYBE),
    recovery: 'retry',
  }),
  '500': row({
    message: (op) =>
      `warning: Pieces OS could not store the change yet: Pieces OS failed with status 500: Internal Server Error. It is sent again automatically. ${DONE[op]} [Retry, Show Log]`,
    key: 'waiting',
    queue: retried(1, MAYBE),
    recovery: 'retry',
  }),
  '503 without Retry-After': row({
    message: (op) =>
      `warning: Pieces OS could not store the change yet: Pieces OS is busy (status 503); trying again later. ${DONE[op]} [Retry, Show Log]`,
    key: 'waiting',
    queue: retried(1, MAYBE),
    recovery: 'retry',
  }),
  // Judgement: a 2xx that cannot be read may have been acted on: say so, and do not claim it failed.
  '200 with garbage': row({
    message: (op) =>
      `error: Pieces OS sent a response this extension does not understand: not JSON ("{not json"). Whether Pieces OS took the change is not known; Retry sends it again. ${DONE[op]} [Retry, Show Log]`,
    key: 'waiting',
    queue: retried(1, MAYBE),
    recovery: 'retry',
  }),
  '200 with the wrong shape': row({
    message: (op) =>
      `error: Pieces OS sent a response this extension does not understand: the response's "metadata.open_AI.api_key" is not a string. Whether Pieces OS took the change is not known; Retry sends it again. ${DONE[op]} [Retry, Show Log]`,
    key: 'waiting',
    queue: retried(1, MAYBE),
    recovery: 'retry',
  }),
  'oversized body (2 MiB)': row({
    message: (op) =>
      `error: Pieces OS sent a response this extension does not understand: the answer is larger than 1024 KB; the rest was not read. Whether Pieces OS took the change is not known; Retry sends it again. ${DONE[op]} [Retry, Show Log]`,
    key: 'waiting',
    queue: retried(1, MAYBE),
    recovery: 'retry',
  }),
  // Judgement: whatever answers without being Pieces OS gets no key; the change waits for Pieces OS, as when
  // nothing answers, and the user can point the extension elsewhere.
  'impostor after restart': row({
    message: (op) =>
      `warning: The service at <url> does not answer as Pieces OS does (GET /user: 404), so no key is sent to it. Check that Pieces OS runs there. ${WAITS(op)}`,
    key: 'waiting',
    queue: retried(1, AS_BEFORE),
    recovery: 'retry',
  }),
  'not signed in': row({
    message: (op) => `warning: Sign in to Pieces so that Pieces OS gets the change; it waits until then. ${DONE[op]} [Retry]`,
    key: 'signIn',
    queue: retried(1, AS_BEFORE),
    recovery: 'retry',
  }),
};

async function measure(fault: (typeof FAULTS)[number], operation: Operation): Promise<Cell> {
  const world = await World.open();
  try {
    if (operation !== 'create') {
      await world.add(OLD_KEY);
      assert.equal(world.held(), 'old key', 'before the fault, Pieces OS holds the old key');
    }
    await fault.arm(world, operation);
    await world.run(operation);
    const cell: Cell = { message: world.lastMessage(), key: world.keyState(operation), queue: world.queueState(), final: '' };
    await fault.recover(world);
    let how = 'retry';
    if (world.queueState().startsWith('parked')) {
      how = 'Sync Now';
      await world.actions.syncNow();
    } else if (!world.queueState().startsWith('none')) {
      await world.retry();
    } else {
      how = 'nothing to send';
    }
    cell.final = `${how} → stand-in holds ${world.held()} · ${world.keyState(operation)} · queue: ${world.queueState()}`;
    // Whatever the fault, no 8 characters of either key reached a message, the log or the store's files.
    const written = world.textOutsideSecretStorage();
    for (const secret of [OLD_KEY, NEW_KEY]) {
      for (let i = 0; i + 8 <= secret.length; i++) {
        assert.ok(!written.includes(secret.slice(i, i + 8)), `"${secret.slice(i, i + 8)}" of a key was written outside SecretStorage`);
      }
    }
    return cell;
  } finally {
    await world.dispose();
  }
}

describe('fault table (npm run test:faults)', function () {
  this.timeout(30_000);
  const seen: Array<{ fault: string; operation: Operation; cell: Cell }> = [];

  after(() => {
    const rows = seen.map(
      ({ fault, operation, cell }) => `| ${fault} | ${operation} | ${cell.message} | ${cell.key} | ${cell.queue} | ${cell.final} |`,
    );
    console.log(
      [
        '',
        '| fault | operation | message the user sees | key (delete: plan) | queue | once the service recovers |',
        '| --- | --- | --- | --- | --- | --- |',
        ...rows,
        '',
      ].join('\n'),
    );
  });

  for (const fault of FAULTS) {
    for (const operation of OPERATIONS) {
      it(`${fault.name} × ${operation}`, async () => {
        const cell = await measure(fault, operation);
        seen.push({ fault: fault.name, operation, cell });
        const expected = EXPECTED[fault.name]?.[operation];
        assert.ok(expected, `the expectation table has no row "${fault.name}"`);
        assert.deepEqual(cell, expected);
      });
    }
  }
});
