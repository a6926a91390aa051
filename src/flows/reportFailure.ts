// One message per kind of failure, with the buttons for the next step. A message leads with what went
// wrong and what happens next, then names what was saved in VS Code; never a key.
import { Commands } from '../constants';
import type { PiecesError } from '../core/pieces/errors';
import * as l10n from '@vscode/l10n';
import type { KeyStore } from '../core/store/keyStore';
import type { SyncError } from '../core/sync/outcome';
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

  /** Explains `error`; `done` names what was saved before the call failed (said after the failure). */
  async failure(error: SyncError | PiecesError, keyId: string | undefined, done?: string): Promise<void> {
    const record = keyId ? this.deps.store.get(keyId) : undefined;
    const saved = (text: string): string => (done ? `${text} ${done}` : text);
    const retry = l10n.t('Retry');
    const selectUrl = l10n.t('Select Service URL');
    const showLog = l10n.t('Show Log');
    const updateKey = l10n.t('Update Key');
    const restore = l10n.t('Restore Previous Key');
    this.deps.log.warn(`Sync failed: ${error.message}`);
    const prompter = this.deps.prompter();
    let choice: string | undefined;
    const kind: string = error.kind; // 'session' comes from the client's GET /user 401
    // A failed identity check (GET /user) sent nothing: whatever answered is not Pieces OS, or not yet.
    const identity = 'operation' in error && error.operation === 'GET /user' && (kind === 'notFound' || kind === 'badResponse');
    switch (identity ? 'unreachable' : kind) {
      case 'unreachable':
        choice = await prompter.message(
          'warning',
          saved(l10n.t('{0} The change waits and is sent when Pieces OS answers.', error.message)),
          retry,
          selectUrl,
          showLog,
        );
        break;
      case 'notSignedIn':
      case 'session':
        choice = await prompter.message(
          'warning',
          saved(l10n.t('Sign in to Pieces so that Pieces OS gets the change; it waits until then.')),
          retry,
        );
        break;
      case 'keyring':
        choice = await prompter.message(
          'warning',
          saved(l10n.t('{0} The change waits. {1}', error.message, keyringAdvice())),
          retry,
          showLog,
        );
        break;
      case 'busy': // its message says when it is tried again
      case 'server':
        // Never parked: the engine sends it again by itself (after Retry-After, or with backoff).
        choice = await prompter.message(
          'warning',
          saved(
            l10n.t(
              'Pieces OS could not store the change yet: {0}',
              kind === 'busy' ? error.message : l10n.t('{0} It is sent again automatically.', sentence(error.message)),
            ),
          ),
          retry,
          showLog,
        );
        break;
      case 'badResponse':
        // A 2xx it could not read: Pieces OS may well have acted. Retried a few times, then parked.
        choice = await prompter.message(
          'error',
          saved(l10n.t('{0} Whether Pieces OS took the change is not known; Retry sends it again.', error.message)),
          retry,
          showLog,
        );
        break;
      case 'unauthorized': {
        if (keyId === undefined) {
          // A removal (no key of ours is chosen): no key was sent, so none can be blamed or updated.
          choice = await prompter.message(
            'error',
            saved(l10n.t('Pieces OS refused to remove the key it holds (401), so it may still use it. Retry sends the removal again.')),
            retry,
            showLog,
          );
          break;
        }
        const buttons = record?.previousRev ? [restore, updateKey, showLog] : [updateKey, showLog];
        const name = record ? l10n.t('"{0}"', record.name) : l10n.t('the key');
        choice = await prompter.message(
          'error',
          saved(l10n.t('Pieces OS rejected {0} (401). Check the key and its organization id.', name)),
          ...buttons,
        );
        break;
      }
      default:
        choice = await prompter.message(
          'error',
          saved(l10n.t('Pieces OS could not store the change: {0}', sentence(error.message))),
          retry,
          showLog,
        );
    }
    if (choice === retry) await this.deps.syncNow();
    else if (choice === selectUrl) await this.deps.runCommand(Commands.selectServiceUrl);
    else if (choice === showLog) await this.deps.runCommand(Commands.showLog);
    else if (choice === updateKey && keyId) await this.deps.updateKey(keyId);
    else if (choice === restore && keyId) await this.deps.restorePrevious(keyId);
  }
}

/** `text` ending as a sentence (service text is quoted as sent, often without a full stop). */
function sentence(text: string): string {
  return /[.!?…]$/.test(text.trimEnd()) ? text.trimEnd() : `${text.trimEnd()}.`;
}

/** What to do about a keyring that gives nothing, where that is known to happen. */
export function keyringAdvice(platform: string = process.platform): string {
  return platform === 'linux'
    ? l10n.t(
        'On Linux, unlock your keyring (GNOME Keyring or KWallet), or start VS Code with a "password-store" option (see "Preferences: Configure Runtime Arguments"), then Retry.',
      )
    : l10n.t('Unlock your keychain, then Retry.');
}
