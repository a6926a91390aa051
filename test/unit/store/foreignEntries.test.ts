// Entries in the store's folders that the store did not write, with names close to its own: a
// generation number with leading zeros or of extreme length, a folder or a link where a file belongs,
// a file where a folder belongs. None of them may wedge the lock, the sender lease or the records;
// none is parsed or followed; what sits where the store must write is moved aside, never deleted.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GenerationLock } from '../../../src/core/store/lock';
import { StoreMutex } from '../../../src/core/store/mutex';
import { ForeignEntryError } from '../../../src/core/store/ownEntries';
import { FsRecordFolder, MAX_RECORD_BYTES } from '../../../src/core/store/recordFolder';
import { secretName, wrapSecret } from '../../../src/core/store/secretVault';
import { SyncEngine } from '../../../src/core/sync/engine';
import { FakeService } from '../../support/fakeService';
import { MemorySecrets } from '../../support/memoryStorage';
import { openTempStore, removeRoot, tempRoot } from '../../support/tempStore';

const TTL = 20_000;
const KEY = 'sk-test-FAKE-foreign-000000000000000001';
const FAKE_ID = '0f0f0f0f-0000-4000-8000-00000000f00d';

/** A key record as the store writes it, for a link to point at: it must never be listed. */
const lookalike = (id: string, name: string): string =>
  JSON.stringify({
    v: 1,
    id,
    provider: 'openai',
    name,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    secretRev: 'abc',
  });

describe('entries the store did not write', () => {
  let root: string;
  let outside: string;
  let now: number;
  const logs: string[] = [];
  const lockDir = (): string => path.join(root, 'lock');
  const lock = (holder: string, ttl = TTL): GenerationLock =>
    new GenerationLock(lockDir(), holder, ttl, () => now, { base: root, onForeign: (entry) => logs.push(`foreign ${entry}`) });
  const plant = (name: string, content: string): void => {
    mkdirSync(lockDir(), { recursive: true });
    writeFileSync(path.join(lockDir(), name), content);
  };

  beforeEach(() => {
    root = tempRoot();
    outside = tempRoot();
    now = 1_000_000;
    logs.length = 0;
  });
  afterEach(() => {
    removeRoot(root);
    removeRoot(outside);
  });

  describe('the lock (store lock and sender lease)', () => {
    it("a folder, a link or a dangling link at the next generation's name is moved aside; the lock is taken at once", async () => {
      const a = lock('a');
      assert.equal(await a.acquire(), true); // generation 1
      mkdirSync(path.join(lockDir(), '2.json', 'inside'), { recursive: true });
      writeFileSync(path.join(outside, 'target.json'), JSON.stringify({ holder: 'x', expires: now + TTL }));
      symlinkSync(path.join(outside, 'target.json'), path.join(lockDir(), '3.json'));
      symlinkSync(path.join(outside, 'nowhere'), path.join(lockDir(), '4.json'));
      await a.release();
      const b = lock('b');
      assert.equal(await b.acquire(), true, 'past the folder');
      await b.release();
      assert.equal(await a.acquire(), true, 'past the link (not read: its target would say a live holder)');
      await a.release();
      assert.equal(await b.acquire(), true, 'past the dangling link');
      const moved = readdirSync(lockDir()).filter((name) => name.endsWith('.moved'));
      assert.equal(moved.length, 3, `moved aside: ${moved.join(', ')}`);
      assert.ok(
        existsSync(
          path.join(
            lockDir(),
            moved.find((name) => name.startsWith('.2.json'))!,
            'inside',
          ),
        ),
        'the folder is kept whole',
      );
      assert.equal(
        readFileSync(path.join(outside, 'target.json'), 'utf8'),
        JSON.stringify({ holder: 'x', expires: now + TTL }),
        'the link was not followed',
      );
    });

    it('leading zeros and extreme lengths are not generations: never read, never in the way', async () => {
      const live = JSON.stringify({ holder: 'stranger', expires: now + TTL });
      plant('007.json', live);
      plant(`${'0'.repeat(30)}9.json`, live);
      plant(`${'9'.repeat(16)}.json`, live);
      plant(`${'8'.repeat(200)}.json`, live);
      mkdirSync(path.join(lockDir(), `${'0'.repeat(12)}5.json`));
      const a = lock('a');
      assert.equal(await a.acquire(), true);
      await a.release();
      assert.equal(await a.acquire(), true);
      assert.equal(logs.length, 5, `each reported once:\n${logs.join('\n')}`);
      await a.release();
      assert.equal(await lock('b').acquire(), true);
      for (const name of ['007.json', `${'9'.repeat(16)}.json`, `${'8'.repeat(200)}.json`]) {
        assert.ok(existsSync(path.join(lockDir(), name)), `${name.slice(0, 20)} is left alone`);
      }
      assert.ok(logs.some((line) => line.startsWith('foreign 007.json')));
    });

    it('the largest generation (15 nines) does not stop the lock: it is moved aside', async () => {
      plant(`${'9'.repeat(15)}.json`, '{garbage');
      const a = lock('a');
      const b = lock('b');
      const take = async (who: GenerationLock): Promise<boolean> => (await who.acquire()) || who.acquire();
      assert.equal(await take(a), true);
      await a.release();
      assert.equal(await take(b), true, 'released, then taken by another');
      await b.release();
      assert.equal(await take(a), true);
    });

    it('a file that is not a generation, above a live holder, does not hand the lock to another', async () => {
      const a = lock('a');
      assert.equal(await a.acquire(), true);
      plant('2.json', '{not a generation');
      plant('3.json', 'x'.repeat(100_000));
      assert.equal(await lock('b').acquire(), false, 'a still holds it');
      assert.equal(await a.holds(), true);
      assert.equal(await a.acquire(), true, 'a renews it, past the strangers');
      now += TTL + 1;
      assert.equal(await lock('b').acquire(), true, 'and it expires as usual');
    });

    it('a file or a link where the lock folder belongs is moved aside; nothing behind a link is touched', async () => {
      writeFileSync(lockDir(), 'not a folder');
      assert.equal(await lock('a').acquire(), true);
      removeRoot(root);
      root = tempRoot();
      mkdirSync(path.join(outside, 'theirs'));
      for (let gen = 1; gen <= 5; gen++) writeFileSync(path.join(outside, 'theirs', `${gen}.json`), `their file ${gen}`);
      symlinkSync(path.join(outside, 'theirs'), lockDir());
      const a = lock('a');
      for (let i = 0; i < 4; i++) assert.equal(await a.acquire(), true);
      assert.deepEqual(
        readdirSync(path.join(outside, 'theirs')).sort(),
        ['1.json', '2.json', '3.json', '4.json', '5.json'],
        'their files are not collected',
      );
      assert.ok(readdirSync(root).some((name) => name.startsWith('.lock.') && name.endsWith('.moved')));
    });

    it('the store mutex gets through a folder in the way without waiting for the TTL', async () => {
      const holder = new GenerationLock(lockDir(), 'me', 10_000, () => Date.now(), { base: root });
      const mutex = new StoreMutex(holder);
      await mutex.run(async () => undefined); // generations 1 (taken) and 2 (released)
      mkdirSync(path.join(lockDir(), '3.json'));
      const started = Date.now();
      assert.equal(await mutex.run(async () => 'done'), 'done');
      assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    });
  });

  describe('the records', () => {
    it("folders at the choice's and the sync record's names are moved aside, with what is in them; the key is chosen and sent", async () => {
      const temp = await openTempStore({ log: (line) => logs.push(line) });
      root = temp.root;
      try {
        for (const name of ['choice-openai.json', 'sent-openai.json']) {
          mkdirSync(path.join(root, 'records', name, 'theirs'), { recursive: true });
          writeFileSync(path.join(root, 'records', name, 'theirs', 'file.txt'), 'kept');
        }
        await temp.store.refresh();
        const key = await temp.store.add({ provider: 'openai', name: 'Work', secret: KEY }, { choose: true });
        const service = new FakeService();
        const engine = new SyncEngine({ store: temp.store, service });
        await engine.drain();
        engine.dispose();
        assert.equal(temp.store.activeKey('openai')?.id, key.id);
        assert.equal(service.state('openai')?.apiKey, KEY);
        const moved = readdirSync(path.join(root, 'records')).filter((name) => name.endsWith('.moved'));
        assert.equal(moved.length, 2);
        for (const name of moved) assert.equal(readFileSync(path.join(root, 'records', name, 'theirs', 'file.txt'), 'utf8'), 'kept');
      } finally {
        temp.close();
      }
    });

    it("a link at a record's name is never followed: its key does not appear, and its secret is kept", async () => {
      const secrets = new MemorySecrets();
      await secrets.store(secretName(FAKE_ID), wrapSecret('abc', KEY));
      mkdirSync(path.join(root, 'records'), { recursive: true });
      writeFileSync(path.join(outside, 'record.json'), lookalike(FAKE_ID, 'Planted'));
      symlinkSync(path.join(outside, 'record.json'), path.join(root, 'records', `key-${FAKE_ID}.json`));
      const temp = await openTempStore({ root, secrets, log: (line) => logs.push(line) });
      try {
        assert.deepEqual(temp.store.list(), [], 'the record behind the link is not read');
        assert.equal(temp.store.isSkipped(FAKE_ID), true, 'its id stays taken');
        assert.ok(secrets.data.has(secretName(FAKE_ID)), 'its secret is not collected as an orphan');
        assert.equal(
          logs.filter((line) => line.includes(`key-${FAKE_ID}.json`) && line.includes('not a file the store wrote')).length,
          1,
          logs.join('\n'),
        );
        await temp.store.refresh();
        assert.equal(logs.filter((line) => line.includes(`key-${FAKE_ID}.json`)).length, 1, 'reported once');
      } finally {
        temp.close();
      }
    });

    it('reading many records at once (the open) answers as reading each does, for every kind of entry', async () => {
      const dir = path.join(root, 'records');
      mkdirSync(path.join(dir, `key-${FAKE_ID.replace('f00d', 'f01d')}.json`), { recursive: true }); // a folder
      writeFileSync(path.join(dir, `key-${FAKE_ID}.json`), lookalike(FAKE_ID, 'Ours'));
      writeFileSync(path.join(outside, 'record.json'), lookalike(FAKE_ID, 'Planted'));
      symlinkSync(path.join(outside, 'record.json'), path.join(dir, `key-${FAKE_ID.replace('f00d', 'f02d')}.json`));
      symlinkSync(path.join(outside, 'missing.json'), path.join(dir, `key-${FAKE_ID.replace('f00d', 'f03d')}.json`));
      writeFileSync(path.join(dir, `key-${FAKE_ID.replace('f00d', 'f04d')}.json`), 'x'.repeat(MAX_RECORD_BYTES + 1));
      writeFileSync(path.join(dir, `key-${FAKE_ID.replace('f00d', 'f05d')}.json`), '');
      if (process.platform !== 'win32') execFileSync('mkfifo', [path.join(dir, `key-${FAKE_ID.replace('f00d', 'f06d')}.json`)]);
      const folder = new FsRecordFolder(dir, { base: root });
      const names = [...(await folder.list()), `key-${FAKE_ID.replace('f00d', 'f07d')}.json`]; // the last: nothing there
      const each = await Promise.all(
        names.map((name) =>
          folder.read(name).then(
            (text) => text,
            (error: unknown) => error as Error,
          ),
        ),
      );
      const many = await folder.readMany(names);
      const shape = (answer: string | undefined | Error): string =>
        answer instanceof Error ? `${answer.name}: ${answer.message}` : answer === undefined ? 'nothing' : `text ${answer}`;
      assert.deepEqual(many.map(shape), each.map(shape));
      assert.ok(each.filter((answer) => answer instanceof ForeignEntryError).length >= 4, each.map(shape).join('\n'));
      assert.deepEqual(
        many.filter((answer) => typeof answer === 'string'),
        [lookalike(FAKE_ID, 'Ours'), ''],
      );
    });

    it('a file too large to be a record is not read', async () => {
      mkdirSync(path.join(root, 'records'), { recursive: true });
      writeFileSync(
        path.join(root, 'records', `key-${FAKE_ID}.json`),
        `${lookalike(FAKE_ID, 'Planted').slice(0, -1)},"pad":"${'x'.repeat(200_000)}"}`,
      );
      const temp = await openTempStore({ root, log: (line) => logs.push(line) });
      try {
        assert.deepEqual(temp.store.list(), []);
        assert.ok(
          logs.some((line) => line.includes('not a file the store wrote')),
          logs.join('\n'),
        );
      } finally {
        temp.close();
      }
    });

    it('a folder at meta.json, and strangers in every folder, do not stop the store from opening', async () => {
      mkdirSync(path.join(root, 'records', 'meta.json'), { recursive: true });
      mkdirSync(path.join(root, 'locks', 'store', `${'0'.repeat(3)}1.json`), { recursive: true });
      writeFileSync(path.join(root, 'records', 'sk-test-FAKE-foreign-000000000000000001.json'), '{}');
      writeFileSync(path.join(root, 'locks', 'sender'), 'a file where a folder belongs');
      const temp = await openTempStore({ root, log: (line) => logs.push(line) });
      try {
        await temp.store.add({ provider: 'openai', name: 'Work', secret: KEY }, { choose: true });
        assert.equal(await temp.bundle.lease.acquire(), true);
        assert.equal(temp.store.list().length, 1);
        assert.ok(!logs.join('\n').includes('FAKE-foreign'), `a name that holds a key is not logged as it is:\n${logs.join('\n')}`);
      } finally {
        temp.close();
      }
    });
  });
});
