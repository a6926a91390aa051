// Copy Key: asks once, copies, and clears the clipboard after 30 seconds if it still holds the key.
// Only a hash of the key is kept for that comparison, so the key is not held in memory meanwhile.
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import { StateKeys } from '../../constants';
import { t } from '../../core/l10n';
import { maskKey } from '../../core/mask';
import { resolveKey } from '../../flows/pickKey';
import { type FlowDeps, keyringUnavailable, readSecret } from './flowDeps';

export const CLIPBOARD_CLEAR_MS = 30_000;

const digest = (text: string): string => createHash('sha256').update(text).digest('hex');

export class CopyKey implements vscode.Disposable {
  /** Pending clears: the timer and the hash of what it clears. */
  private readonly pending = new Set<{ timer: ReturnType<typeof setTimeout>; hash: string }>();

  constructor(private readonly deps: FlowDeps) {}

  private get clipboard(): vscode.Clipboard {
    return this.deps.knobs.clipboard ?? vscode.env.clipboard;
  }

  async run(arg: unknown): Promise<boolean> {
    const record = await resolveKey(this.deps, arg, { title: t('Copy Key'), placeholder: t('Which key do you want to copy?') });
    if (!record) return false;
    const secret = await readSecret(this.deps, record.id);
    if (!secret) {
      void this.deps.prompter().message('error', keyringUnavailable(record.name));
      return false;
    }
    const seconds = Math.round((this.deps.knobs.clipboardClearMs ?? CLIPBOARD_CLEAR_MS) / 1000);
    if (!this.deps.globalState.get<boolean>(StateKeys.copyConfirmed)) {
      const ok = await this.deps.prompter().confirm(
        t('Copy "{0}" to the clipboard?', record.name),
        t('Any application can read the clipboard while the key is on it. It is cleared after {0} seconds if it still holds the key. This question is asked once.', seconds),
        t('Copy'),
      );
      if (!ok) return false;
      await this.deps.globalState.update(StateKeys.copyConfirmed, true);
    }
    await this.clipboard.writeText(secret);
    this.scheduleClear(digest(secret));
    this.deps.log.info(`Copied the ${record.provider} key "${record.name}" to the clipboard`);
    void this.deps.prompter().message('info', t('Copied "{0}" ({1}). The clipboard will be cleared in {2} seconds if it still holds the key.', record.name, maskKey(secret), seconds));
    return true;
  }

  private scheduleClear(hash: string): void {
    const entry = {
      hash,
      timer: setTimeout(() => {
        this.pending.delete(entry);
        void this.clearIfHolds(hash);
      }, this.deps.knobs.clipboardClearMs ?? CLIPBOARD_CLEAR_MS),
    };
    this.pending.add(entry);
  }

  /**
   * Empties the clipboard if it still holds the key with this hash; anything copied since is left alone.
   * A clipboard that cannot be read (a browser that was not allowed to read it answers with nothing, or
   * throws) is emptied anyway: it may still hold the key, and the message promised it would go.
   */
  private async clearIfHolds(hash: string): Promise<void> {
    let current: string | undefined;
    try {
      current = await this.clipboard.readText();
    } catch (error) {
      this.deps.log.warn(`Could not read the clipboard: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (current && digest(current) !== hash) return;
    try {
      await this.clipboard.writeText('');
      this.deps.log.info(current ? 'Cleared a copied key from the clipboard' : 'Emptied the clipboard: it could not be read back, and may have held a copied key');
    } catch (error) {
      this.deps.log.warn(`Could not clear the clipboard: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** On shutdown, clears at once what would have been cleared later. */
  dispose(): void {
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      void this.clearIfHolds(entry.hash);
    }
    this.pending.clear();
  }
}
