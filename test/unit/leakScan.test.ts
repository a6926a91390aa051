// The leak scanner on its own: it must find a canary in every encoding it claims, at the right
// offset, inside zip entries, and exclude exactly the values it is told to, nothing around them.
import * as assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPlanted, makeCanary, plant, plantNamed } from '../e2e/leakPlant';
import { type Canary, SHARED, WINDOW, base64Core, describeHit, needlesFor, scan, summarize } from '../e2e/leakScan';
import { buildLevelDbTable, isLevelDbTable, levelDbBlocks, snappyDecompress } from '../e2e/leveldb';

describe('leak scan', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'provider-keys-leak-scan-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('makes canaries with the public prefix, a marker and 40 random characters', () => {
    const a = makeCanary('sk-proj-');
    const b = makeCanary('sk-proj-');
    assert.match(a.value, /^sk-proj-CANARY[A-Za-z0-9]{40}$/);
    assert.notEqual(a.value, b.value);
  });

  it('looks for every 8-character window except those wholly inside the public prefix', () => {
    const canary: Canary = { value: 'sk-proj-0123456789', publicPrefix: 'sk-proj-' };
    const starts = new Set(
      needlesFor([canary])
        .filter((n) => n.encoding === 'plain')
        .map((n) => n.start),
    );
    assert.deepEqual(
      [...starts].sort((x, y) => x - y),
      [-1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    const plain = needlesFor([canary])
      .filter((n) => n.encoding === 'plain' && n.start >= 0)
      .map((n) => n.bytes.toString());
    assert.ok(!plain.includes('sk-proj-'), 'the public prefix alone is not a secret');
    assert.ok(plain.includes('k-proj-0'));
  });

  it('keeps a window that several canaries share once, as shared', () => {
    const a: Canary = { value: 'sk-proj-CANARYaaaaaaaa', publicPrefix: 'sk-proj-' };
    const b: Canary = { value: 'sk-proj-CANARYbbbbbbbb', publicPrefix: 'sk-proj-' };
    const plain = needlesFor([a, b]).filter((n) => n.encoding === 'plain');
    assert.equal(plain.find((n) => n.bytes.toString() === 'j-CANARY')?.canary, SHARED);
    assert.equal(plain.find((n) => n.bytes.toString() === 'ARYaaaaa')?.canary, 0);
    assert.equal(plain.find((n) => n.bytes.toString() === 'ARYbbbbb')?.canary, 1);
    assert.equal(plain.filter((n) => n.bytes.toString() === 'j-CANARY').length, 1);
  });

  it('base64 cores appear in the encoding of any stream that holds the window at that alignment', () => {
    const window = Buffer.from('Ab3dE6gH');
    for (let lead = 0; lead < 9; lead++) {
      for (let tail = 0; tail < 4; tail++) {
        const stream = Buffer.concat([Buffer.alloc(lead, 0x7a + lead), window, Buffer.alloc(tail, 0x21 + tail)]);
        const core = base64Core(window, lead % 3);
        assert.ok(core.length >= WINDOW, `core too short at alignment ${lead % 3}`);
        assert.ok(stream.toString('base64').includes(core), `lead ${lead}, tail ${tail}`);
      }
    }
  });

  it('finds a planted canary in every encoding, in zip entries and right after an excluded value, at the right offsets', () => {
    const canary = makeCanary('sk-proj-');
    const excluded = Buffer.from('ENCRYPTED-BLOB-0123456789abcdef');
    const places = ['a', 'b/c', 'd'].map((name) => ({ dir: join(folder, name), label: `root/${name}` }));
    const plantings = plant(canary, places, excluded);
    assert.ok(plantings.length >= 10);
    const report = scan({ roots: [{ label: 'root', path: folder }], canaries: [canary], exclude: [excluded] });
    assert.deepEqual(checkPlanted(plantings, report.hits, 0), []);
    const planted = new Set(plantings.map((p) => p.file));
    assert.deepEqual(
      report.hits.filter((hit) => !planted.has(hit.file)),
      [],
      'hits outside the planted files',
    );
    assert.deepEqual(report.unreadable, []);
    assert.ok(report.files >= plantings.length && report.bytes > 0);
  });

  it('finds nothing in clean files, and each of two canaries only where it is', () => {
    const [one, two] = [makeCanary('sk-proj-'), makeCanary('sk-ant-')] as const;
    writeFileSync(join(folder, 'clean.txt'), `sk-proj-… placeholder, sk-ant-, sk-proj-${'x'.repeat(40)}`);
    // Framed by characters no canary holds: a letter there could extend the window by chance (1 in 62).
    writeFileSync(join(folder, 'two.txt'), `#${two.value.slice(10, 10 + WINDOW)}#`);
    const report = scan({ roots: [{ label: 'r', path: folder }], canaries: [one, two] });
    assert.deepEqual(
      report.hits.map((hit) => [hit.file, hit.canary, hit.start, hit.offset, hit.encoding]),
      [['r/two.txt', 1, 10, 1, 'plain']],
    );
  });

  it('excludes a hit only when it lies wholly inside an excluded value', () => {
    const canary = makeCanary('sk-proj-');
    const inside = Buffer.from(`[${canary.value}]`);
    writeFileSync(join(folder, 'store.bin'), Buffer.concat([inside, Buffer.from(canary.value.slice(20, 28))]));
    const report = scan({ roots: [{ label: 'r', path: folder }], canaries: [canary], exclude: [inside] });
    assert.ok(report.excluded > 0);
    assert.deepEqual(
      report.hits.map((hit) => [hit.offset, hit.start]),
      [[inside.length, 20]],
    );

    // A value that ends inside the canary: every window that reaches past its end is a hit.
    const cut = 30;
    const partial = Buffer.from(`[${canary.value.slice(0, cut)}`);
    writeFileSync(join(folder, 'store.bin'), Buffer.concat([partial, Buffer.from(canary.value.slice(cut))]));
    const again = scan({ roots: [{ label: 'r', path: folder }], canaries: [canary], exclude: [partial] });
    const starts = again.hits.filter((hit) => hit.encoding === 'plain').map((hit) => hit.start);
    const expected = [-1];
    for (let start = cut - WINDOW + 1; start + WINDOW <= canary.value.length; start++) expected.push(start);
    assert.deepEqual(
      starts.sort((x, y) => x - y),
      expected,
    );
  });

  it('skips a file named by its path, and only it: a file of the same name elsewhere is searched', () => {
    const canary = makeCanary('sk-proj-');
    mkdirSync(join(folder, 'workspace'));
    const dotenv = join(folder, 'workspace', '.env');
    writeFileSync(dotenv, `OPENAI_API_KEY=${canary.value}\n`);
    const planting = plantNamed(canary, { dir: join(folder, 'workspace', 'sub'), label: 'r/workspace/sub' }, '.env');
    // The path as given may be spelled differently (`..`); it is compared resolved.
    const report = scan({
      roots: [{ label: 'r', path: folder }],
      canaries: [canary],
      skipFiles: [join(folder, 'workspace', 'sub', '..', '.env')],
    });
    assert.deepEqual(report.skipped, [{ file: 'r/workspace/.env', bytes: `OPENAI_API_KEY=${canary.value}\n`.length }]);
    assert.deepEqual(checkPlanted([planting], report.hits, 0), []);
    assert.deepEqual([...new Set(report.hits.map((hit) => hit.file))], ['r/workspace/sub/.env']);
    assert.ok(!report.listing.some((entry) => entry.file === 'r/workspace/.env'), 'the skipped file is listed as searched');

    const unskipped = scan({ roots: [{ label: 'r', path: folder }], canaries: [canary] });
    assert.ok(
      unskipped.hits.some((hit) => hit.file === 'r/workspace/.env'),
      'without the skip the key in .env is found',
    );
  });

  it('reports hits without the bytes that matched', () => {
    const canary = makeCanary('sk-proj-');
    mkdirSync(join(folder, 'logs'));
    writeFileSync(join(folder, 'logs', 'x.log'), `key=${canary.value}\n${Buffer.from(canary.value).toString('base64')}`);
    const report = scan({ roots: [{ label: 'r', path: folder }], canaries: [canary] });
    assert.ok(report.hits.length > 0);
    const text = [...report.hits.map((hit) => describeHit(hit, ['the canary'])), ...summarize(report.hits, ['the canary'])].join('\n');
    assert.match(text, /r\/logs\/x\.log @ 4: the whole of the canary \(plain\)/);
    assert.match(text, /\(base64@0\), \d+ matches, the whole key/);
    const secret = canary.value.slice(canary.publicPrefix.length);
    for (let i = 0; i + 5 <= secret.length; i++) assert.ok(!text.includes(secret.slice(i, i + 5)), 'the report shows key bytes');
  });
});

describe('leak scan: LevelDB tables', () => {
  it('decompresses Snappy literals and copies, overlapping runs included', () => {
    // "abcabcabcX": literal "abc", copy 6 bytes from offset 3 (overlapping), literal "X".
    const stream = Buffer.from([10, (3 - 1) << 2, 0x61, 0x62, 0x63, 0x01 | ((6 - 4) << 2), 3, (1 - 1) << 2, 0x58]);
    assert.equal(snappyDecompress(stream).toString(), 'abcabcabcX');
    assert.throws(() => snappyDecompress(Buffer.from([4, 0x01, 9])), /copy out of range/);
  });

  it('finds a canary that only a decompressed block holds whole', () => {
    const folder = mkdtempSync(join(tmpdir(), 'provider-keys-leak-ldb-'));
    try {
      const canary = makeCanary('sk-proj-');
      const middle = canary.value.slice(20, 28);
      const before = Buffer.from(`zz${middle}zz`);
      const head = Buffer.from(canary.value.slice(0, 20));
      const tail = Buffer.from(canary.value.slice(28));
      // Snappy: literal(before), literal(head), copy(8 bytes of `middle` from `before`), literal(tail).
      const literal = (bytes: Buffer): Buffer => Buffer.concat([Buffer.from([(bytes.length - 1) << 2]), bytes]);
      const distance = before.length + head.length - 2;
      const snappy = Buffer.concat([
        Buffer.from([before.length + head.length + 8 + tail.length]),
        literal(before),
        literal(head),
        Buffer.from([0x01 | ((8 - 4) << 2), distance]),
        literal(tail),
      ]);
      const table = buildLevelDbTable([{ contents: Buffer.from('plain block, nothing here') }, { contents: Buffer.alloc(0), snappy }]);
      assert.ok(isLevelDbTable(table));
      assert.equal(levelDbBlocks(table)[1]?.contents.toString(), `${before.toString()}${canary.value}`);
      assert.ok(!table.includes(Buffer.from(canary.value)), 'the raw file holds the canary whole: the test proves nothing');
      writeFileSync(join(folder, '000005.ldb'), table);
      const report = scan({ roots: [{ label: 'db', path: folder }], canaries: [canary] });
      const whole = report.hits.filter((hit) => hit.start === -1 && hit.encoding === 'plain').map((hit) => hit.file);
      assert.deepEqual(whole, [`db/000005.ldb#block@${levelDbBlocks(table)[1]?.offset}`]);
      assert.deepEqual(report.unreadable, []);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('counts a table it cannot decode as unreadable, so the scan fails rather than passes', () => {
    const folder = mkdtempSync(join(tmpdir(), 'provider-keys-leak-ldb-'));
    try {
      const table = buildLevelDbTable([{ contents: Buffer.alloc(0), snappy: Buffer.from([50, 0x01, 9]) }]);
      writeFileSync(join(folder, '000007.ldb'), table);
      const report = scan({ roots: [{ label: 'db', path: folder }], canaries: [makeCanary('sk-proj-')] });
      assert.equal(report.unreadable.length, 1);
      assert.match(report.unreadable[0] ?? '', /000007\.ldb \(LevelDB table: snappy/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
