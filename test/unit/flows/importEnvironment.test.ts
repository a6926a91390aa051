// Import from Environment under plain mocha (these were host tests; their assertions are kept): VS Code's
// environment (a knob) and the workspace's .env files (a real folder the fake workbench lists).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ANTHROPIC, GROQ, KEY_1, assertMessagesClean, until } from '../../support/useKeysFixtures';
import { assertGlobalStateClean, useWorld } from './useKeysWorld';

describe('Import from Environment (flows, fake workbench)', function () {
  this.timeout(60_000);
  const world = useWorld();
  let envFile: string;

  beforeEach(() => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'provider-keys-workspace-'));
    world().workbench.folder = folder;
    envFile = path.join(folder, '.env');
  });
  afterEach(() => fs.rmSync(path.dirname(envFile), { recursive: true, force: true }));

  const ENV_TEXT = `# keys for the app\r\nexport OPENAI_API_KEY="${KEY_1}"\r\nANTHROPIC_API_KEY='${ANTHROPIC}' # work\r\nMISTRAL_API_KEY=short\r\n`;

  it('offers what it found, masked and with where it came from, and stores only what is picked', async () => {
    const { run, flows, knobs, temp, standIn, workbench } = world();
    fs.writeFileSync(envFile, ENV_TEXT);
    knobs.environment = { GROQ_API_KEY: GROQ, OPENAI_API_KEY: KEY_1, PATH: '/usr/bin' };
    const prompter = await run([{ pickMany: (items) => items.filter((i) => !i.label.startsWith('Mistral')) }], () =>
      flows.importFromEnvironment(),
    );
    const offered = prompter.asked[0]?.items ?? [];
    assert.deepEqual(
      offered.map((i) => `${i.label} | ${i.description}`),
      [
        'OpenAI  sk-…0001 | OPENAI_API_KEY (environment), OPENAI_API_KEY in .env',
        'Groq  gsk_…0004 | GROQ_API_KEY (environment)',
        'Anthropic  sk-ant-…0003 | ANTHROPIC_API_KEY in .env',
        'Mistral AI  … | MISTRAL_API_KEY in .env',
      ],
    );
    assert.match(offered[3]?.detail ?? '', /Cannot be imported: That is too short/);
    assert.deepEqual(
      temp.store.list().map((k) => `${k.provider}:${k.name}`),
      // Named after where each was found, not "From .env" for all.
      ['openai:OPENAI_API_KEY (environment)', 'anthropic:ANTHROPIC_API_KEY in .env', 'groq:GROQ_API_KEY (environment)'],
    );
    const openai = temp.store.keysOf('openai')[0];
    assert.ok(openai);
    assert.equal(await temp.store.secret(openai.id), KEY_1);
    // Synced like any new key: the first OpenAI key is the one Pieces OS uses.
    await until('Pieces OS to hold the imported key', () => standIn.openAI?.api_key === KEY_1);
    const summary = prompter.messages.at(-1);
    assert.match(summary?.message ?? '', /^Imported 3 keys into VS Code's secret storage/);
    assert.match(summary?.message ?? '', /A plain-text copy stays in \.env; remove it there/);
    assert.deepEqual(summary?.buttons, ['Open .env']);
    assert.equal(fs.readFileSync(envFile, 'utf8'), ENV_TEXT, 'the .env file was changed');
    assertGlobalStateClean(workbench);
    assertMessagesClean(prompter);
  });

  it('names keys already stored without offering them, and refuses an invalid one with the reason', async () => {
    const { run, flows, knobs, temp, addKey, logs } = world();
    await addKey('Personal', KEY_1);
    fs.writeFileSync(envFile, ENV_TEXT);
    knobs.environment = {};
    const prompter = await run([{ pickMany: (items) => items }], () => flows.importFromEnvironment());
    // Ticking a key stored already could do nothing: it is named in the pick, not offered in it.
    assert.deepEqual(
      prompter.asked[0]?.items?.map((i) => i.description),
      ['ANTHROPIC_API_KEY in .env', 'MISTRAL_API_KEY in .env'],
    );
    assert.equal(prompter.asked[0]?.title, 'Import from Environment (stored already, not listed: "Personal")');
    assert.deepEqual(
      prompter.asked[0]?.items?.map((i) => i.icon),
      ['warning', 'error'],
    );
    const summary = prompter.messages.at(-1);
    assert.equal(summary?.severity, 'warning');
    assert.match(summary?.message ?? '', /Not imported: MISTRAL_API_KEY in \.env: That is too short for an API key/);
    assert.deepEqual(
      temp.store.list().map((k) => k.name),
      ['Personal', 'ANTHROPIC_API_KEY in .env'],
    );
    assert.ok(logs.includes('Imported Anthropic key "ANTHROPIC_API_KEY in .env" from ANTHROPIC_API_KEY in .env'), logs.join('\n'));
    assert.ok(
      logs.includes(
        'Did not import the Mistral AI key from MISTRAL_API_KEY in .env: That is too short for an API key (5 characters; at least 20).',
      ),
    );

    // Nothing new to offer: says so, with no empty pick.
    fs.writeFileSync(envFile, `OPENAI_API_KEY=${KEY_1}\n`);
    const again = await run([], () => flows.importFromEnvironment());
    assert.deepEqual(again.asked, []);
    assert.equal(again.messages.at(-1)?.message, 'Every key found is stored already: "Personal" (OPENAI_API_KEY in .env).');
  });

  it('does not read .env files in an untrusted workspace, and says so', async () => {
    const { run, flows, knobs, temp, workbench } = world();
    fs.writeFileSync(envFile, ENV_TEXT);
    workbench.trusted = false;
    knobs.environment = {};
    const prompter = await run([], () => flows.importFromEnvironment());
    assert.match(
      prompter.messages.at(-1)?.message ?? '',
      /No provider keys found in VS Code's environment .*\.env files were not read because this workspace is not trusted\./,
    );
    knobs.environment = { GROQ_API_KEY: GROQ };
    const picking = await run(['escape'], () => flows.importFromEnvironment());
    assert.deepEqual(
      picking.asked[0]?.items?.map((i) => i.description),
      ['GROQ_API_KEY (environment)'],
    );
    assert.match(picking.asked[0]?.placeholder ?? '', /\.env files not read: this workspace is not trusted/);
    assert.equal(temp.store.list().length, 0);
    // The same workspace, trusted: the .env file is read.
    workbench.trusted = true;
    const trusted = await run(['escape'], () => flows.importFromEnvironment());
    assert.deepEqual(
      trusted.asked[0]?.items?.map((i) => i.description),
      ['GROQ_API_KEY (environment)', 'OPENAI_API_KEY in .env', 'ANTHROPIC_API_KEY in .env', 'MISTRAL_API_KEY in .env'],
    );
  });
});
