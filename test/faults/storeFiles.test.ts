// What SECURITY.md says about the store's files: owner-only record files, and no key bytes in any file.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { type TempStore, openTempStore, removeRoot } from '../support/tempStore';

const KEY_A = 'sk-test-FAKE-storefiles-0000000000000001';
const KEY_B = 'sk-test-FAKE-storefiles-0000000000000002';
const KEY_C = 'sk-ant-FAKE-storefiles-000000000000003';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? files(full) : [full];
  });
}

describe("the store's files (SECURITY.md)", () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await openTempStore();
    const a = await temp.store.add(
      { provider: 'openai', name: 'Personal', secret: KEY_A, organization: 'org-FAKEfiles1' },
      { choose: true },
    );
    await temp.store.add({ provider: 'anthropic', name: 'Work', secret: KEY_C });
    await temp.store.rotate(a.id, KEY_B);
  });
  afterEach(() => {
    temp.close();
    removeRoot(temp.root);
  });

  it('record files are readable and writable by their owner only (0600)', function () {
    if (process.platform === 'win32') this.skip(); // POSIX modes; on Windows the profile folder's ACL applies
    const records = files(path.join(temp.root, 'records'));
    assert.ok(records.length >= 4, `records: ${records.map((f) => path.basename(f)).join(', ')}`);
    for (const file of records) assert.equal((statSync(file).mode & 0o777).toString(8), '600', path.basename(file));
  });

  it('no file of the store holds 8 characters of a key', () => {
    const text = files(temp.root)
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    assert.ok(text.includes('"name":"Personal"'), 'the records were read');
    for (const key of [KEY_A, KEY_B, KEY_C]) {
      for (let i = 0; i + 8 <= key.length; i++) {
        assert.ok(!text.includes(key.slice(i, i + 8)), `"${key.slice(i, i + 8)}" is in a store file`);
      }
    }
  });
});
