// The README is the extension's page on both registries. Its commands and settings tables (between the
// COMMANDS and SETTINGS markers) must say what package.json contributes: every command by its title, every
// setting with its default and scope, nothing that is not there; and the page stays short enough to read.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../contract/helpers';

interface Manifest {
  contributes: {
    commands: Array<{ command: string; title: string }>;
    menus: { commandPalette?: Array<{ command: string; when?: string }> };
    configuration: { properties: Record<string, { default?: unknown; scope?: string }> };
  };
}

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
const nls = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

function localized(text: string): string {
  const key = /^%(.+)%$/.exec(text)?.[1];
  return key === undefined ? text : (nls[key] ?? text);
}

/** The rows of the table between `<!-- NAME:START -->` and `<!-- NAME:END -->`, header and rule left out. */
function tableRows(markdown: string, name: string): string[][] {
  const start = markdown.indexOf(`<!-- ${name}:START -->`);
  const end = markdown.indexOf(`<!-- ${name}:END -->`);
  assert.ok(start >= 0 && end > start, `the README has no ${name} table between its markers`);
  const lines = markdown
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|'));
  assert.ok(lines.length >= 2 && /^\|( *-+ *\|)+$/.test(lines[1]!), `the ${name} table has a header and a rule`);
  return lines.slice(2).map((line) =>
    line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim()),
  );
}

describe('the README (the registries show it as the extension page)', () => {
  it('lists every command by its title, once, and nothing else', () => {
    const titles = tableRows(readme, 'COMMANDS').map(([cell]) => /^\*\*(.+)\*\*$/.exec(cell ?? '')?.[1] ?? `not bold: ${cell}`);
    const expected = manifest.contributes.commands.map((c) => localized(c.title));
    assert.deepEqual([...titles].sort(), [...expected].sort());
    assert.equal(new Set(titles).size, titles.length, 'a command is listed twice');
  });

  it('says which commands are not in the Command Palette', () => {
    const hidden = new Set((manifest.contributes.menus.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
    for (const row of tableRows(readme, 'COMMANDS')) {
      const title = row[0]!.replace(/\*\*/g, '');
      const command = manifest.contributes.commands.find((c) => localized(c.title) === title)!;
      assert.equal(/not in the palette/.test(row[1] ?? ''), hidden.has(command.command), `"${title}": palette or not`);
    }
  });

  it('lists every setting with its default and scope, once, and nothing else', () => {
    const rows = tableRows(readme, 'SETTINGS');
    const properties = manifest.contributes.configuration.properties;
    assert.deepEqual(
      rows.map(([id]) => id).sort(),
      Object.keys(properties)
        .map((id) => `\`${id}\``)
        .sort(),
    );
    for (const [id, def, scope] of rows) {
      const property = properties[id!.replace(/`/g, '')]!;
      assert.equal(def, `\`${JSON.stringify(property.default)}\``, `${id}: the default`);
      assert.equal(scope, property.scope ?? 'window', `${id}: the scope`);
    }
  });

  it('opens with the two commands a newcomer runs, and stays about 15 KB', () => {
    const opening = readme.slice(0, 1500);
    assert.match(opening, /`npm ci && npm start`/);
    assert.match(opening, /`npm ci && npm test`/);
    assert.ok(Buffer.byteLength(readme) <= 15 * 1024, `README.md is ${Buffer.byteLength(readme)} bytes`);
  });

  it('links only to files that exist', () => {
    for (const [, target] of readme.matchAll(/\]\(((?!https?:|#)[^)#]+)(?:#[^)]*)?\)/g)) {
      assert.ok(existsSync(path.join(REPO_ROOT, target!)), `${target} is linked but does not exist`);
    }
  });
});
