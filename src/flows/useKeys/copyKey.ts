// Copy Key: asks once, copies, and empties the clipboard again after 30 seconds (clipboardClear.ts:
// where the clipboard can be read back, only if it still holds the key; in a browser, whatever it holds,
// since reading it there raises VS Code's own error toast). The first message says which.
import { StateKeys } from '../../constants';
import * as l10n from '@vscode/l10n';
import { maskKey } from '../../core/keys/mask';
import { getProvider } from '../../core/providers/catalogue';
import { resolveKey } from '../pickKey';
import { ClipboardClear } from './clipboardClear';
import { type FlowDeps, keyPicker, keyringUnavailable, readSecret } from './flowDeps';

export const CLIPBOARD_CLEAR_MS = 30_000;

export class CopyKey {
  private readonly clearing: ClipboardClear;

  constructor(private readonly deps: FlowDeps) {
    this.clearing = new ClipboardClear({
      clipboard: () => this.deps.workbench().clipboard,
      canReadBack: () => this.deps.workbench().clipboardReadable(),
      delayMs: () => this.deps.knobs.clipboardClearMs ?? CLIPBOARD_CLEAR_MS,
      log: this.deps.log,
    });
  }

  async run(arg: unknown): Promise<boolean> {
    const record = await resolveKey(keyPicker(this.deps), arg, {
      title: l10n.t('Copy Key'),
      placeholder: l10n.t('Which key do you want to copy?'),
    });
    if (!record) return false;
    const secret = await readSecret(this.deps, record.id);
    if (!secret) {
      void this.deps.workbench().message('error', keyringUnavailable(record.name));
      return false;
    }
    const seconds = Math.round((this.deps.knobs.clipboardClearMs ?? CLIPBOARD_CLEAR_MS) / 1000);
    const clearing = this.clearing.checksFirst
      ? l10n.t('It is cleared after {0} seconds if it still holds the key.', seconds)
      : l10n.t(
          'After {0} seconds the clipboard is emptied, whatever it holds then: in a browser VS Code cannot check what it holds.',
          seconds,
        );
    if (!this.deps.workbench().memento.get<boolean>(StateKeys.copyConfirmed)) {
      const ok = await this.deps
        .workbench()
        .confirm(
          l10n.t('Copy "{0}" to the clipboard?', record.name),
          l10n.t('Any application can read the clipboard while the key is on it. {0} This question is asked once.', clearing),
          l10n.t('Copy'),
        );
      if (!ok) return false;
      await this.deps.workbench().memento.update(StateKeys.copyConfirmed, true);
    }
    await this.clearing.copy(secret);
    this.deps.log.info(`Copied ${getProvider(record.provider)?.label ?? record.provider} key "${record.name}" to the clipboard`);
    const copied = this.clearing.checksFirst
      ? l10n.t(
          'Copied "{0}" ({1}). The clipboard will be cleared in {2} seconds if it still holds the key.',
          record.name,
          maskKey(secret),
          seconds,
        )
      : l10n.t(
          'Copied "{0}" ({1}). In {2} seconds the clipboard is emptied, whatever it holds then (in a browser VS Code cannot check it).',
          record.name,
          maskKey(secret),
          seconds,
        );
    void this.deps.workbench().message('info', copied);
    return true;
  }

  /** On shutdown, clears at once what would have been cleared later. */
  dispose(): void {
    void this.clearing.flush();
  }
}
