// The keys as sessions of VS Code's authentication provider `provider-keys` (src/flows/keySessions.ts),
// under plain mocha over a real store: one session per key, its scope and account; key bytes only for a
// request that names one provider; a change event for every add, rotation, rename and delete (here and in
// another window); Add Key behind createSession, the sign-out question behind removeSession; the setting.
import * as assert from 'node:assert/strict';
import type { ProviderId } from '../../../src/core/providers/catalogue';
import type { KeyRecord } from '../../../src/core/store/keyStore';
import { type KeySession, KeySessions, type SessionsChange, Toggle, accountLabel } from '../../../src/flows/keySessions';
import { SecretBackend, type WindowSecrets } from '../../support/memoryStorage';
import { type TempStore, openTempStore, removeRoot, tempRoot } from '../../support/tempStore';

const OPENAI_1 = 'sk-test-FAKE-sessions-00000000000000001';
const OPENAI_2 = 'sk-test-FAKE-sessions-00000000000000002';
const OPENAI_3 = 'sk-test-FAKE-sessions-00000000000000003';
const ANTHROPIC = 'sk-ant-test-FAKE-sessions-000000000000004';

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A change event as "+Personal (OpenAI)", "-…", "~…" (added, removed, changed), with whether it held a key. */
const describeChange = (change: SessionsChange): string[] => [
  ...(change.removed ?? []).map((s) => `-${s.account.label}`),
  ...(change.added ?? []).map((s) => `+${s.account.label}`),
  ...(change.changed ?? []).map((s) => `~${s.account.label}`),
];
const tokens = (change: SessionsChange): string[] =>
  [...(change.added ?? []), ...(change.removed ?? []), ...(change.changed ?? [])].map((s) => s.accessToken);
const labels = (sessions: readonly KeySession[]): string[] => sessions.map((s) => s.account.label);

/** A window whose copy of SecretStorage receives other windows' writes only on `release()`. */
function heldWindow(backend: SecretBackend): WindowSecrets & { release(): void } {
  const window = backend.window();
  const held: Array<[string, string | undefined]> = [];
  const deliver = window.deliver.bind(window);
  window.deliver = (key, value) => void held.push([key, value]);
  return Object.assign(window, { release: () => held.splice(0).forEach(([key, value]) => deliver(key, value)) });
}

interface World {
  temp: TempStore;
  sessions: KeySessions;
  changes: SessionsChange[];
  reads: string[];
  added: ProviderId[];
  signedOut: string[];
  logs: string[];
}

describe('the keys as sessions for other extensions (authentication provider)', () => {
  const worlds: World[] = [];
  const backends: WindowSecrets[] = [];

  /** A window: a store over `root` (a new one by default), its sessions, and what they did. */
  async function world(
    options: {
      root?: string;
      secrets?: WindowSecrets;
      addKey?: (w: World, provider: ProviderId) => Promise<KeyRecord | undefined>;
      keep?: boolean;
    } = {},
  ): Promise<World> {
    const temp = await openTempStore({
      ...(options.root ? { root: options.root } : {}),
      ...(options.secrets ? { secrets: options.secrets } : {}),
    });
    const w = { temp, changes: [], reads: [], added: [], signedOut: [], logs: [] } as unknown as World;
    // Counts the key reads: a listing must read none.
    const store = temp.store;
    const secret = store.secret.bind(store);
    const counted = Object.assign(Object.create(store) as typeof store, {
      secret: (id: string) => {
        w.reads.push(id);
        return secret(id);
      },
    });
    w.sessions = new KeySessions({
      store: counted,
      ready: Promise.resolve(),
      addKey: async (provider) => {
        w.added.push(provider);
        return options.addKey?.(w, provider);
      },
      signOut: async (id) => {
        w.signedOut.push(id);
        if (options.keep) return false;
        await store.remove(id);
        return true;
      },
      log: (message) => w.logs.push(message),
    });
    w.sessions.onDidChangeSessions((change) => w.changes.push(change));
    await Promise.resolve(); // the first look at the store, once it is open
    worlds.push(w);
    return w;
  }

  afterEach(() => {
    for (const w of worlds.splice(0)) {
      w.sessions.dispose();
      w.temp.close();
      removeRoot(w.temp.root);
    }
    for (const secrets of backends.splice(0)) secrets.close();
  });

  it('lists one session per key, the provider id its only scope, "name (Provider)" its account; a listing reads no key', async () => {
    const w = await world();
    const personal = await w.temp.store.add({ provider: 'openai', name: 'Personal', secret: OPENAI_1 }, { choose: true });
    await w.temp.store.add({ provider: 'openai', name: 'Work', secret: OPENAI_2 });
    const claude = await w.temp.store.add({ provider: 'anthropic', name: 'Personal', secret: ANTHROPIC });
    const all = await w.sessions.getSessions(undefined);
    assert.deepEqual(labels(all), ['Personal (OpenAI)', 'Work (OpenAI)', 'Personal (Anthropic)']);
    assert.deepEqual(
      all.map((s) => s.scopes),
      [['openai'], ['openai'], ['anthropic']],
    );
    assert.deepEqual(all[0], {
      id: personal.id,
      accessToken: '',
      account: { id: personal.id, label: 'Personal (OpenAI)' },
      scopes: ['openai'],
    });
    assert.equal(all[2]?.id, claude.id);
    assert.deepEqual(labels(await w.sessions.getSessions([])), labels(all), 'no scope is a listing too');
    assert.deepEqual(w.reads, [], 'the Accounts menu lists every account when the window starts: no key is read for it');
  });

  it("gives a request for one provider that provider's keys, with their bytes; nothing for several, unknown or other scopes", async () => {
    const w = await world();
    await w.temp.store.add({ provider: 'openai', name: 'Personal', secret: OPENAI_1 });
    await w.temp.store.add({ provider: 'openai', name: 'Work', secret: OPENAI_2 });
    await w.temp.store.add({ provider: 'anthropic', name: 'Personal', secret: ANTHROPIC });
    const openai = await w.sessions.getSessions(['openai']);
    assert.deepEqual(labels(openai), ['Personal (OpenAI)', 'Work (OpenAI)']);
    assert.deepEqual(
      openai.map((s) => s.accessToken),
      [OPENAI_1, OPENAI_2],
    );
    assert.deepEqual(
      (await w.sessions.getSessions(['anthropic'])).map((s) => s.accessToken),
      [ANTHROPIC],
    );
    assert.deepEqual(await w.sessions.getSessions(['google']), [], 'a provider with no key');
    assert.deepEqual(await w.sessions.getSessions(['openai', 'anthropic']), []);
    assert.deepEqual(await w.sessions.getSessions(['repo']), []);
    assert.deepEqual(await w.sessions.getSessions(['openai', 'openai']).then(labels), ['Personal (OpenAI)', 'Work (OpenAI)']);
  });

  it('keeps keys of the same name apart across providers: VS Code keeps consent per account label', () => {
    assert.notEqual(accountLabel({ name: 'Personal', provider: 'openai' }), accountLabel({ name: 'Personal', provider: 'anthropic' }));
    assert.equal(accountLabel({ name: 'Work', provider: 'google' }), 'Work (Google Gemini)');
  });

  it('fires one change for every add, rotation, rename and delete, with no key in it; none for what Pieces OS holds', async () => {
    const w = await world();
    const store = w.temp.store;
    const personal = await store.add({ provider: 'openai', name: 'Personal', secret: OPENAI_1 }, { choose: true });
    await until(() => w.changes.length === 1, 'the add');
    await store.rotate(personal.id, OPENAI_2);
    await until(() => w.changes.length === 2, 'the rotation');
    await store.update(personal.id, { name: 'Home' });
    await until(() => w.changes.length === 3, 'the rename');
    // Which key Pieces OS uses and what it holds are not sessions.
    await store.setChoice('openai', undefined);
    await store.writeSent('openai', (sent) => ({ ...sent, holds: 'none' }));
    await store.remove(personal.id);
    await until(() => w.changes.length === 4, 'the delete');
    assert.deepEqual(w.changes.map(describeChange), [
      ['+Personal (OpenAI)'],
      ['~Personal (OpenAI)'],
      // VS Code lists accounts by label: a renamed key is a new account, and the old one goes.
      ['-Personal (OpenAI)', '+Home (OpenAI)'],
      ['-Home (OpenAI)'],
    ]);
    assert.ok(
      w.changes.flatMap(tokens).every((token) => token === ''),
      'change events carry no key',
    );
    assert.ok(
      w.changes.flatMap((c) => [...(c.added ?? []), ...(c.removed ?? []), ...(c.changed ?? [])]).every((s) => s.id === personal.id),
    );
    assert.deepEqual(w.reads, []);
  });

  it("announces another window's changes, and a rotated key again once its bytes reach this window", async () => {
    const backend = new SecretBackend();
    const here = backend.window();
    // This window's copy of SecretStorage gets the other window's writes only when the test lets them through
    // (VS Code updates each window's copy by events, some time after the write).
    const late = heldWindow(backend);
    backends.push(here, late);
    const a = await world({ secrets: here });
    const b = await world({ root: a.temp.root, secrets: late });
    const personal = await a.temp.store.add({ provider: 'openai', name: 'Personal', secret: OPENAI_1 });
    await until(() => b.changes.length === 1, 'the add to reach the other window');
    await a.temp.store.rotate(personal.id, OPENAI_3);
    await until(() => b.changes.length === 2, 'the rotation to reach the other window');
    assert.deepEqual(describeChange(b.changes[1]!), ['~Personal (OpenAI)']);
    // Asked at once (a consumer follows the change): the new bytes are not in this window's copy yet.
    assert.deepEqual(await b.sessions.getSessions(['openai']), []);
    late.release();
    await until(() => b.changes.length === 3, 'the rotated key to be announced again');
    assert.deepEqual(describeChange(b.changes[2]!), ['~Personal (OpenAI)']);
    assert.deepEqual(
      (await b.sessions.getSessions(['openai'])).map((s) => s.accessToken),
      [OPENAI_3],
    );
    assert.equal(b.changes.length, 3, 'announced again once, not for every write that arrived');
    assert.match(b.logs.join('\n'), /1 OpenAI key\(s\) could not be read/);
    assert.doesNotMatch(b.logs.join('\n'), /Personal/, 'the log does not say which key was asked for');
  });

  it('createSession runs Add Key for the one provider asked for and hands over the new key', async () => {
    const w = await world({
      addKey: (self, provider) => self.temp.store.add({ provider, name: 'New', secret: provider === 'openai' ? OPENAI_1 : ANTHROPIC }),
    });
    const session = await w.sessions.createSession(['openai']);
    assert.deepEqual(w.added, ['openai']);
    assert.equal(session.account.label, 'New (OpenAI)');
    assert.equal(session.accessToken, OPENAI_1);
    assert.deepEqual(session.scopes, ['openai']);
    await until(() => w.changes.length === 1, 'the added session');
    assert.deepEqual(describeChange(w.changes[0]!), ['+New (OpenAI)']);
  });

  it('createSession refuses what was not asked for: no single provider, Add Key left, a key moved to another provider', async () => {
    const left = await world({ addKey: async () => undefined });
    await assert.rejects(
      left.sessions.createSession(['openai', 'anthropic']),
      /exactly one provider id as the scope: openai, anthropic, google/,
    );
    await assert.rejects(left.sessions.createSession([]), /exactly one provider id/);
    assert.deepEqual(left.added, [], 'no Add Key for a request that names no single provider');
    await assert.rejects(left.sessions.createSession(['openai']), (error: Error & { kind?: string }) => {
      assert.equal(error.message, 'No OpenAI key was added.');
      assert.equal(error.kind, 'cancelled', 'the user left Add Key: not a failure to show');
      return true;
    });
    // In the OpenAI box the user pasted an Anthropic key and added it there: not an OpenAI key to hand over.
    const moved = await world({ addKey: (self) => self.temp.store.add({ provider: 'anthropic', name: 'Claude', secret: ANTHROPIC }) });
    await assert.rejects(
      moved.sessions.createSession(['openai']),
      /added under Anthropic, not OpenAI: an extension that asks for OpenAI keys does not get it/,
    );
    assert.deepEqual(moved.reads, [], 'the moved key was not read');
  });

  it('removeSession (Sign Out) asks before it deletes; a kept key stays; a key already gone asks nothing', async () => {
    const w = await world();
    const personal = await w.temp.store.add({ provider: 'openai', name: 'Personal', secret: OPENAI_1 });
    await w.sessions.removeSession(personal.id);
    assert.deepEqual(w.signedOut, [personal.id]);
    assert.equal(w.temp.store.get(personal.id), undefined);
    await w.sessions.removeSession(personal.id);
    assert.deepEqual(w.signedOut, [personal.id], 'nothing to ask about a key that is gone');

    const keeps = await world({ root: tempRoot(), keep: true });
    const work = await keeps.temp.store.add({ provider: 'openai', name: 'Work', secret: OPENAI_2 });
    await keeps.sessions.removeSession(work.id);
    assert.deepEqual(keeps.signedOut, [work.id]);
    assert.ok(keeps.temp.store.get(work.id), 'kept when the user says so');
  });

  it('the setting: registered while on, unregistered at once when off, registered again when on', () => {
    let on = true;
    const events: string[] = [];
    const toggle = new Toggle(
      () => on,
      () => {
        events.push('register');
        return { dispose: () => events.push('unregister') };
      },
    );
    toggle.update();
    toggle.update();
    assert.equal(toggle.on, true);
    on = false;
    toggle.update();
    toggle.update();
    assert.equal(toggle.on, false);
    on = true;
    toggle.update();
    toggle.dispose();
    assert.deepEqual(events, ['register', 'unregister', 'register', 'unregister']);
  });
});
