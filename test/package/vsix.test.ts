import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { listZipEntries } from '../support/zip';

const root = resolve(__dirname, '../../..');

describe('the packaged VSIX', function () {
  this.timeout(120000);
  let folder: string;
  let entries: string[];

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'provider-keys-vsix-'));
    const vsix = join(folder, 'provider-keys.vsix');
    const output = execFileSync(process.execPath, [join(root, 'scripts/package.mjs'), '--out', vsix], { cwd: root, encoding: 'utf8' });
    for (const line of output.split('\n')) if (/^(VSIX|dist\/extension\.js)/.test(line)) console.log(`      ${line}`);
    entries = listZipEntries(vsix).filter((name) => name.startsWith('extension/')).map((name) => name.slice('extension/'.length));
  });

  after(() => rmSync(folder, { recursive: true, force: true }));

  it('holds only the bundle, media, manifest, strings and documents', () => {
    const allowed = /^(dist\/extension\.js|media\/[^/]+\.(png|svg)|package\.json|package\.nls\.json|readme\.md|changelog\.md|LICENSE\.txt)$/;
    const unexpected = entries.filter((name) => !allowed.test(name));
    assert.deepEqual(unexpected, []);
    for (const needed of ['dist/extension.js', 'package.json', 'package.nls.json', 'readme.md', 'changelog.md', 'LICENSE.txt', 'media/icon.png']) {
      assert.ok(entries.includes(needed), `missing ${needed}`);
    }
  });

  it('has no sources, tests, source maps or node_modules', () => {
    for (const name of entries) {
      assert.ok(!/(^|\/)(src|test|stand-in|scripts|node_modules|out)\//.test(name), name);
      assert.ok(!name.endsWith('.map') && !name.endsWith('.ts'), name);
    }
  });
});
