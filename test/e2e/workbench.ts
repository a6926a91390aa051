// Driving VS Code's workbench (code-server in Chromium) the way a person does: the command palette,
// the keyboard, clicks on what is on screen. Elements are found by role and accessible name, or by
// the workbench's own widget structure (the quick input, notifications, dialogs), never by position.
// Every wait is for a condition, with a timeout scaled by PROVIDER_KEYS_E2E_TIMEOUT_SCALE.
import { createHash } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';

const SCALE = Number(process.env.PROVIDER_KEYS_E2E_TIMEOUT_SCALE) || 1;
/** How long a condition may take on a busy 2-core machine. */
export const WAIT_MS = 30_000 * SCALE;
/** How long Pieces OS may take to be noticed again (the extension retries with backoff). */
export const RECONNECT_MS = 75_000 * SCALE;

/** SHA-256 in hex: how the run compares a secret it must not print. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** An action's accessible name (a menu item, a row's button): its title, then the key bound to it if any. */
const actionName = (item: string): RegExp => new RegExp(`^${escapeRegExp(item)}(\\s|$)`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `probe` returns something other than undefined; fails with `what` and the last value seen. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeout = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: string | undefined;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message.split('\n')[0] : String(error);
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${(timeout / 1000).toFixed(0)} s waiting for ${what}${last ? ` (last: ${last})` : ''}`);
    }
    await sleep(delay);
  }
}

export interface TreeRow {
  readonly label: string;
  readonly level: number;
  readonly text: string;
}

export class Workbench {
  /** While set, any use of the mouse fails the test: the flow must be done with the keyboard alone. */
  keyboardOnly = false;

  constructor(
    readonly page: Page,
    private readonly statusItemId: string,
  ) {}

  private mouse(what: string): void {
    if (this.keyboardOnly) throw new Error(`the mouse was used (${what}) during a keyboard-only flow`);
  }

  async click(target: Locator, what: string, options: { button?: 'right' } = {}): Promise<void> {
    this.mouse(what);
    await target.click({ timeout: WAIT_MS, ...options });
  }

  // --- status bar ---------------------------------------------------------------------------------

  statusItem(): Locator {
    return this.page.locator(`[id="${this.statusItemId}"]`);
  }

  async statusText(): Promise<string> {
    return ((await this.statusItem().textContent({ timeout: WAIT_MS })) ?? '').trim();
  }

  async waitForStatus(pattern: RegExp, timeout = WAIT_MS): Promise<string> {
    return until(
      `the status bar to show ${pattern}`,
      async () => {
        const text = await this.statusText();
        return pattern.test(text) ? text : undefined;
      },
      timeout,
    );
  }

  // --- views --------------------------------------------------------------------------------------

  async openViewContainer(name: string): Promise<void> {
    await this.click(this.page.getByRole('tab', { name }), `the ${name} activity bar item`);
  }

  /** View: Show <container>: opens the view container, never toggles it closed (as a click on its icon can). */
  async showViewContainer(name: string): Promise<void> {
    await this.runCommand(`View: Show ${name}`);
  }

  /** A view's welcome content (shown while its tree is empty). */
  welcomeView(): Locator {
    return this.page.getByRole('region', { name: 'Welcome' });
  }

  tree(name: string): Locator {
    return this.page.getByRole('tree', { name });
  }

  /** The rows of a tree as the accessibility tree sees them. */
  async treeRows(name: string): Promise<TreeRow[]> {
    return this.tree(name)
      .getByRole('treeitem')
      .evaluateAll((rows) =>
        rows.map((row) => ({
          label: row.getAttribute('aria-label') ?? '',
          level: Number(row.getAttribute('aria-level')),
          text: (row.textContent ?? '').trim(),
        })),
      );
  }

  /** A tree row whose accessible name matches. */
  row(tree: string, name: RegExp): Locator {
    return this.tree(tree).getByRole('treeitem', { name });
  }

  async waitForRow(tree: string, name: RegExp, timeout = WAIT_MS): Promise<TreeRow> {
    return until(`a row ${name} in the ${tree} tree`, async () => (await this.treeRows(tree)).find((row) => name.test(row.label)), timeout);
  }

  async waitForNoRow(tree: string, name: RegExp): Promise<void> {
    await until(`no row ${name} in the ${tree} tree`, async () =>
      (await this.treeRows(tree)).some((row) => name.test(row.label)) ? undefined : true,
    );
  }

  /**
   * Waits until the tree that holds `row` has not changed for `quietMs`. A row redrawn under the
   * pointer (the extension redraws after every sync) can run its action without the row as argument,
   * so clicks on rows wait for this.
   */
  async waitForQuietTree(row: Locator, quietMs = 300): Promise<void> {
    await row.locator('xpath=ancestor::*[@role="tree"]').evaluate(
      (tree, [quiet, limit]) =>
        new Promise<void>((resolve) => {
          // Runs in the page; the test build has no DOM types, hence the cast.
          type Observer = { observe(target: unknown, options: object): void; disconnect(): void };
          const { MutationObserver } = globalThis as unknown as { MutationObserver: new (callback: () => void) => Observer };
          let timer: ReturnType<typeof setTimeout> | undefined;
          const observer = new MutationObserver(() => {
            clearTimeout(timer);
            timer = setTimeout(done, quiet);
          });
          const deadline = setTimeout(done, limit);
          function done(): void {
            observer.disconnect();
            clearTimeout(timer);
            clearTimeout(deadline);
            resolve();
          }
          observer.observe(tree, { subtree: true, childList: true, attributes: true, characterData: true });
          timer = setTimeout(done, quiet);
        }),
      [quietMs, WAIT_MS] as const,
    );
  }

  /**
   * Whether `text` shows whole in a tree row: not cut by the row's end (a narrow sidebar), nor hidden by
   * the action buttons a hovered, focused or selected row shows.
   */
  async rowShowsWhole(row: Locator, text: string): Promise<boolean> {
    return row.evaluate((element, wanted) => {
      // Runs in the page; the test build has no DOM types, hence the casts.
      type Rect = { left: number; right: number };
      type Node = { textContent: string | null; nodeType: number; childNodes: ArrayLike<Node>; getBoundingClientRect(): Rect };
      const root = element as unknown as Node & { querySelector(selector: string): Node | null };
      const container = root.querySelector('.monaco-icon-label-container');
      const doc = (
        globalThis as unknown as {
          document: {
            createRange(): { setStart(n: Node, o: number): void; setEnd(n: Node, o: number): void; getBoundingClientRect(): Rect };
          };
        }
      ).document;
      if (!container) return false;
      const texts: Node[] = [];
      const walk = (node: Node): void => {
        if (node.nodeType === 3) texts.push(node);
        for (const child of Array.from(node.childNodes)) walk(child);
      };
      walk(container);
      for (const node of texts) {
        const at = (node.textContent ?? '').indexOf(wanted);
        if (at < 0) continue;
        const range = doc.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + wanted.length);
        return range.getBoundingClientRect().right <= container.getBoundingClientRect().right + 0.5;
      }
      return false;
    }, text);
  }

  /** Clicks an inline action of a tree row (shown on hover). */
  async inlineAction(row: Locator, action: string): Promise<void> {
    this.mouse(`inline action ${action}`);
    await this.waitForQuietTree(row);
    await row.hover({ timeout: WAIT_MS });
    await row.getByRole('button', { name: actionName(action) }).click({ timeout: WAIT_MS });
    await this.moveMouseAway();
  }

  /** Moves the pointer off the sidebar, so that no hover effect stays on a row. */
  async moveMouseAway(): Promise<void> {
    const size = this.page.viewportSize();
    if (size) await this.page.mouse.move(size.width * 0.7, size.height * 0.5);
  }

  /**
   * Clicks the empty space below a tree's rows, as a person does to clear its selection: a selected row
   * shows its action buttons over its text. Then moves the pointer off the sidebar.
   */
  async clearTreeSelection(tree: string): Promise<void> {
    this.mouse('a click below the tree rows');
    const box = await this.tree(tree).boundingBox();
    if (!box) throw new Error(`the ${tree} tree is not on screen`);
    await this.page.mouse.click(box.x + box.width / 2, box.y + box.height - 10);
    await until(`no selected row in the ${tree} tree`, async () =>
      (await this.tree(tree).locator('[role="treeitem"][aria-selected="true"]').count()) === 0 ? true : undefined,
    );
    await this.moveMouseAway();
  }

  /** Hovers over a row until its tooltip shows `text`. */
  async hoverTooltip(row: Locator, text: RegExp): Promise<void> {
    this.mouse('hover for a tooltip');
    await this.waitForQuietTree(row);
    await row.hover({ timeout: WAIT_MS });
    await this.page
      .locator('.monaco-hover, .workbench-hover')
      .filter({ hasText: text })
      .first()
      .waitFor({ state: 'visible', timeout: WAIT_MS });
  }

  async contextMenu(row: Locator, item: string): Promise<void> {
    await this.waitForQuietTree(row);
    await this.click(row, 'a tree row', { button: 'right' });
    // An item with a key binding reads out its key after its title ("Delete Key… Delete").
    const entry = this.page.getByRole('menuitem', { name: actionName(item) });
    await entry.waitFor({ state: 'visible', timeout: WAIT_MS });
    // A menu item ignores mouse-up for its first 100 ms (so the right-click that opened the menu cannot
    // choose an item); a person is never that quick, but Playwright is.
    await this.page.waitForTimeout(200);
    await this.click(entry, `menu item ${item}`);
    await this.moveMouseAway();
  }

  /**
   * Drags the sash between the sidebar and the editor until the sidebar is `width` pixels wide, as a
   * person does (VS Code's default is 300; a narrow sidebar is 218 and less).
   */
  async setSidebarWidth(width: number): Promise<void> {
    this.mouse(`the sidebar's sash (to ${width} px)`);
    const sidebar = this.page.locator('.part.sidebar').first();
    for (let attempt = 0; attempt < 3; attempt++) {
      const box = await sidebar.boundingBox();
      if (!box) throw new Error('the sidebar is not on screen');
      if (Math.abs(box.width - width) <= 1) return this.moveMouseAway();
      // The vertical sash nearest the sidebar's right edge (VS Code draws it over the edge).
      const edge = box.x + box.width;
      const sashes = await this.page.locator('.monaco-sash.vertical').evaluateAll((nodes) =>
        nodes.map((node) => {
          const rect = (
            node as unknown as { getBoundingClientRect(): { x: number; y: number; width: number; height: number } }
          ).getBoundingClientRect();
          return { x: rect.x + rect.width / 2, y: rect.y + rect.height / 2, height: rect.height };
        }),
      );
      const sash = sashes.filter((c) => c.height > 0).sort((a, b) => Math.abs(a.x - edge) - Math.abs(b.x - edge))[0];
      if (!sash || Math.abs(sash.x - edge) > 4) throw new Error("no sash at the sidebar's edge");
      await this.page.mouse.move(sash.x, sash.y);
      await this.page.mouse.down();
      await this.page.mouse.move(sash.x + (width - box.width), sash.y, { steps: 10 });
      await this.page.mouse.up();
      await this.page.waitForTimeout(300);
    }
    const box = await sidebar.boundingBox();
    throw new Error(`the sidebar is ${box?.width ?? '?'} px wide, not ${width}`);
  }

  // --- the keyboard: focus, as a screen reader reads it out -----------------------------------------

  /** The accessible name of the element that has keyboard focus (inside shadow roots too), or of the
   * row a list or tree marks as active (`aria-activedescendant`), which is what a screen reader reads. */
  async focusedName(): Promise<{ role: string; name: string; text: string }> {
    return this.page.evaluate(`(() => {
      let el = document.activeElement;
      while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
      if (!el) return { role: '', name: '', text: '' };
      const active = el.getAttribute('aria-activedescendant');
      const target = (active && (el.getRootNode().getElementById ? el.getRootNode().getElementById(active) : document.getElementById(active))) || el;
      return {
        role: target.getAttribute('role') || target.tagName.toLowerCase(),
        name: (target.getAttribute('aria-label') || '').trim(),
        text: (target.textContent || '').trim(),
      };
    })()`);
  }

  /** Presses `key` until the focused element's accessible name (or text) matches `name`; at most `limit` times. */
  async pressUntilFocused(key: string, name: RegExp, what: string, limit = 20): Promise<void> {
    for (let i = 0; ; i++) {
      const focused = await this.focusedName();
      if (name.test(focused.name) || (!focused.name && name.test(focused.text))) return;
      if (i >= limit) {
        throw new Error(
          `${what}: ${key} ${limit} times did not reach ${name} (focus on ${focused.role} "${focused.name || focused.text.slice(0, 60)}")`,
        );
      }
      await this.page.keyboard.press(key);
      await this.page.waitForTimeout(60);
    }
  }

  /** Focuses a tree with its "Focus on … View" command, then moves to the row whose accessible name matches. */
  async focusRowByKeyboard(focusCommand: string, name: RegExp): Promise<void> {
    await this.runCommand(focusCommand);
    // The command runs once the palette has closed: a key pressed before then goes to the row focused before.
    await this.waitForQuickInputClosed();
    await until('the tree to have keyboard focus', async () => {
      const focused = await this.focusedName();
      // The tree itself (no row focused yet) or one of its rows.
      if (focused.role !== 'tree' && focused.role !== 'treeitem') {
        throw new Error(`focus on ${focused.role} "${focused.name || focused.text.slice(0, 60)}"`);
      }
      return true;
    });
    await this.page.keyboard.press('Home');
    await this.pressUntilFocused('ArrowDown', name, 'the tree row');
  }

  /** Shift+F10 on the focused element, then the arrow keys to `item` and Enter: a context menu without the mouse. */
  async contextMenuByKeyboard(item: string): Promise<void> {
    await this.page.keyboard.press('Shift+F10');
    await this.page.getByRole('menu').first().waitFor({ state: 'visible', timeout: WAIT_MS });
    await this.pressUntilFocused('ArrowDown', actionName(item), 'the context menu');
    await this.page.keyboard.press('Enter');
  }

  /** Notifications: Focus Notification Toast; returns what a screen reader reads out for the focused toast. */
  async focusNotificationByKeyboard(text: RegExp): Promise<string> {
    await this.runCommand('Notifications: Focus Notification Toast');
    return until(`keyboard focus on the notification ${text}`, async () => {
      const focused = await this.focusedName();
      return text.test(focused.name) ? focused.name : undefined;
    });
  }

  // --- the clipboard ------------------------------------------------------------------------------

  /**
   * The SHA-256 of the text on the browser's clipboard (the text itself never leaves this method). The
   * workbench may write the clipboard but not read it (as a user who never allowed it): the run allows the
   * read only for the moment it reads, and takes it back.
   */
  async clipboardDigest(): Promise<string> {
    const context = this.page.context();
    const origin = new URL(this.page.url()).origin;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    try {
      return sha256(await this.page.evaluate<string>('navigator.clipboard.readText()'));
    } finally {
      await context.clearPermissions();
      await context.grantPermissions(['clipboard-write'], { origin });
    }
  }

  // --- the integrated terminal ----------------------------------------------------------------------

  /** The visible terminal's rows, as text (the DOM renderer; the run turns GPU acceleration off). */
  async terminalText(): Promise<string> {
    const rows = this.page.locator('.terminal-wrapper.active .xterm-rows');
    if ((await rows.count()) === 0) return '';
    return rows.first().evaluate((el) => (el as unknown as { innerText: string }).innerText);
  }

  /** Terminal: Create New Terminal, and its shell's first prompt. */
  async newTerminal(): Promise<void> {
    const before = await this.page.locator('.terminal-wrapper').count();
    await this.runCommand('Terminal: Create New Terminal');
    await until('a new terminal with a prompt', async () =>
      (await this.page.locator('.terminal-wrapper').count()) > before && (await this.terminalText()).trim().length > 0 ? true : undefined,
    );
  }

  /**
   * Types a command line into the focused terminal and waits for output matching `output`. The rows
   * are joined without line breaks, since a narrow terminal wraps long output over several rows.
   */
  async runInTerminal(line: string, output: RegExp): Promise<RegExpExecArray> {
    await this.page.keyboard.type(line);
    await this.page.keyboard.press('Enter');
    return until(
      `terminal output ${output}`,
      async () => output.exec((await this.terminalText()).replace(/\u00a0/g, ' ').replace(/\n/g, '')) ?? undefined,
    );
  }

  // --- the quick input (palette, quick picks, input boxes) -----------------------------------------

  quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  quickInputBox(): Locator {
    return this.quickInput().locator('.quick-input-box input');
  }

  async quickInputState(): Promise<{ visible: boolean; title: string; message: string; value: string; type: string; error: boolean }> {
    const widget = this.quickInput();
    const visible = await widget.isVisible();
    if (!visible) return { visible, title: '', message: '', value: '', type: '', error: false };
    const box = this.quickInputBox();
    return {
      visible,
      title: ((await widget.locator('.quick-input-title').textContent()) ?? '').trim(),
      message: ((await widget.locator('.quick-input-message').textContent()) ?? '').trim(),
      value: await box.inputValue(),
      type: (await box.getAttribute('type')) ?? '',
      error: /\berror\b/.test((await widget.locator('.monaco-inputbox').getAttribute('class')) ?? ''),
    };
  }

  /** The rows of the quick pick as a screen reader has them (options, or checkboxes in a multi-select pick). */
  async quickPickRows(): Promise<Array<{ role: string; label: string; checked: boolean }>> {
    return this.quickInput()
      .locator('.quick-input-list .monaco-list-row')
      .evaluateAll((rows) =>
        rows.map((row) => ({
          role: row.getAttribute('role') ?? '',
          label: row.getAttribute('aria-label') ?? '',
          checked: row.getAttribute('aria-checked') === 'true',
        })),
      );
  }

  /** Waits for the quick input to show a title matching `title` (a step of a flow). */
  async waitForQuickInput(title: RegExp): Promise<void> {
    await until(`the quick input titled ${title}`, async () => {
      const state = await this.quickInputState();
      return state.visible && title.test(state.title) ? true : undefined;
    });
  }

  async waitForQuickInputClosed(): Promise<void> {
    await until('the quick input to close', async () => ((await this.quickInput().isVisible()) ? undefined : true));
  }

  /** F1, the command's title, Enter: as a person runs a command. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    await until('the command palette', async () => ((await this.quickInputState()).visible ? true : undefined));
    await this.page.keyboard.type(title);
    // The first row must be the command itself before Enter runs it (the list filters as we type).
    const first = this.quickInput().getByRole('option').first();
    await until(`"${title}" first in the palette`, async () =>
      (await first.getAttribute('aria-label'))?.startsWith(title) ? true : undefined,
    );
    await this.page.keyboard.press('Enter');
  }

  /** Developer: Reload Window, and the page loaded again. */
  async reloadWindow(): Promise<void> {
    const loaded = this.page.waitForEvent('load', { timeout: 2 * WAIT_MS });
    await this.runCommand('Developer: Reload Window');
    await loaded;
  }

  /** Picks the option whose accessible name starts with `label`, by typing it and pressing Enter. */
  async pickByTyping(label: string): Promise<void> {
    await this.page.keyboard.type(label);
    const first = this.quickInput().getByRole('option').first();
    await until(`"${label}" first in the list`, async () =>
      (await first.getAttribute('aria-label'))?.startsWith(label) ? true : undefined,
    );
    await this.page.keyboard.press('Enter');
  }

  /** Clicks the option whose accessible name starts with `label`. */
  async pickByClick(label: string): Promise<void> {
    await this.click(this.quickInput().getByRole('option', { name: new RegExp(`^${escapeRegExp(label)}`) }), `option ${label}`);
  }

  /** Replaces the input box's text, as select-all and typing (or pasting) does. */
  async replaceInput(text: string, how: 'type' | 'paste'): Promise<void> {
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.press('Backspace');
    if (how === 'paste') await this.page.keyboard.insertText(text);
    else await this.page.keyboard.type(text);
  }

  // --- notifications and dialogs ------------------------------------------------------------------

  notification(text: RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-list-item').filter({ hasText: text });
  }

  async waitForNotification(text: RegExp, timeout = WAIT_MS): Promise<Locator> {
    const toast = this.notification(text).first();
    await toast.waitFor({ state: 'visible', timeout });
    return toast;
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
    await until('no notification toasts', async () =>
      (await this.page.locator('.notifications-toasts .notification-list-item').count()) === 0 ? true : undefined,
    );
  }

  /** A modal dialog whose message (not its buttons or detail) matches. */
  async waitForDialog(message: RegExp): Promise<Locator> {
    const dialog = this.page.getByRole('dialog').filter({ has: this.page.locator('.dialog-message-text', { hasText: message }) });
    await dialog.waitFor({ state: 'visible', timeout: WAIT_MS });
    return dialog;
  }

  /** A dialog's detail text (under its message). */
  async dialogDetail(dialog: Locator): Promise<string> {
    return ((await dialog.locator('.dialog-message-detail').textContent({ timeout: WAIT_MS })) ?? '').trim();
  }

  async answerDialog(dialog: Locator, button: string): Promise<void> {
    await this.click(dialog.getByRole('button', { name: button, exact: true }), `dialog button ${button}`);
    await dialog.waitFor({ state: 'hidden', timeout: WAIT_MS });
  }
}
