// The per-record key store: what each change writes, where key bytes go (SecretStorage only), two
// windows over one folder, and records it cannot read.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { KeyGoneError, ReadOnlyStoreError } from '../../../src/core/store/keyStore';
import { keyFile } from '../../../src/core/store/records';
import { secretName, unwrapSecret } from '../../../src/core/store/secretVault';
import { MemorySecrets, SecretBackend } from '../../support/memoryStorage';
import { type TempStore, openTempStore, removeRoot, tempRoot } from '../../support/tempStore';

const KEY_A = 'sk-test-FAKE-store-000000000000000000A';
const KEY_B = 'sk-test-FAKE-store-000000000000000000B';
const KEY_C = 'sk-test-FAKE-store-000000000000000000C';

/** Every file under the store folder, as text. */
function folderText(root: string): string {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(readFileSync(full, 'utf8'));
    }
  };
  walk(root);
  return out.join('\n');
}

async function until(condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('key store (per-record files)', () => {
  let opened: TempStore[] = [];
  const open = async (...args: Parameters<typeof openTempStore>): Promise<TempStore> => {
    const store = await openTempStore(...args);
    opened.push(store);
    return store;
  };
  afterEach(() => {
    for (const store of opened) {
      store.close();
      removeRoot(store.root);
    }
    opened = [];
  });

  it('keeps key bytes in SecretStorage only, with the revision its record names', async () => {
    const secrets = new MemorySecrets();
    const { store, root } = await open({ secrets });
    const record = await store.add({ provider: 'openai', name: 'Work', secret: KEY_A, organization: 'org-abcdef' }, { choose: true });
    const stored = unwrapSecret(secrets.data.get(secretName(record.id)) ?? '');
    assert.deepEqual(stored, { rev: record.secretRev, key: KEY_A });
    assert.equal(await store.secret(record.id), KEY_A);
    assert.equal(store.choice('openai')?.activeId, record.id);
    assert.deepEqual(
      store.list().map((k) => k.name),
      ['Work'],
    );
    const text = folderText(root);
    assert.ok(text.includes('"name":"Work"'), 'the record is on disk');
    for (let i = 0; i + 8 <= KEY_A.length; i++) assert.ok(!text.includes(KEY_A.slice(i, i + 8)), 'no 8 characters of the key on disk');
  });

  it('rotating the key Pieces OS uses keeps the previous one until it is dropped; restore brings it back', async () => {
    const { store } = await open();
    const a = await store.add({ provider: 'openai', name: 'A', secret: KEY_A }, { choose: true });
    const rotated = await store.rotate(a.id, KEY_B, { organization: 'org-abcdef' });
    assert.notEqual(rotated.secretRev, a.secretRev);
    assert.equal(rotated.previousRev, a.secretRev);
    assert.equal(rotated.organization, 'org-abcdef');
    assert.equal(await store.secret(a.id), KEY_B);
    assert.equal(await store.previousSecret(a.id), KEY_A);

    const again = await store.rotate(a.id, KEY_C);
    assert.equal(again.previousRev, a.secretRev, 'the previous key stays the last one accepted, not the rejected one');
    const restored = await store.restorePrevious(a.id);
    assert.equal(await store.secret(a.id), KEY_A);
    assert.equal(restored.previousRev, undefined);

    const third = await store.rotate(a.id, KEY_B);
    await store.dropPrevious(a.id, third.secretRev);
    assert.equal(store.get(a.id)?.previousRev, undefined);
    assert.equal(await store.previousSecret(a.id), undefined);
  });

  it('a key Pieces OS does not use keeps no previous key when rotated', async () => {
    const { store } = await open();
    await store.add({ provider: 'openai', name: 'A', secret: KEY_A }, { choose: true });
    const b = await store.add({ provider: 'openai', name: 'B', secret: KEY_B });
    assert.equal((await store.rotate(b.id, KEY_C)).previousRev, undefined);
    const local = await store.add({ provider: 'anthropic', name: 'L', secret: 'sk-ant-FAKE-000000000000' });
    assert.equal((await store.rotate(local.id, 'sk-ant-FAKE-111111111111')).previousRev, undefined);
  });

  it('deleting the key Pieces OS uses moves the choice to the successor, then deletes the secrets and the record', async () => {
    const secrets = new MemorySecrets();
    const { store } = await open({ secrets });
    const a = await store.add({ provider: 'openai', name: 'A', secret: KEY_A }, { choose: true });
    const b = await store.add({ provider: 'openai', name: 'B', secret: KEY_B });
    await store.rotate(a.id, KEY_C); // keeps a previous secret too
    const result = await store.remove(a.id, { successor: b.id });
    assert.deepEqual(result, { secretDeleted: true });
    assert.equal(store.choice('openai')?.activeId, b.id);
    assert.equal(store.get(a.id), undefined);
    assert.deepEqual([...secrets.data.keys()].sort(), [secretName(b.id)]);
    await assert.rejects(store.rotate(a.id, KEY_A), KeyGoneError);
  });

  it('renames and changes the organization without touching the secret', async () => {
    const secrets = new MemorySecrets();
    const { store } = await open({ secrets });
    const a = await store.add({ provider: 'openai', name: 'A', secret: KEY_A, organization: 'org-abcdef' });
    const before = secrets.data.get(secretName(a.id));
    const renamed = await store.update(a.id, { name: 'Renamed', organization: '' });
    assert.equal(renamed.name, 'Renamed');
    assert.equal(renamed.organization, undefined);
    assert.equal(secrets.data.get(secretName(a.id)), before);
  });

  it('opening tells as soon as the records are read, every key listed, before the store lock is taken for the rest', async () => {
    const first = await open();
    for (let i = 0; i < 5; i++) await first.store.add({ provider: 'openai', name: `key-${i}`, secret: `${KEY_A}${i}` });
    first.close();
    const later = await open({ root: first.root, open: false });
    let listedWhenLoaded = -1;
    let lockTaken = false;
    const change = later.store.change.bind(later.store);
    later.store.change = (work) => {
      lockTaken = true;
      return change(work);
    };
    await later.bundle.open({
      onLoaded: () => {
        listedWhenLoaded = lockTaken ? -2 : later.store.list().length;
      },
    });
    assert.equal(listedWhenLoaded, 5, 'the keys could be shown before the lock, migration and recovery');
    assert.equal(lockTaken, true, 'and the rest of the open still ran');
  });

  it("two windows over one folder see each other's changes and lose no row when both add at once", async () => {
    const root = tempRoot();
    const backend = new SecretBackend();
    const one = await open({ root, secrets: backend.window(5), windowId: 'one' });
    const two = await open({ root, secrets: backend.window(5), windowId: 'two' });
    const adds = [];
    for (let i = 0; i < 20; i++) {
      adds.push(one.store.add({ provider: 'openai', name: `one-${i}`, secret: `${KEY_A}${i}` }));
      adds.push(two.store.add({ provider: 'openai', name: `two-${i}`, secret: `${KEY_B}${i}` }));
    }
    await Promise.all(adds);
    await until(() => one.store.list().length === 40 && two.store.list().length === 40);
    await two.store.update(one.store.list()[0]!.id, { name: 'renamed in two' });
    await until(() => one.store.list().some((k) => k.name === 'renamed in two'));
    const fresh = await open({ root, secrets: backend.window(0), windowId: 'three' });
    assert.equal(fresh.store.list().length, 40, 'every row is on disk');
  });

  it('skips records it cannot read (null, garbage, a newer version), reports them once, and never overwrites them', async () => {
    const root = tempRoot();
    const logs: string[] = [];
    const first = await open({ root });
    const good = await first.store.add({ provider: 'openai', name: 'Good', secret: KEY_A }, { choose: true });
    first.close();
    const records = path.join(root, 'records');
    writeFileSync(path.join(records, keyFile('nullrow')), 'null');
    writeFileSync(path.join(records, keyFile('garbage')), '{not json');
    writeFileSync(path.join(records, keyFile('future')), JSON.stringify({ v: 2, id: 'future', shape: 'unknown' }));
    const second = await open({ root, log: (m) => logs.push(m) });
    assert.deepEqual(
      second.store.list().map((k) => k.id),
      [good.id],
    );
    assert.equal(logs.filter((l) => l.startsWith('Skipped')).length, 3);
    assert.ok(logs.some((l) => l.includes('key-future.json') && l.includes('newer')));
    await second.store.add({ provider: 'openai', name: 'Another', secret: KEY_B });
    await second.store.rotate(good.id, KEY_C);
    assert.equal(readFileSync(path.join(records, keyFile('nullrow')), 'utf8'), 'null');
    assert.equal(readFileSync(path.join(records, keyFile('future')), 'utf8'), JSON.stringify({ v: 2, id: 'future', shape: 'unknown' }));
  });

  it('a store written by a newer version is read-only: it is listed, and every change refuses without writing', async () => {
    const root = tempRoot();
    const first = await open({ root });
    await first.store.add({ provider: 'openai', name: 'Kept', secret: KEY_A });
    first.close();
    writeFileSync(path.join(root, 'records', 'meta.json'), JSON.stringify({ v: 2 }));
    const before = folderText(root);
    const second = await open({ root });
    assert.match(second.store.readOnly ?? '', /newer version/);
    assert.deepEqual(
      second.store.list().map((k) => k.name),
      ['Kept'],
    );
    await assert.rejects(second.store.add({ provider: 'openai', name: 'New', secret: KEY_B }), ReadOnlyStoreError);
    await assert.rejects(second.store.remove(second.store.list()[0]!.id), ReadOnlyStoreError);
    assert.equal(folderText(root), before);
  });
});
