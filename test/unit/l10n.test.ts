// Messages reach a translator: what the window's translations say is what the core and the flows show.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import { setTranslations } from '../../src/core/l10n';
import { validateKeyName } from '../../src/core/keys/validation';
import { REPO_ROOT } from '../contract/helpers';

const ENTER_NAME = 'Enter a name for the key, such as "Personal" or "Work".';

describe('messages and their translations', () => {
  afterEach(() => setTranslations(undefined));

  it("a message from the core is shown as the window's translations say, arguments and all", () => {
    const bundle = JSON.parse(readFileSync(path.join(REPO_ROOT, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
    assert.equal(bundle[ENTER_NAME], ENTER_NAME, 'the exported bundle holds the message');
    setTranslations({ [ENTER_NAME]: 'Gib dem Schlüssel einen Namen.', 'Add {0} Key': '{0}-Schlüssel hinzufügen' });
    assert.deepEqual(validateKeyName(''), { ok: false, error: 'Gib dem Schlüssel einen Namen.' });
    assert.equal(l10n.t('Add {0} Key', 'OpenAI'), 'OpenAI-Schlüssel hinzufügen');
  });

  it('no message holds Markdown backticks: a notification shows them as they are', () => {
    const bundle = JSON.parse(readFileSync(path.join(REPO_ROOT, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
    assert.deepEqual(
      Object.keys(bundle).filter((message) => message.includes('`')),
      [],
    );
  });

  it('in English (no translations), messages are formatted as written', () => {
    setTranslations(undefined);
    assert.deepEqual(validateKeyName(''), { ok: false, error: ENTER_NAME });
    assert.equal(l10n.t('Add {0} Key', 'OpenAI'), 'Add OpenAI Key');
  });
});
