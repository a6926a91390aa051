// The end-to-end scenario (issue 10, section 3): the installed VSIX in code-server, driven only through
// the UI, against the stand-in Pieces OS. run.ts starts everything and runs these steps in order,
// with a screenshot after each; every key typed is a canary for the leak scan that follows.
import type { Canary } from './leakScan';
import { makeCanary } from './leakPlant';
import { KEY_PATHS, type StandInControl } from './standInControl';
import { RECONNECT_MS, WAIT_MS, type Workbench, until } from './workbench';

/**
 * Every text of the extension's UI that the scenario matches, in one place: when the wording changes,
 * change it here. (VS Code's own texts, such as its command names, live in workbench.ts.)
 */
export const UI = {
  viewContainer: 'Provider Keys',
  tree: 'Keys',
  commands: { addKey: 'Provider Keys: Add Key' },
  /** Buttons in the view's title bar and on a key's row (inline), and context-menu items. */
  actions: { addKey: 'Add Key…', updateKey: 'Update (Rotate) Key…', deleteKey: 'Delete Key…' },
  status: {
    notRunning: /^Pieces OS: not running$/,
    connected: /^Pieces OS$/,
    /** Waiting changes are counted after a worse problem: "not running · 1 waiting". */
    waiting: /^Pieces OS: (1 change waiting|not running · 1 waiting)$/,
    rejected: /^Pieces OS: key rejected$/,
  },
  welcome: { intro: /Keep your LLM provider API keys/, notRunning: /Pieces OS was not found/ },
  providers: { openai: 'OpenAI', anthropic: 'Anthropic' },
  addTitle: (provider?: string): RegExp => (provider ? new RegExp(`^Add ${provider} Key`) : /^Add Key\b/),
  updateTitle: (name: string): RegExp => new RegExp(`^Update "${name}"`),
  /** How many steps each flow has (VS Code shows "(n/m)" in the title). */
  steps: { addOpenAI: 4, addLocalOnly: 3, update: 2 },
  invalid: { empty: /Enter the API key/, space: /has no spaces/, nameLooksLikeKey: /looks like an API key/ },
  /** A row's accessible name: a key row starts with the key's name, a provider row with its label. */
  keyRow: (name: string): RegExp => new RegExp(`^${name},`),
  providerRow: (label: string): RegExp => new RegExp(`^${label}\\b`),
  /** What a key row shows of the key: the last 4 characters after an ellipsis. */
  maskedTail: (key: string): string => `…${key.slice(-4)}`,
  /** The state words of a key row's accessible name (one vocabulary: tree, tooltips, status bar, messages). */
  state: {
    synced: /, synced(,|$)/,
    waiting: /, waiting(,|$)/,
    rejected: /, rejected(,|$)/,
    inactive: /, not used by Pieces OS(,|$)/,
    localOnly: /, local only(,|$)/,
  },
  /** Which key Pieces OS uses: on the key's own row, or named on its provider's row. */
  usedByPieces: {
    keyRow: /(?<!not )used by Pieces OS|^in Pieces OS ·/,
    providerRow: (name: string): RegExp => new RegExp(`Pieces OS uses "${name}"`),
    tooltip: /Pieces OS uses this key/,
  },
  messages: {
    saved: (name: string): RegExp => new RegExp(`Saved "${name}"`),
    serverFailed: /could not store the change/,
    rejected: /Pieces OS rejected "[^"]+" \(401\)/,
    restored: /Restored the previous key of "Personal"/,
    unreachable: /is sent when Pieces OS answers/,
  },
  buttons: { updateKey: 'Update Key', restorePrevious: 'Restore Previous Key', useKey: (name: string): string => `Use "${name}" in Pieces OS`, confirmDelete: 'Delete' },
  questions: { switchKey: (_name: string): RegExp => /Which OpenAI key should Pieces OS use\?/, deleteKey: (name: string): RegExp => new RegExp(`^Delete "${name}"`) },
} as const;

export const KEY_NAMES = ['personal', 'personalRotated', 'personalEcho', 'personalRejected', 'work', 'workOffline', 'anthropic', 'pastedAsName', 'withSpace'] as const;
export type KeyName = (typeof KEY_NAMES)[number];

/** The canaries typed in the run: OpenAI ones with distinct last 4 characters, so each is told apart by its mask. */
export function makeKeys(): Record<KeyName, Canary> {
  for (;;) {
    const keys = {} as Record<KeyName, Canary>;
    for (const name of KEY_NAMES) keys[name] = makeCanary(name === 'anthropic' ? 'sk-ant-' : 'sk-proj-');
    const spaced = keys.withSpace.value;
    keys.withSpace = { ...keys.withSpace, value: `${spaced.slice(0, 30)} ${spaced.slice(30)}` };
    const tails = KEY_NAMES.map((name) => keys[name].value.slice(-4));
    if (new Set(tails).size === tails.length) return keys;
  }
}

export interface ScenarioContext {
  readonly wb: Workbench;
  readonly standIn: StandInControl;
  readonly keys: Record<KeyName, string>;
  /** Whether the stand-in holds exactly `key` (compared in this process; nothing is printed). */
  holds(key: string | undefined): boolean;
  shot(name: string): Promise<void>;
  say(message: string): void;
}

export interface Step {
  readonly title: string;
  run(ctx: ScenarioContext): Promise<void>;
}

const OPENAI = UI.providers.openai;
/** A quick input title at step `n` of `total`, optionally after `title`. */
const atStep = (n: number, total: number, title?: RegExp): RegExp => new RegExp(`${title ? `${title.source}.*` : ''}\\(${n}/${total}\\)`);

async function expectHeld(ctx: ScenarioContext, key: string | undefined, name?: string): Promise<void> {
  await until(key ? `the stand-in to hold "${name}" (${UI.maskedTail(key)})` : 'the stand-in to hold no key', async () => {
    const { openAI } = await ctx.standIn.state();
    const shown = key ? openAI?.api_key === UI.maskedTail(key) && openAI.api_key_name === name : openAI === undefined;
    return shown && ctx.holds(key) ? true : undefined;
  });
}

async function expectKeyRow(ctx: ScenarioContext, name: string, state: RegExp, key: string, timeout?: number): Promise<void> {
  await until(
    `the row of "${name}" to show ${UI.maskedTail(key)} and ${state}`,
    async () => {
      const row = (await ctx.wb.treeRows(UI.tree)).find((r) => UI.keyRow(name).test(r.label));
      return row && state.test(row.label) && row.text.includes(UI.maskedTail(key)) ? true : undefined;
    },
    timeout,
  );
}

/** Whether the tree marks `name` as the key Pieces OS uses (on its row, or on its provider's row). */
async function markedAsUsed(ctx: ScenarioContext, name: string, provider: string): Promise<boolean> {
  const rows = await ctx.wb.treeRows(UI.tree);
  const keyRow = rows.find((r) => UI.keyRow(name).test(r.label));
  const providerRow = rows.find((r) => r.level === 1 && UI.providerRow(provider).test(r.label));
  const onKeyRow = !!keyRow && (UI.usedByPieces.keyRow.test(keyRow.text) || UI.usedByPieces.keyRow.test(keyRow.label));
  const onProviderRow = !!providerRow && UI.usedByPieces.providerRow(name).test(providerRow.text);
  return onKeyRow || onProviderRow;
}

async function expectUsed(ctx: ScenarioContext, name: string, used: boolean): Promise<void> {
  await until(`"${name}" ${used ? '' : 'not '}marked as the key Pieces OS uses`, async () => ((await markedAsUsed(ctx, name, OPENAI)) === used ? true : undefined));
}

/** The rotate flow from wherever it was opened: new key (pasted), organization left as it is. */
async function rotate(ctx: ScenarioContext, name: string, key: string): Promise<void> {
  const { wb } = ctx;
  await wb.waitForQuickInput(UI.updateTitle(name));
  const box = await wb.quickInputState();
  if (box.type !== 'password') throw new Error(`the new key is typed into a "${box.type}" box, not a password box`);
  await wb.replaceInput(key, 'paste');
  await wb.page.keyboard.press('Enter');
  await wb.waitForQuickInput(atStep(2, UI.steps.update));
  await wb.page.keyboard.press('Enter');
  await wb.waitForQuickInputClosed();
}

/** Presses Enter on an input that holds an invalid value: the message stays, the step and the value too. */
async function enterIsRefused(ctx: ScenarioContext, message: RegExp, title: RegExp): Promise<void> {
  const { wb } = ctx;
  const before = await wb.quickInputState();
  await wb.page.keyboard.press('Enter');
  // Enter is handled in the extension host; nothing visible changes when it is refused, so give it time.
  await wb.page.waitForTimeout(400);
  const after = await until(`the message ${message}`, async () => {
    const state = await wb.quickInputState();
    return state.visible && message.test(state.message) ? state : undefined;
  });
  if (!title.test(after.title) || after.value !== before.value || !after.error) {
    throw new Error(`Enter was not refused: title "${after.title}", value kept: ${after.value === before.value}, shown as an error: ${after.error}`);
  }
}

export const STEPS: readonly Step[] = [
  {
    title: 'nothing running: not running, welcome view; the stand-in starts: connected',
    async run(ctx) {
      const { wb } = ctx;
      await wb.waitForStatus(UI.status.notRunning, RECONNECT_MS);
      await wb.openViewContainer(UI.viewContainer);
      const welcome = wb.welcomeView().filter({ hasText: UI.welcome.intro });
      await welcome.filter({ hasText: UI.welcome.notRunning }).waitFor({ timeout: WAIT_MS });
      await ctx.shot('not-running');
      await ctx.standIn.start();
      await wb.waitForStatus(UI.status.connected, RECONNECT_MS);
      await welcome.filter({ hasText: UI.welcome.notRunning }).waitFor({ state: 'detached', timeout: WAIT_MS });
    },
  },
  {
    title: 'add a key with the keyboard only: F1, OpenAI, name, key in a password box, no organization',
    async run(ctx) {
      const { wb, keys } = ctx;
      wb.keyboardOnly = true;
      await wb.runCommand(UI.commands.addKey);
      await wb.waitForQuickInput(UI.addTitle());
      await wb.pickByTyping(OPENAI);
      await wb.waitForQuickInput(atStep(2, UI.steps.addOpenAI, UI.addTitle(OPENAI)));
      await wb.replaceInput('Personal', 'type');
      await wb.page.keyboard.press('Enter');
      await wb.waitForQuickInput(atStep(3, UI.steps.addOpenAI));
      const keyBox = await wb.quickInputState();
      if (keyBox.type !== 'password') throw new Error(`the key is typed into a "${keyBox.type}" box, not a password box`);
      await wb.replaceInput(keys.personal, 'paste');
      await ctx.shot('add-key-password');
      await wb.page.keyboard.press('Enter');
      await wb.waitForQuickInput(atStep(4, UI.steps.addOpenAI));
      const organization = await wb.quickInputState();
      if (organization.type === 'password' || organization.value !== '') throw new Error('the organization box is not an empty text box');
      await wb.page.keyboard.press('Enter');
      await wb.waitForQuickInputClosed();
      wb.keyboardOnly = false;

      await wb.waitForNotification(UI.messages.saved('Personal'));
      await wb.waitForRow(UI.tree, UI.providerRow(OPENAI));
      await expectKeyRow(ctx, 'Personal', UI.state.synced, keys.personal);
      await expectUsed(ctx, 'Personal', true);
      await expectHeld(ctx, keys.personal, 'Personal');
    },
  },
  {
    title: 'invalid input: a key pasted as a name, an empty key, a key with a space; then a local-only key',
    async run(ctx) {
      const { wb, keys } = ctx;
      const callsBefore = (await ctx.standIn.state()).requests.filter((r) => r.method === 'POST').length;
      await wb.click(wb.page.getByRole('button', { name: UI.actions.addKey, exact: true }).filter({ visible: true }).first(), 'Add Key in the view title');
      await wb.waitForQuickInput(UI.addTitle());
      await wb.pickByClick(UI.providers.anthropic);
      const nameStep = atStep(2, UI.steps.addLocalOnly, UI.addTitle(UI.providers.anthropic));
      await wb.waitForQuickInput(nameStep);
      await wb.replaceInput(keys.pastedAsName, 'paste');
      await enterIsRefused(ctx, UI.invalid.nameLooksLikeKey, nameStep);
      await ctx.shot('invalid-name');
      await wb.replaceInput('Claude', 'type');
      await wb.page.keyboard.press('Enter');
      const keyStep = atStep(3, UI.steps.addLocalOnly);
      await wb.waitForQuickInput(keyStep);
      await enterIsRefused(ctx, UI.invalid.empty, keyStep);
      await wb.replaceInput(keys.withSpace, 'paste');
      await enterIsRefused(ctx, UI.invalid.space, keyStep);
      await ctx.shot('invalid-key');
      await wb.replaceInput(keys.anthropic, 'paste');
      await wb.page.keyboard.press('Enter');
      await wb.waitForQuickInputClosed();

      await wb.waitForRow(UI.tree, UI.providerRow(UI.providers.anthropic));
      await expectKeyRow(ctx, 'Claude', UI.state.localOnly, keys.anthropic);
      const state = await ctx.standIn.state();
      if (state.requests.filter((r) => r.method === 'POST').length !== callsBefore) throw new Error('a local-only key or an invalid input reached Pieces OS');
      await expectHeld(ctx, keys.personal, 'Personal');
    },
  },
  {
    title: 'rotate inline; a 500 that echoes the key; a 401 whose message offers Restore Previous Key, which restores it',
    async run(ctx) {
      const { wb, keys } = ctx;
      const personal = (): ReturnType<Workbench['row']> => wb.row(UI.tree, UI.keyRow('Personal'));
      await wb.clearNotifications();
      await wb.inlineAction(personal(), UI.actions.updateKey);
      await rotate(ctx, 'Personal', keys.personalRotated);
      await expectKeyRow(ctx, 'Personal', UI.state.synced, keys.personalRotated);
      await expectHeld(ctx, keys.personalRotated, 'Personal');

      // A careless service echoes the request (the key) in its error: the message must not show it.
      await ctx.standIn.fault({ count: 1, fault: 'echo', status: 500, paths: [KEY_PATHS.update] });
      await wb.inlineAction(personal(), UI.actions.updateKey);
      await rotate(ctx, 'Personal', keys.personalEcho);
      await wb.waitForNotification(UI.messages.serverFailed);
      await ctx.shot('echo-500');
      await expectKeyRow(ctx, 'Personal', UI.state.synced, keys.personalEcho);
      await expectHeld(ctx, keys.personalEcho, 'Personal');

      await wb.clearNotifications();
      await ctx.standIn.fault({ count: 1, fault: 'unauthorized', paths: [KEY_PATHS.update] });
      await wb.inlineAction(personal(), UI.actions.updateKey);
      await rotate(ctx, 'Personal', keys.personalRejected);
      const rejected = await wb.waitForNotification(UI.messages.rejected);
      await wb.waitForStatus(UI.status.rejected);
      await expectKeyRow(ctx, 'Personal', UI.state.rejected, keys.personalRejected);
      await ctx.shot('rejected-401');
      // Both next steps are offered; the previous key (the one Pieces OS accepted) comes back.
      await rejected.getByRole('button', { name: UI.buttons.updateKey, exact: true }).waitFor({ timeout: WAIT_MS });
      await wb.click(rejected.getByRole('button', { name: UI.buttons.restorePrevious, exact: true }), 'the message\'s Restore Previous Key');
      await wb.waitForNotification(UI.messages.restored);
      await expectKeyRow(ctx, 'Personal', UI.state.synced, keys.personalEcho);
      await expectHeld(ctx, keys.personalEcho, 'Personal');
      await wb.waitForStatus(UI.status.connected);
    },
  },
  {
    title: 'a second key: the switch question, "Use": the stand-in holds it',
    async run(ctx) {
      const { wb, keys } = ctx;
      await wb.clearNotifications();
      await wb.click(wb.page.getByRole('button', { name: UI.actions.addKey, exact: true }).filter({ visible: true }).first(), 'Add Key in the view title');
      await wb.waitForQuickInput(UI.addTitle());
      await wb.pickByClick(OPENAI);
      await wb.waitForQuickInput(atStep(2, UI.steps.addOpenAI));
      await wb.replaceInput('Work', 'type');
      await wb.page.keyboard.press('Enter');
      await wb.waitForQuickInput(atStep(3, UI.steps.addOpenAI));
      await wb.replaceInput(keys.work, 'paste');
      await wb.page.keyboard.press('Enter');
      await wb.waitForQuickInput(atStep(4, UI.steps.addOpenAI));
      await wb.page.keyboard.press('Enter');
      const question = await wb.waitForDialog(UI.questions.switchKey('Work'));
      await ctx.shot('switch-question');
      await wb.answerDialog(question, UI.buttons.useKey('Work'));
      await expectKeyRow(ctx, 'Work', UI.state.synced, keys.work);
      await expectKeyRow(ctx, 'Personal', UI.state.inactive, keys.personalEcho);
      await expectUsed(ctx, 'Work', true);
      await expectUsed(ctx, 'Personal', false);
      await expectHeld(ctx, keys.work, 'Work');
      await wb.hoverTooltip(wb.row(UI.tree, UI.keyRow('Work')), UI.usedByPieces.tooltip);
      await ctx.shot('two-keys');
    },
  },
  {
    title: 'Pieces OS goes away: a rotation waits (tree, status bar); it comes back: synced',
    async run(ctx) {
      const { wb, keys } = ctx;
      await wb.clearNotifications();
      await ctx.standIn.stop();
      await wb.contextMenu(wb.row(UI.tree, UI.keyRow('Work')), UI.actions.updateKey);
      await rotate(ctx, 'Work', keys.workOffline);
      await wb.waitForNotification(UI.messages.unreachable);
      await expectKeyRow(ctx, 'Work', UI.state.waiting, keys.workOffline);
      await wb.waitForStatus(UI.status.waiting);
      await ctx.shot('waiting');
      await ctx.standIn.start();
      await expectKeyRow(ctx, 'Work', UI.state.synced, keys.workOffline, RECONNECT_MS);
      await expectHeld(ctx, keys.workOffline, 'Work');
      await wb.waitForStatus(UI.status.connected);
    },
  },
  {
    title: 'delete from the context menu: one confirmation each; gone from the tree and the stand-in',
    async run(ctx) {
      const { wb, keys } = ctx;
      await wb.clearNotifications();
      await wb.contextMenu(wb.row(UI.tree, UI.keyRow('Personal')), UI.actions.deleteKey);
      await wb.answerDialog(await wb.waitForDialog(UI.questions.deleteKey('Personal')), UI.buttons.confirmDelete);
      // The key goes only after the last question, so a row gone means no second question waits.
      await wb.waitForNoRow(UI.tree, UI.keyRow('Personal'));
      await expectHeld(ctx, keys.workOffline, 'Work');

      await wb.contextMenu(wb.row(UI.tree, UI.keyRow('Work')), UI.actions.deleteKey);
      await wb.answerDialog(await wb.waitForDialog(UI.questions.deleteKey('Work')), UI.buttons.confirmDelete);
      await wb.waitForNoRow(UI.tree, UI.keyRow('Work'));
      await wb.waitForNoRow(UI.tree, UI.providerRow(OPENAI));
      await expectHeld(ctx, undefined);
      await expectKeyRow(ctx, 'Claude', UI.state.localOnly, keys.anthropic);
    },
  },
  {
    title: 'reload the window: everything is still listed',
    async run(ctx) {
      const { wb, keys } = ctx;
      const before = await wb.treeRows(UI.tree);
      await wb.reloadWindow();
      await wb.waitForStatus(UI.status.connected, RECONNECT_MS);
      // The window restores the sidebar as it was; make sure, without toggling it closed.
      await wb.showViewContainer(UI.viewContainer);
      await until('the same rows as before the reload', async () => (JSON.stringify(await wb.treeRows(UI.tree)) === JSON.stringify(before) ? true : undefined));
      await expectKeyRow(ctx, 'Claude', UI.state.localOnly, keys.anthropic);
      await expectHeld(ctx, undefined);
    },
  },
];
