// Finding keys in the environment and in `.env` text (parsed by dotenv), and importing the picked ones
// through the same validation and naming as typed keys, into the real KeyStore over memory storage.
import * as assert from 'node:assert/strict';
import {
  type Candidate,
  candidatesFromDotenv,
  candidatesFromEnvironment,
  describeSources,
  isDotenvFileName,
  mergeCandidates,
} from '../../src/core/import/environment';
import { importKeys, uniqueName } from '../../src/core/import/importKeys';
import type { ProviderId } from '../../src/core/providers/catalogue';
import type { KeyStore } from '../../src/core/store/keyStore';
import { type TempStore, interceptWrites, openTempStore, removeRoot } from '../support/tempStore';

const OPENAI = 'sk-test-FAKE-env-000000000000000000001';
const OPENAI_2 = 'sk-test-FAKE-env-000000000000000000002';
const ANTHROPIC = 'sk-ant-test-FAKE-env-0000000000000003';
const GEMINI = 'AIzaFAKE-env-gemini-000000000000004';

const secrets = (list: Candidate[]): Array<[string, string]> => list.map((c) => [c.provider, c.secret]);

describe('.env files (parsed by dotenv)', () => {
  it('reads double, single and backtick quotes', () => {
    const text = `OPENAI_API_KEY="${OPENAI}"\nANTHROPIC_API_KEY='${ANTHROPIC}'\nGEMINI_API_KEY=\`${GEMINI}\`\n`;
    assert.deepEqual(secrets(candidatesFromDotenv(text, '.env')), [
      ['openai', OPENAI],
      ['anthropic', ANTHROPIC],
      ['google', GEMINI],
    ]);
  });

  it('ignores comment lines, commented-out keys and trailing comments', () => {
    const text = `# OPENAI_API_KEY=${OPENAI_2}\n#ANTHROPIC_API_KEY=${ANTHROPIC}\nOPENAI_API_KEY=${OPENAI} # my personal key\n`;
    assert.deepEqual(secrets(candidatesFromDotenv(text, '.env')), [['openai', OPENAI]]);
  });

  it('accepts the `export` prefix that shell-sourced files use', () => {
    assert.deepEqual(
      secrets(candidatesFromDotenv(`export OPENAI_API_KEY=${OPENAI}\nexport   GROQ_API_KEY="gsk_FAKE_env_0000000000000005"\n`, '.env')),
      [
        ['openai', OPENAI],
        ['groq', 'gsk_FAKE_env_0000000000000005'],
      ],
    );
  });

  it('reads CRLF files without a stray carriage return in the key', () => {
    const [candidate] = candidatesFromDotenv(`OPENAI_API_KEY=${OPENAI}\r\nOTHER=1\r\n`, '.env');
    assert.equal(candidate?.secret, OPENAI);
    const [quoted] = candidatesFromDotenv(`OPENAI_API_KEY="${OPENAI}"\r\n`, '.env');
    assert.equal(quoted?.secret, OPENAI);
  });

  it('takes the last of duplicate lines, as dotenv-based tools do', () => {
    assert.deepEqual(secrets(candidatesFromDotenv(`OPENAI_API_KEY=${OPENAI}\nOPENAI_API_KEY=${OPENAI_2}\n`, '.env')), [
      ['openai', OPENAI_2],
    ]);
  });

  it('skips empty values and blank ones', () => {
    assert.deepEqual(candidatesFromDotenv('OPENAI_API_KEY=\nANTHROPIC_API_KEY=""\nGROQ_API_KEY=   \n', '.env'), []);
  });

  it("looks only at the catalogue's variables (and GOOGLE_API_KEY for Gemini)", () => {
    const text = `MY_OPENAI_API_KEY=${OPENAI_2}\nDATABASE_URL=postgres://x\nGOOGLE_API_KEY=${GEMINI}\nOPENAI_API_KEY=${OPENAI}\n`;
    const found = candidatesFromDotenv(text, 'apps/web/.env.local');
    assert.deepEqual(secrets(found), [
      ['openai', OPENAI],
      ['google', GEMINI],
    ]);
    assert.equal(describeSources(found[1]?.sources ?? []), 'GOOGLE_API_KEY in apps/web/.env.local');
    assert.equal(found[0]?.suggestedName, 'OPENAI_API_KEY in apps/web/.env.local');
  });

  it('takes OPENAI_ORG_ID along with the OpenAI key from the same file', () => {
    const [candidate] = candidatesFromDotenv(`OPENAI_API_KEY=${OPENAI}\nOPENAI_ORG_ID=org-FAKEenv001\n`, '.env');
    assert.equal(candidate?.organization, 'org-FAKEenv001');
  });

  it('reads .env, .env.local, .env.development but not the templates', () => {
    for (const name of ['.env', '.env.local', '.env.development', '.env.production.local']) assert.ok(isDotenvFileName(name), name);
    for (const name of ['.env.example', '.env.sample', '.env.template', '.env.dist', '.env.defaults', '.envrc', 'env', 'my.env']) {
      assert.ok(!isDotenvFileName(name), name);
    }
  });
});

describe('the environment', () => {
  it('finds the catalogue variables in an environment object and ignores the rest', () => {
    const found = candidatesFromEnvironment({
      OPENAI_API_KEY: OPENAI,
      PATH: '/usr/bin',
      MISTRAL_API_KEY: '',
      ANTHROPIC_API_KEY: ` ${ANTHROPIC} `,
    });
    assert.deepEqual(secrets(found), [
      ['openai', OPENAI],
      ['anthropic', ANTHROPIC],
    ]);
    assert.deepEqual(found[0]?.sources, [{ kind: 'environment', variable: 'OPENAI_API_KEY' }]);
    assert.equal(found[0]?.suggestedName, 'OPENAI_API_KEY (environment)');
  });

  it('merges the same value found in several places into one candidate that names them all', () => {
    const merged = mergeCandidates([
      candidatesFromEnvironment({ OPENAI_API_KEY: OPENAI }),
      candidatesFromDotenv(`OPENAI_API_KEY=${OPENAI}\nANTHROPIC_API_KEY=${ANTHROPIC}`, '.env'),
    ]);
    assert.equal(merged.length, 2);
    assert.equal(describeSources(merged[0]?.sources ?? []), 'OPENAI_API_KEY (environment), OPENAI_API_KEY in .env');
  });
});

describe('importKeys', () => {
  let temp: TempStore;
  let store: KeyStore;
  let kicks: number;
  let inUse: Set<ProviderId>;
  const deps = () => ({
    store,
    sync: { kick: () => void kicks++ },
    hasKeyInUse: (provider: ProviderId) => inUse.has(provider),
  });
  /** [provider, key id] of every choice the store holds (which key Pieces OS should use). */
  const chosen = (): Array<[ProviderId, string]> =>
    (['openai', 'anthropic', 'google', 'mistral', 'groq', 'openrouter'] as const).flatMap((p) => {
      const id = store.choice(p)?.activeId;
      return id ? [[p, id] as [ProviderId, string]] : [];
    });
  const candidate = (provider: ProviderId, secret: string, suggestedName = 'Environment', organization?: string): Candidate => ({
    provider,
    secret,
    suggestedName,
    ...(organization ? { organization } : {}),
    sources: [{ kind: 'environment', variable: 'X' }],
  });

  beforeEach(async () => {
    temp = await openTempStore();
    store = temp.store;
    kicks = 0;
    inUse = new Set();
  });
  afterEach(() => {
    temp.close();
    removeRoot(temp.root);
  });

  it('stores valid keys, makes the first OpenAI key the one Pieces OS uses, and kicks the sync once', async () => {
    const results = await importKeys(deps(), [
      candidate('openai', OPENAI),
      candidate('anthropic', ANTHROPIC),
      candidate('openai', OPENAI_2),
    ]);
    assert.deepEqual(
      results.map((r) => r.kind),
      ['added', 'added', 'added'],
    );
    const names = store.list().map((k) => `${k.provider}:${k.name}`);
    assert.deepEqual(names, ['openai:Environment', 'openai:Environment (2)', 'anthropic:Environment']);
    const first = results[0];
    assert.ok(first?.kind === 'added');
    assert.deepEqual(chosen(), [['openai', first.record.id]]);
    assert.equal(kicks, 1);
    assert.equal(await store.secret(first.record.id), OPENAI);
  });

  it('does not change which key Pieces OS uses when it already uses one', async () => {
    inUse.add('openai');
    const [result] = await importKeys(deps(), [candidate('openai', OPENAI)]);
    assert.ok(result?.kind === 'added' && !result.usedByPieces);
    assert.deepEqual(chosen(), []);
  });

  it('refuses an invalid value with the reason, as the Add Key box would, and stores nothing', async () => {
    const results = await importKeys(deps(), [
      candidate('openai', 'sk-abc'),
      candidate('anthropic', 'sk-ant has spaces in it'),
      candidate('openai', `sk-ant-api03-FAKE${'0'.repeat(91)}`),
    ]);
    const reasons = results.map((r) => (r.kind === 'refused' ? r.reason : r.kind));
    assert.equal(
      reasons[2],
      'This looks like a key from Anthropic (it starts with "sk-ant-"), not from OpenAI.',
      'an Anthropic key in OPENAI_API_KEY is not sent to Pieces OS as an OpenAI key',
    );
    assert.match(reasons[0] ?? '', /^That is too short for an API key \(6 characters; at least 20\)\.$/);
    assert.match(reasons[1] ?? '', /^An API key has no spaces/);
    assert.equal(results[0]?.kind, 'refused');
    assert.equal(store.list().length, 0);
    assert.equal(kicks, 0);
  });

  it('skips a key that is already stored, naming it', async () => {
    const existing = await store.add({ provider: 'openai', name: 'Personal', secret: OPENAI });
    const [result] = await importKeys(deps(), [candidate('openai', OPENAI)]);
    assert.ok(result?.kind === 'alreadyStored');
    assert.equal(result.existing.id, existing.id);
    assert.equal(store.list().length, 1);
  });

  it('keeps a valid organization id and leaves out an invalid one, saying so', async () => {
    const [good, bad] = await importKeys(deps(), [
      candidate('openai', OPENAI, 'A', 'org-FAKEimport1'),
      candidate('openai', OPENAI_2, 'B', 'not-an-org'),
    ]);
    assert.ok(good?.kind === 'added' && bad?.kind === 'added');
    assert.equal(good.record.organization, 'org-FAKEimport1');
    assert.equal(bad.record.organization, undefined);
    assert.match(bad.note ?? '', /organization id found with it was left out/);
  });

  it('a key whose last write fails is added and being finished, not a failure; the rest of the import goes on', async () => {
    temp.close();
    removeRoot(temp.root);
    let failures = 1;
    temp = await openTempStore({
      wrapFolder: (folder) =>
        interceptWrites(folder, async (name, text, next) => {
          // The write that makes the first key visible (its record without the add mark) fails once.
          if (name.startsWith('key-') && !text.includes('"pending"') && failures-- > 0) throw new Error('EIO: i/o error');
          await next();
        }),
    });
    store = temp.store;
    const results = await importKeys(deps(), [candidate('openai', OPENAI, 'First'), candidate('anthropic', ANTHROPIC, 'Second')]);
    assert.deepEqual(
      results.map((r) => r.kind),
      ['added', 'added'],
    );
    assert.match(results[0]?.kind === 'added' ? (results[0].note ?? '') : '', /being finished/);
    await temp.bundle.recover(); // what the store does by itself a moment later (or at the next focus or start)
    assert.deepEqual(
      store
        .list()
        .map((k) => k.name)
        .sort(),
      ['First', 'Second'],
    );
  });

  it('makes unique, valid names: suffixes on a clash, long paths shortened from the left', () => {
    assert.equal(uniqueName('.env', []), '.env');
    assert.equal(uniqueName('.env', ['.ENV']), '.env (2)');
    assert.equal(uniqueName('.env', ['.env', '.env (2)']), '.env (3)');
    const long = uniqueName(`${'very/'.repeat(20)}.env.local`, []);
    assert.ok(long.length <= 64 && long.startsWith('…') && long.endsWith('/.env.local'), long);
    assert.equal(uniqueName('  ', []), 'Imported');
  });
});
