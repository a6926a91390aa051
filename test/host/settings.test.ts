// Settings that change what the user sees: the status bar item and the rotation reminder.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Commands, Settings } from '../../src/constants';
import { keyFile } from '../../src/core/store/records';
import type { TestingApi } from '../../src/extension';
import type { StandIn } from '../../stand-in/server';
import { addOpenAI, runScripted, setSetting, useStandIn } from './support';

let api: TestingApi;

describe('settings in VS Code', function () {
  this.timeout(30_000);
  useStandIn((a: TestingApi, _s: StandIn) => {
    api = a;
  });

  it('providerKeys.statusBar.enabled hides and shows the status bar item', async () => {
    assert.equal(api.statusBar.visible, true);
    try {
      await setSetting(Settings.statusBarEnabled, false);
      assert.equal(api.statusBar.visible, false);
    } finally {
      await setSetting(Settings.statusBarEnabled, undefined);
    }
    assert.equal(api.statusBar.visible, true);
  });

  it('providerKeys.rotationReminderDays marks keys older than that with a warning', async () => {
    await runScripted(api, Commands.addKey, addOpenAI('Old', 'sk-test-FAKE-settings-000000000000001'));
    // Age the key by 40 days in its record (dates only; no key bytes live there).
    const [record] = api.store.list();
    assert.ok(record);
    const old = new Date(Date.now() - 40 * 24 * 3600 * 1000).toISOString();
    await api.store.change(() => api.store.put(keyFile(record.id), { ...record, updatedAt: old }));
    const iconOf = async (): Promise<string | undefined> => {
      const [provider] = api.tree.getChildren();
      const [key] = provider ? api.tree.getChildren(provider) : [];
      assert.ok(key);
      return (api.tree.getTreeItem(key).iconPath as vscode.ThemeIcon | undefined)?.id;
    };
    assert.equal(await iconOf(), 'pass', 'no reminder while the setting is 0');
    try {
      await setSetting(Settings.rotationReminderDays, 30);
      assert.equal(await iconOf(), 'warning');
    } finally {
      await setSetting(Settings.rotationReminderDays, undefined);
    }
  });
});
