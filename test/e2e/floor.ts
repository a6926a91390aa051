// The short end-to-end run on the oldest VS Code we claim (1.90, code-server 4.90.3; `npm run test:e2e:floor`):
// the other extension's consent flow through VS Code 1.90's own UI, with the key added, rotated and signed
// out of as the full scenario (scenario.ts, on the newest VS Code) does it.
import { SIGN_OUT, account, consentStep, expectConsumerHolds, signOut } from './consent';
import { RECONNECT_MS } from './workbench';
import { type Step, UI, addOpenAIKey, expectKeyRow, rotate } from './scenario';

const OPENAI = UI.providers.openai;

export const FLOOR_STEPS: readonly Step[] = [
  {
    title: 'Pieces OS answers; add "Personal" (OpenAI) from the palette',
    async run(ctx) {
      const { wb, keys } = ctx;
      await ctx.standIn.start();
      await wb.waitForStatus(UI.status.connected, RECONNECT_MS);
      await wb.showViewContainer(UI.viewContainer);
      await addOpenAIKey(ctx, 'Personal', keys.personal);
      await wb.waitForQuickInputClosed();
      await expectKeyRow(ctx, 'Personal', UI.state.synced, keys.personal);
    },
  },
  consentStep,
  {
    title: 'rotate "Personal": the other extension follows the change and gets the new key',
    async run(ctx) {
      const { wb, keys } = ctx;
      const since = ctx.consumer().length;
      await wb.contextMenu(wb.row(UI.tree, UI.keyRow('Personal')), UI.actions.updateKey);
      await rotate(ctx, 'Personal', keys.personalRotated);
      await expectKeyRow(ctx, 'Personal', UI.state.synced, keys.personalRotated);
      await expectConsumerHolds(ctx, since, keys.personalRotated, account('Personal', OPENAI));
    },
  },
  {
    title: 'Sign Out of "Personal" in the Accounts menu: VS Code asks, then we do (Pieces OS holds no key after); the extension gets none',
    async run(ctx) {
      const { wb } = ctx;
      await wb.clearNotifications();
      const since = ctx.consumer().length;
      await signOut(ctx, 'Personal', account('Personal', OPENAI), SIGN_OUT.holdsNone);
      await wb.waitForNoRow(UI.tree, UI.keyRow('Personal'));
      await expectConsumerHolds(ctx, since, undefined);
    },
  },
];
