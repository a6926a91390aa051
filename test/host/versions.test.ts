// What the extension does differently by VS Code version, on the VS Code it runs in: the host tests run on the
// newest VS Code and on 1.90 (the oldest `engines.vscode` admits), so each branch below runs in `npm test`.
//
// SecretStorage.keys() exists from VS Code 1.106. With it, recovery deletes a secret of ours that no record
// names (an orphan); without it there is no way to find one, so the store must not depend on the listing:
// the orphan stays, and adding, reading and deleting keys work as on the newest VS Code.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestingApi } from '../../src/extension';
import { recover } from '../../src/core/store/recovery';
import { SECRET_PREFIX, wrapSecret } from '../../src/core/store/secretVault';
import { testingApi } from './support';

const ORPHAN = `${SECRET_PREFIX}00000000-0000-4000-8000-0000000000fe`;
// In this format (a revision and the key), as a crash between a key's secret and its record leaves it.
const ORPHAN_VALUE = wrapSecret('orphan-rev', 'sk-test-FAKE-orphan-000000000000000001');

/** Whether this VS Code is at least `major.minor`. */
function atLeast(major: number, minor: number): boolean {
  const [m = 0, n = 0] = vscode.version.split('.').map(Number);
  return m > major || (m === major && n >= minor);
}

describe(`VS Code ${vscode.version}: behaviour that depends on the version`, function () {
  this.timeout(30_000);
  let api: TestingApi;

  before(async () => {
    api = await testingApi();
    await api.ready;
  });
  afterEach(async () => {
    await api.secrets.delete(ORPHAN);
  });

  it('SecretStorage can list its keys exactly from 1.106', () => {
    const secrets = api.secrets as vscode.SecretStorage & { keys?: unknown };
    assert.equal(typeof secrets.keys === 'function', atLeast(1, 106), `VS Code ${vscode.version}`);
  });

  it(
    atLeast(1, 106)
      ? '1.106+: recovery deletes a secret that no record names'
      : 'below 1.106: recovery cannot list secrets, so it leaves an orphan alone',
    async () => {
      await api.secrets.store(ORPHAN, ORPHAN_VALUE);
      const report = await recover(api.store);
      const left = await api.secrets.get(ORPHAN);
      if (atLeast(1, 106)) {
        assert.equal(report.orphansDeleted, 1);
        assert.equal(left, undefined, 'the orphan is gone');
      } else {
        assert.equal(report.orphansDeleted, 0);
        assert.equal(left, ORPHAN_VALUE, 'the orphan is left alone');
        assert.equal(await api.store.vault.list(), undefined, 'no listing below 1.106');
      }
    },
  );
});
