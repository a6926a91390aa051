// One message per kind of failure, with the buttons for the next step. A message names what was
// saved, the outcome first, and never a key.
import { Commands } from '../constants';
import type { PiecesError } from '../core/errors';
import { t } from '../core/l10n';
import type { KeyStore } from '../core/store/keyStore';
import type { SyncError } from '../core/syncEngine';
import type { Prompter } from './prompter';

export interface FailureReporterDeps {
  store: KeyStore;
  prompter: () => Prompter;
  runCommand: (command: string, ...args: unknown[]) => PromiseLike<unknown>;
  log: { warn(message: string): void };
  syncNow: () => Promise<unknown>;
  restorePrevious: (keyId: string) => Promise<unknown>;
  updateKey: (keyId: string) => Promise<unknown>;
}

export class FailureReporter {
  constructor(private readonly deps: FailureReporterDeps) {}

  /** Explains `error`; `done` names what was saved before the call failed. */
  async failure(error: SyncError | PiecesError, keyId: string | undefined, done?: string): Promise<void> {
    const record = keyId ? this.deps.store.get(keyId) : undefined;
    const saved = done ? `${done} ` : '';
    const retry = t('Retry');
    const selectUrl = t('Select Service URL');
    const showLog = t('Show Log');
    const updateKey = t('Update Key');
    const restore = t('Restore Previous Key');
    this.deps.log.warn(`Sync failed: ${error.message}`);
    const prompter = this.deps.prompter();
    let choice: string | undefined;
    const kind: string = error.kind; // 'session' comes from the client's GET /user 401
    switch (kind) {
      case 'unreachable':
        choice = await prompter.message('warning', t('{0}{1} The change waits and is sent when Pieces OS answers.', saved, error.message), retry, selectUrl, showLog);
        break;
      case 'notSignedIn':
      case 'session':
        choice = await prompter.message('warning', t('{0}Sign in to Pieces so that Pieces OS can store the key; the change waits until then.', saved), retry);
        break;
      case 'keyring':
        choice = await prompter.message('warning', t('{0}{1} The change waits. {2}', saved, error.message, keyringAdvice()), retry, showLog);
        break;
      case 'unauthorized': {
        const buttons = record?.previousRev ? [restore, updateKey, showLog] : [updateKey, showLog];
        const name = record ? t('"{0}"', record.name) : t('the key');
        choice = await prompter.message('error', t('{0}Pieces OS rejected {1} (401). Check the key and its organization id.', saved, name), ...buttons);
        break;
      }
      default:
        choice = await prompter.message('error', t('{0}Pieces OS could not store the change: {1}', saved, error.message), retry, showLog);
    }
    if (choice === retry) await this.deps.syncNow();
    else if (choice === selectUrl) await this.deps.runCommand(Commands.selectServiceUrl);
    else if (choice === showLog) await this.deps.runCommand(Commands.showLog);
    else if (choice === updateKey && keyId) await this.deps.updateKey(keyId);
    else if (choice === restore && keyId) await this.deps.restorePrevious(keyId);
  }
}

/** What to do about a keyring that gives nothing, where that is known to happen. */
export function keyringAdvice(platform: string = process.platform): string {
  return platform === 'linux'
    ? t('On Linux, unlock your keyring (GNOME Keyring or KWallet), or start VS Code with a "password-store" option (see "Preferences: Configure Runtime Arguments"), then Retry.')
    : t('Unlock your keychain, then Retry.');
}
