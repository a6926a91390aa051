// Another extension asks for a key (issue 19), through VS Code's own UI: the Key Consumer fixture
// (test/fixtures/key-consumer, packaged and installed beside ours by run.ts) calls
// vscode.authentication.getSession('provider-keys', ['openai'], { createIfNone: true }) and reports the
// SHA-256 of what it got, never the key, in a notification and in report.jsonl in its global storage, which
// the run reads (ScenarioContext.consumer). It asks again, silently, whenever our sessions change.
import type { ScenarioContext, Step } from './scenario';
import { type Workbench, WAIT_MS, escapeRegExp, sha256, until } from './workbench';

/** One answer the consumer got, as it reported it. */
export interface ConsumerReport {
  readonly trigger: 'get' | 'change';
  readonly account: string | null;
  readonly sha256: string | null;
  readonly error: string | null;
}

export const CONSUMER = {
  id: 'provider-keys-test.key-consumer',
  getKey: 'Key Consumer: Get OpenAI Key',
  /** VS Code's own words, the same in 1.90 and the newest. */
  consent: /The extension 'Key Consumer' wants to sign in using Provider Keys\./,
  allow: 'Allow',
  deny: 'Cancel',
  picker: /The extension 'Key Consumer' wants to access a Provider Keys account/,
  signOutQuestion: (account: string): RegExp =>
    new RegExp(`The account '${escapeRegExp(account)}' has been used by|Sign out of '${escapeRegExp(account)}'`),
  signOut: 'Sign Out',
  /** What the consumer says (test/fixtures/key-consumer/extension.js). */
  got: (account: string): RegExp => new RegExp(`^Key Consumer #\\d+ got "${escapeRegExp(account)}" \\(SHA-256 [0-9a-f]{16}…\\)`),
  gotNothing: /^Key Consumer #\d+ got no key: User did not consent to login\./,
} as const;

/** The account of a key, as VS Code lists it (src/flows/keySessions.ts accountLabel). */
export const account = (name: string, provider: string): string => `${name} (${provider})`;

/** What our Sign Out question says and does (src/flows/keyActions.ts). */
export const SIGN_OUT = {
  question: (name: string): RegExp => new RegExp(`^Delete "${escapeRegExp(name)}" \\(sk-[a-z]*-?…[A-Za-z0-9]{4}\\) from Provider Keys\\?$`),
  deleteKey: 'Delete Key',
  keepsUsing: (name: string): RegExp => new RegExp(`Pieces OS keeps using "${escapeRegExp(name)}"\\.`),
  holdsNone: /Pieces OS uses this key; after the delete it holds no OpenAI key\./,
} as const;

/**
 * Waits for the consumer's next report (`trigger`) after the first `after`. `noQuestion`: fails as soon as
 * VS Code shows a modal dialog or a quick pick instead (once the palette that ran the command has closed).
 */
async function nextReport(
  ctx: ScenarioContext,
  trigger: ConsumerReport['trigger'],
  after: number,
  noQuestion = false,
): Promise<ConsumerReport> {
  if (noQuestion) await ctx.wb.waitForQuickInputClosed();
  const seen = await until(`the consumer's next "${trigger}" report`, async () => {
    const report = ctx
      .consumer()
      .slice(after)
      .find((r) => r.trigger === trigger);
    if (report) return report;
    const asked = noQuestion && ((await ctx.wb.page.locator('.monaco-dialog-box').count()) > 0 || (await ctx.wb.quickInput().isVisible()));
    return asked ? ('asked' as const) : undefined;
  });
  if (seen === 'asked') throw new Error('VS Code asked a question instead of giving the key at once');
  return seen;
}

/** Runs Key Consumer: Get OpenAI Key and answers VS Code's consent dialog (and, allowed, its account picker). */
async function askForKey(
  ctx: ScenarioContext,
  answer: { allow: false } | { allow: true; account: string },
  shot?: string,
): Promise<ConsumerReport> {
  const { wb } = ctx;
  const before = ctx.consumer().length;
  await wb.runCommand(CONSUMER.getKey);
  const dialog = await wb.waitForDialogText(CONSUMER.consent);
  if (shot && !answer.allow) await ctx.shot(shot);
  await wb.answerDialog(dialog, answer.allow ? CONSUMER.allow : CONSUMER.deny);
  if (answer.allow) {
    // Several keys (accounts) can fit, so VS Code lets the user pick the one this extension gets.
    await wb.waitForQuickInput(CONSUMER.picker);
    if (shot) await ctx.shot(shot);
    await wb.pickByTyping(answer.account);
  }
  return nextReport(ctx, 'get', before);
}

/** Waits until the consumer, following a change event after report `since`, holds `key` under `accountLabel`, or nothing. */
export async function expectConsumerHolds(
  ctx: ScenarioContext,
  since: number,
  key: string | undefined,
  accountLabel?: string,
): Promise<void> {
  const want = key ? sha256(key) : null;
  await until(key ? `the consumer to follow the change to "${accountLabel}"` : 'the consumer to get no key', async () => {
    const last = ctx
      .consumer()
      .slice(since)
      .filter((report) => report.trigger === 'change')
      .at(-1);
    return last && last.sha256 === want && (!key || last.account === accountLabel) ? true : undefined;
  });
}

/** Opens the Accounts menu and points at `accountLabel`'s entry (`<account> (Provider Keys)`), which opens its submenu. */
export async function openAccount(wb: Workbench, accountLabel: string): Promise<void> {
  await wb.click(wb.page.getByRole('button', { name: /^Accounts/ }).first(), 'the Accounts menu');
  const entry = wb.page.getByRole('menuitem', { name: `${accountLabel} (Provider Keys)` });
  await entry.waitFor({ state: 'visible', timeout: WAIT_MS });
  await entry.hover();
  await wb.page.getByRole('menuitem', { name: CONSUMER.signOut, exact: true }).waitFor({ state: 'visible', timeout: WAIT_MS });
}

/**
 * Sign Out of a key's account in the Accounts menu: VS Code asks first (its own words), then ours, whose
 * detail must match `heldAfter`; the key is deleted.
 */
export async function signOut(ctx: ScenarioContext, name: string, accountLabel: string, heldAfter: RegExp): Promise<void> {
  const { wb } = ctx;
  await openAccount(wb, accountLabel);
  await wb.page.waitForTimeout(200); // a menu item ignores mouse-up for its first 100 ms (workbench.ts contextMenu)
  await wb.click(wb.page.getByRole('menuitem', { name: CONSUMER.signOut, exact: true }), 'Sign Out');
  await wb.answerDialog(await wb.waitForDialogText(CONSUMER.signOutQuestion(accountLabel)), CONSUMER.signOut);
  const ours = await wb.waitForDialog(SIGN_OUT.question(name));
  const detail = await wb.dialogDetail(ours);
  if (!heldAfter.test(detail)) throw new Error(`the sign-out question says: "${detail}"`);
  await ctx.shot('sign-out-question');
  await wb.answerDialog(ours, SIGN_OUT.deleteKey);
}

/** VS Code's consent dialog, then its account picker; the Accounts menu lists the key. */
export const consentStep: Step = {
  title:
    'another extension asks for an OpenAI key: VS Code asks; Cancel gives nothing; Allow and a pick give it the key; asked again, no question',
  async run(ctx) {
    const { wb, keys } = ctx;
    const personal = account('Personal', 'OpenAI');
    await wb.clearNotifications();
    const denied = await askForKey(ctx, { allow: false }, 'consent');
    if (denied.sha256 !== null || !/did not consent/.test(denied.error ?? '')) {
      throw new Error(`after Cancel the consumer got ${denied.sha256 ? 'a key' : `"${denied.error}"`}`);
    }
    await wb.waitForNotification(CONSUMER.gotNothing);

    const allowed = await askForKey(ctx, { allow: true, account: personal }, 'consent-picker');
    if (allowed.account !== personal || allowed.sha256 !== sha256(keys.personal)) {
      throw new Error(
        `after Allow the consumer got "${allowed.account}", ${allowed.sha256 === sha256(keys.personal) ? 'the key' : 'not the key'}`,
      );
    }
    await wb.waitForNotification(CONSUMER.got(personal));

    const before = ctx.consumer().length;
    await wb.runCommand(CONSUMER.getKey);
    const again = await nextReport(ctx, 'get', before, true);
    if (again.sha256 !== sha256(keys.personal)) throw new Error('asked again, the consumer did not get the same key');

    await openAccount(wb, personal);
    await ctx.shot('accounts-menu');
    await wb.page.keyboard.press('Escape');
    await wb.page.keyboard.press('Escape');
  },
};
