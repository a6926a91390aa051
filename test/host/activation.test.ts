// First extension-host tests: the extension loads and activates in a real VS Code, its commands
// match package.json and src/constants.ts, and the machine setting written by the runner is seen.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { CONFIG_SECTION, Commands, EXTENSION_ID, Settings } from '../../src/constants';
import { log } from './index';

interface Contributes {
  commands?: { command: string }[];
  views?: Record<string, { id: string }[]>;
}

const contributes = (ext: vscode.Extension<unknown>): Contributes => (ext.packageJSON as { contributes?: Contributes }).contributes ?? {};

function contributedCommands(ext: vscode.Extension<unknown>): string[] {
  return (contributes(ext).commands ?? []).map((c) => c.command);
}

/** Commands VS Code itself registers for every contributed view, such as `providerKeys.keys.focus`. */
const VIEW_COMMAND_SUFFIXES = ['open', 'focus', 'resetViewLocation', 'toggleVisibility', 'removeView'];

function generatedViewCommands(ext: vscode.Extension<unknown>): string[] {
  const views = Object.values(contributes(ext).views ?? {}).flat();
  return views.flatMap((view) => VIEW_COMMAND_SUFFIXES.map((suffix) => `${view.id}.${suffix}`));
}

function getExtension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('extension activation', () => {
  it('is present and activates', async () => {
    const ext = getExtension();
    const wasActive = ext.isActive;
    const started = performance.now();
    await ext.activate();
    const ms = performance.now() - started;
    assert.equal(ext.isActive, true);
    log(`      activate(): ${ms.toFixed(1)} ms${wasActive ? ' (already active via onStartupFinished)' : ''}`);
  });

  it('registers every contributed command, and contributes every registered providerKeys.* command', async () => {
    const ext = getExtension();
    await ext.activate();
    const contributed = contributedCommands(ext);
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = await vscode.commands.getCommands(true);
    const missing = contributed.filter((id) => !registered.includes(id));
    assert.deepEqual(missing, [], 'contributed but not registered');
    const generated = generatedViewCommands(ext);
    const ours = registered.filter((id) => id.startsWith(`${CONFIG_SECTION}.`) && !generated.includes(id));
    const undeclared = ours.filter((id) => !contributed.includes(id));
    assert.deepEqual(undeclared, [], 'registered but not contributed');
  });

  it('uses only contributed command ids in src/constants.ts', () => {
    const contributed = contributedCommands(getExtension());
    const unknown = Object.values(Commands).filter((id) => !contributed.includes(id));
    assert.deepEqual(unknown, [], 'Commands in src/constants.ts not contributed in package.json');
  });
});

describe('machine settings from the test runner', () => {
  const port = process.env.PROVIDER_KEYS_TEST_SERVICE_PORT;

  it('passes PROVIDER_KEYS_TEST_SERVICE_PORT to the extension host', () => {
    assert.match(port ?? '', /^\d+$/, 'PROVIDER_KEYS_TEST_SERVICE_PORT is not set in the extension host');
  });

  it('shows providerKeys.serviceUrl, and keeps it', async () => {
    const expected = `http://127.0.0.1:${port}`;
    const read = () => vscode.workspace.getConfiguration(CONFIG_SECTION).get<string>(Settings.serviceUrl);
    assert.equal(read(), expected, 'at first');
    let changed = false;
    const listener = vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.serviceUrl}`)) changed = true;
    });
    try {
      // A machine value written to the user settings shows at first and reverts a few seconds later.
      await sleep(5_000);
      assert.equal(read(), expected, 'after 5 s');
      assert.equal(changed, false, 'providerKeys.serviceUrl changed during the test');
    } finally {
      listener.dispose();
    }
  });
});
