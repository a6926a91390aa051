// The status bar's actions under plain mocha: for each problem the status bar can show, the first action
// offered is the one that fixes it, and nothing offered makes no sense now (Sync Now with no key).
import * as assert from 'node:assert/strict';
import type { KeyRecord } from '../../../src/core/store/keyStore';
import { type StatusProblem, statusActions } from '../../../src/flows/statusActions';
import { FakeWorkbench } from '../../support/fakeWorkbench';

const REJECTED = { id: 'k1', name: 'Personal', previousRev: 'r1' } as unknown as KeyRecord;

interface Run {
  /** The actions offered, in order (label, and what a choice of each did). */
  labels: string[];
  icons: Array<string | undefined>;
  /** What choosing the first action did. */
  first: string;
}

/** Opens the status actions for `problem`, picks the first action, and records what it did. */
async function open(problem: StatusProblem | undefined, options: { hasKeys?: boolean } = {}): Promise<Run> {
  const did: string[] = [];
  const workbench = new FakeWorkbench();
  const prompter = workbench.script([{ pick: (items) => items[0] }]);
  await statusActions({
    status: {
      view: () => ({ title: 'Pieces OS', lines: ['a line'], ...(problem ? { problem } : {}) }),
      rejectedKeys: () => (problem?.kind === 'rejected' ? [REJECTED] : []),
    },
    actions: {
      restorePrevious: async (id) => void did.push(`restore ${typeof id === 'string' ? id : '?'}`),
      updateKey: async (id) => void did.push(`update ${typeof id === 'string' ? id : '?'}`),
      syncNow: async () => {
        did.push('sync now');
        return [];
      },
      addKey: async () => void did.push('add key'),
    },
    drift: {
      pushToPieces: async () => void did.push('push'),
      adoptFromPieces: async () => void did.push('adopt'),
      ignoreDrift: () => void did.push('ignore'),
    },
    workbench,
    hasKeys: () => options.hasKeys ?? true,
    refresh: async () => void did.push('refresh'),
    showLog: () => void did.push('log'),
  });
  for (const command of workbench.commands) did.push(`command ${command.command}`);
  const items = prompter.asked[0]?.items ?? [];
  return { labels: items.map((i) => i.label), icons: items.map((i) => i.icon), first: did.join(', ') };
}

describe('status bar actions (plain mocha)', () => {
  it('not running: first "Pieces OS Started? Look Again", then the service URL; never Sync Now', async () => {
    const run = await open({ kind: 'notRunning' });
    assert.deepEqual(run.labels.slice(0, 2), ['Pieces OS Started? Look Again', 'Select Service URL…']);
    assert.equal(run.first, 'refresh');
    assert.ok(!run.labels.includes('Sync Now'), run.labels.join(', '));
    assert.ok(!run.labels.includes('Refresh'), 'the first action already looks again');
  });

  it('signed out: first the sign-in, then what else fits', async () => {
    const run = await open({ kind: 'notSignedIn' });
    assert.equal(run.labels[0], 'Signed In to Pieces? Look Again');
    assert.equal(run.first, 'refresh');
    assert.ok(!run.labels.includes('Sync Now'));
  });

  it('a refused service URL: first Select Service URL', async () => {
    const run = await open({ kind: 'refusedUrl' });
    assert.equal(run.labels[0], 'Select Service URL…');
    assert.equal(run.first, 'command providerKeys.selectServiceUrl');
  });

  it('a 500 (Pieces OS answered): first Sync Now, then the log with what it answered', async () => {
    const run = await open({ kind: 'waiting', answeredWithError: true });
    assert.deepEqual(run.labels.slice(0, 2), ['Sync Now', 'Show Log']);
    assert.equal(run.first, 'sync now');
  });

  it('a rejected key: first restore its previous key, then update it', async () => {
    const run = await open({ kind: 'rejected' });
    assert.deepEqual(run.labels.slice(0, 2), ['Restore the previous key of "Personal"', 'Update "Personal"…']);
    assert.equal(run.first, 'restore k1');
  });

  it('drift: the answers that fit what Pieces OS holds', async () => {
    assert.deepEqual((await open({ kind: 'drift', drift: 'holdsOther' })).labels.slice(0, 3), [
      'Send My Key to Pieces OS',
      'Keep the Key Pieces OS Holds',
      'Leave Pieces OS As It Is',
    ]);
    assert.deepEqual((await open({ kind: 'drift', drift: 'holdsNone' })).labels.slice(0, 2), [
      'Send My Key to Pieces OS',
      'Leave Pieces OS As It Is',
    ]);
    const unknown = await open({ kind: 'drift', drift: 'holdsUnknown' });
    assert.deepEqual(unknown.labels.slice(0, 2), ['Keep the Key Pieces OS Holds', 'Leave Pieces OS As It Is']);
    assert.equal(unknown.first, 'adopt');
  });

  it('connected with no keys: add or import one; no Sync Now, no Show Keys', async () => {
    const run = await open(undefined, { hasKeys: false });
    assert.deepEqual(run.labels, ['Add Key…', 'Import from Environment…', 'Refresh', 'Show Log']);
  });

  it('connected with keys and nothing to fix: Refresh first, no Sync Now', async () => {
    const run = await open(undefined);
    assert.deepEqual(run.labels, ['Refresh', 'Add Key…', 'Show Keys', 'Show Log']);
  });

  it('gives every action its icon as an icon, not as "$(id)" text a screen reader reads out', async () => {
    for (const problem of [undefined, { kind: 'notRunning' }, { kind: 'rejected' }] as const) {
      const run = await open(problem);
      assert.ok(
        run.icons.every((icon) => icon !== undefined),
        run.labels.join(', '),
      );
      assert.ok(!run.labels.some((label) => label.includes('$(')));
    }
  });
});
