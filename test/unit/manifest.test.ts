// Static checks of package.json against the code: ids, context keys, localized strings.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS, type CommandContext } from '../../src/commands/commandTable';
import { Commands, ContextKeys, ItemContext, Settings, Views } from '../../src/constants';
import { REPO_ROOT } from '../contract/helpers';

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: Array<{ command: string; title: string; category?: string }>;
    menus: Record<string, Array<{ command: string; when?: string }>>;
    keybindings: Array<{ command: string; key: string; mac?: string; when: string; args?: unknown }>;
    viewsContainers: { activitybar: Array<{ id: string; title: string }> };
    viewsWelcome: Array<{ view: string; contents: string; when?: string }>;
    views: Record<string, Array<{ id: string; name: string }>>;
    configuration: { properties: Record<string, { scope?: string }> };
  };
  capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
}

const text = readFileSync(join(REPO_ROOT, 'package.json'), 'utf8');
const manifest = JSON.parse(text) as Manifest;
const nls = JSON.parse(readFileSync(join(REPO_ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;

/** Context keys VS Code itself defines that our `when` clauses may use. */
const VSCODE_CONTEXT_KEYS = new Set([
  'view',
  'viewItem',
  'false',
  'true',
  'focusedView',
  'treeElementHasParent',
  'treeElementHasChild',
  'inputFocus',
]);

function contextKeysIn(when: string): string[] {
  // Drop regexes, strings and the values compared with (`viewItem == key.local`): what is left are keys.
  const keysOnly = when
    .replace(/\/[^/]*\//g, ' ')
    .replace(/'[^']*'/g, ' ')
    .replace(/(==|!=)\s*[\w.-]+/g, ' ');
  return [...keysOnly.matchAll(/[A-Za-z][\w.]*/g)].map((m) => m[0]);
}

describe('package.json', () => {
  it('contributes exactly the commands in src/constants.ts', () => {
    assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), Object.values(Commands).sort());
  });

  it('contributes exactly the commands of the one command table (src/commands/commandTable.ts)', () => {
    assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), Object.keys(COMMANDS).sort());
  });

  it('gives every command a localized title and the "Provider Keys" category', () => {
    for (const command of manifest.contributes.commands) {
      assert.match(command.title, /^%[\w.]+%$/, command.command);
      assert.equal(command.category, '%category%');
    }
    assert.equal(nls.category, 'Provider Keys');
  });

  it('has every %key% in package.nls.json', () => {
    const keys = [...text.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1] as string);
    assert.ok(keys.length > 20);
    const missing = keys.filter((key) => !(key in nls));
    assert.deepEqual(missing, []);
  });

  it('names in `when` clauses only context keys the extension sets or VS Code defines', () => {
    const ours = new Set<string>(Object.values(ContextKeys));
    const clauses = [
      ...Object.values(manifest.contributes.menus)
        .flat()
        .map((m) => m.when ?? ''),
      ...manifest.contributes.viewsWelcome.map((w) => w.when ?? ''),
      ...manifest.contributes.keybindings.map((k) => k.when),
    ];
    for (const when of clauses) {
      for (const key of contextKeysIn(when)) {
        assert.ok(ours.has(key) || VSCODE_CONTEXT_KEYS.has(key), `unknown context key ${key} in "${when}"`);
      }
    }
  });

  /** Every contextValue the tree sets: a key's is its kind, then `.previous`, then `.terminals`, each when it applies. */
  const contextValues = (): string[] => {
    const { withPreviousSuffix, inTerminalsSuffix, activeKey, inactiveKey, localKey, ...others } = ItemContext;
    const keys = [activeKey, inactiveKey, localKey].flatMap((kind) =>
      ['', withPreviousSuffix].flatMap((previous) => ['', inTerminalsSuffix].map((terminals) => `${kind}${previous}${terminals}`)),
    );
    return [...Object.values(others), ...keys];
  };

  /** The commands a row's context menu offers for `contextValue` (regex and exact `viewItem` tests only). */
  const menuFor = (contextValue: string): string[] =>
    (manifest.contributes.menus['view/item/context'] ?? [])
      .filter((menu) => {
        const when = menu.when ?? '';
        const exact = /viewItem == ([\w.]+)/.exec(when);
        const regex = /viewItem =~ \/(.+?)\/(?= |$)/.exec(when);
        return exact ? exact[1] === contextValue : regex ? new RegExp(regex[1] as string).test(contextValue) : false;
      })
      .map((menu) => menu.command);

  it("offers Use in Terminals or Stop Using in Terminals on a key's row, never both", () => {
    const used = menuFor(`${ItemContext.activeKey}${ItemContext.withPreviousSuffix}${ItemContext.inTerminalsSuffix}`);
    assert.ok(used.includes(Commands.stopUsingInTerminals) && !used.includes(Commands.useInTerminals), used.join(', '));
    assert.ok(used.includes(Commands.restorePreviousKey), 'the previous key is still offered on a key in terminals');
    const unused = menuFor(ItemContext.inactiveKey);
    assert.ok(unused.includes(Commands.useInTerminals) && !unused.includes(Commands.stopUsingInTerminals), unused.join(', '));
  });

  it('matches every viewItem in menus to a contextValue the tree sets', () => {
    const values = contextValues();
    for (const menu of manifest.contributes.menus['view/item/context'] ?? []) {
      const when = menu.when ?? '';
      const exact = /viewItem == ([\w.]+)/.exec(when);
      const regex = /viewItem =~ \/(.+?)\/(?= |$)/.exec(when);
      if (exact) assert.ok(values.includes(exact[1] as never), when);
      if (regex) {
        assert.ok(
          values.some((v) => new RegExp(regex[1] as string).test(v)),
          when,
        );
      }
      assert.ok(exact || regex, `menu without viewItem: ${when}`);
    }
  });

  it('binds F2, Delete and Enter to rename, delete and update the focused key row, as the Explorer does', () => {
    const bindings = manifest.contributes.keybindings.map((k) => `${k.key}${k.mac ? ` (mac ${k.mac})` : ''} → ${k.command}`);
    assert.deepEqual(bindings, [
      `f2 → ${Commands.renameKey}`,
      `delete (mac cmd+backspace) → ${Commands.deleteKey}`,
      `enter → ${Commands.updateKey}`,
    ]);
    for (const binding of manifest.contributes.keybindings) {
      // Only in the view, only on a row with a parent and no children (a key, or the drift row, which the
      // flows ignore), never while typing in the view's find box: Enter still expands a provider row.
      assert.equal(binding.when, `focusedView == ${Views.keys} && treeElementHasParent && !treeElementHasChild && !inputFocus`);
      // VS Code hands the command the row that has keyboard focus (the view's actions get the same argument).
      assert.deepEqual(binding.args, { $treeViewId: Views.keys, $focusedTreeItem: true });
    }
  });

  it("adds a key for a provider's row from its menu; the view title's Add Key asks for the provider, whatever row has focus", async () => {
    const added: unknown[] = [];
    const context = {
      keyFlows: () => ({ actions: { addKey: async (provider?: unknown) => void added.push(provider) } }),
    } as unknown as CommandContext;
    const openaiRow = { kind: 'provider', provider: { id: 'openai', label: 'OpenAI' } };
    await COMMANDS[Commands.addProviderKey](context)(openaiRow);
    await COMMANDS[Commands.addKey](context)(openaiRow);
    assert.deepEqual(added, ['openai', undefined]);
    const onProviderRow = (manifest.contributes.menus['view/item/context'] ?? [])
      .filter((m) => m.when === `view == ${Views.keys} && viewItem == ${ItemContext.provider}`)
      .map((m) => m.command);
    assert.deepEqual([...new Set(onProviderRow)], [Commands.addProviderKey, Commands.getKey]);
    assert.equal(nls['command.addProviderKey'], 'Add Key for This Provider…');
  });

  it("shows the status bar's actions in the palette", () => {
    const hidden = manifest.contributes.menus.commandPalette?.find((m) => m.command === Commands.statusActions);
    assert.equal(hidden, undefined);
  });

  it('names the one view as its container, so that VS Code shows one title ("Provider Keys", not "Provider Keys: Keys")', () => {
    const container = manifest.contributes.viewsContainers.activitybar.find((c) => c.id === Views.container);
    const view = manifest.contributes.views[Views.container]?.[0];
    assert.ok(container && view);
    const localized = (text: string): string | undefined => nls[text.replace(/^%|%$/g, '')];
    assert.equal(localized(view.name), 'Provider Keys');
    assert.equal(localized(view.name), localized(container.title));
  });

  it('uses the view ids from src/constants.ts and activates lazily', () => {
    assert.deepEqual(
      manifest.contributes.views[Views.container]?.map((v) => v.id),
      [Views.keys],
    );
    assert.ok(!manifest.activationEvents.includes('*'));
    assert.ok(manifest.activationEvents.includes(`onView:${Views.keys}`));
  });

  it('keeps the service URL and the verify base URLs machine-scoped and restricted in untrusted workspaces', () => {
    for (const name of [Settings.serviceUrl, Settings.allowRemoteService, Settings.verifyBaseUrls]) {
      const key = `providerKeys.${name}`;
      assert.equal(manifest.contributes.configuration.properties[key]?.scope, 'machine', key);
      assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(key), key);
    }
    for (const name of Object.values(Settings)) assert.ok(`providerKeys.${name}` in manifest.contributes.configuration.properties, name);
  });
});
