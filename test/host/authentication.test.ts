// Provider Keys as VS Code's authentication provider `provider-keys`, in a real VS Code (the newest and 1.90):
// VS Code asks it for the provider a request names, and gives nothing to an extension the user has not
// allowed (this one included); every add, rotation, rename and delete reaches every extension through VS
// Code's onDidChangeSessions; providerKeys.shareWithExtensions unregisters it at once and registers it again.
// VS Code's own consent dialog and account picker are answered through the UI by the end-to-end run.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { AUTH_PROVIDER, CONFIG_SECTION, Commands, Settings } from '../../src/constants';
import type { TestingApi } from '../../src/extension';
import type { StandIn } from '../../stand-in/server';
import { addOpenAI, runScripted, setSetting, useStandIn } from './support';

const KEY = 'sk-test-FAKE-auth-00000000000000000001';
const ROTATED = 'sk-test-FAKE-auth-00000000000000000002';

let api: TestingApi;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The scopes VS Code asks our provider for while `work` runs (the provider's getSessions, wrapped). */
async function askedWhile(work: () => Thenable<unknown>): Promise<Array<readonly string[] | undefined>> {
  const asked: Array<readonly string[] | undefined> = [];
  const sessions = api.sessions;
  const original = sessions.getSessions;
  sessions.getSessions = (scopes) => {
    asked.push(scopes);
    return original.call(sessions, scopes);
  };
  try {
    await work();
  } finally {
    sessions.getSessions = original;
  }
  return asked;
}

describe('authentication provider for other extensions (provider-keys)', function () {
  this.timeout(60_000);
  useStandIn((a: TestingApi, _s: StandIn) => {
    api = a;
  });

  it('is registered: VS Code asks it for the provider a request names, and gives nothing to an extension the user has not allowed', async () => {
    await runScripted(api, Commands.addKey, addOpenAI('Personal', KEY));
    assert.equal(api.sharing.on, true);
    let session: vscode.AuthenticationSession | undefined;
    const asked = await askedWhile(async () => {
      session = await vscode.authentication.getSession(AUTH_PROVIDER.id, ['openai'], { silent: true });
    });
    assert.deepEqual(
      asked.map((scopes) => scopes && [...scopes]),
      [['openai']],
    );
    // Consent is per extension, and this one never got it: the provider's own extension is asked like any other.
    assert.equal(session, undefined);
  });

  it("reaches every extension through VS Code's onDidChangeSessions on add, rotate, rename and delete", async () => {
    const seen: string[] = [];
    const listener = vscode.authentication.onDidChangeSessions((event) => seen.push(event.provider.id));
    const ours = (): number => seen.filter((id) => id === AUTH_PROVIDER.id).length;
    try {
      await runScripted(api, Commands.addKey, addOpenAI('Personal', KEY));
      await until(() => ours() >= 1, 'the add');
      const [record] = api.store.list();
      assert.ok(record);
      let before = ours();
      await runScripted(api, Commands.updateKey, [{ input: ROTATED }, { input: '' }], record.id);
      await until(() => ours() > before, 'the rotation');
      before = ours();
      await runScripted(api, Commands.renameKey, [{ input: 'Home' }], record.id);
      await until(() => ours() > before, 'the rename');
      before = ours();
      await runScripted(api, Commands.deleteKey, [{ confirm: true }], record.id);
      await until(() => ours() > before, 'the delete');
      assert.equal(seen.filter((id) => id !== AUTH_PROVIDER.id).length, 0);
    } finally {
      listener.dispose();
    }
  });

  it('providerKeys.shareWithExtensions off: nothing is registered, at once; on again: VS Code asks it again, without a reload', async () => {
    try {
      await setSetting(Settings.shareWithExtensions, false);
      assert.equal(api.sharing.on, false);
      // VS Code waits 5 s for a declared provider to register, then gives up: our sessions are never asked.
      const asked = await askedWhile(() =>
        assert.rejects(Promise.resolve(vscode.authentication.getSession(AUTH_PROVIDER.id, ['openai'], { silent: true })), /register/),
      );
      assert.deepEqual(asked, []);
      await setSetting(Settings.shareWithExtensions, true);
      assert.equal(api.sharing.on, true);
      const askedAgain = await askedWhile(() => vscode.authentication.getSession(AUTH_PROVIDER.id, ['anthropic'], { silent: true }));
      // The Accounts menu lists the accounts again too (no scopes): only the request names a provider.
      assert.deepEqual(
        askedAgain.filter((scopes) => scopes !== undefined).map((scopes) => [...scopes]),
        [['anthropic']],
      );
    } finally {
      // Back to the default (on); the value does not change, so VS Code may not announce it.
      await vscode.workspace
        .getConfiguration(CONFIG_SECTION)
        .update(Settings.shareWithExtensions, undefined, vscode.ConfigurationTarget.Global);
    }
    assert.equal(api.sharing.on, true);
  });
});
