// One vocabulary for the states a key can be in, shared by the tree, tooltips, the status bar,
// notifications and the log (and the README's words): synced, waiting, sign in, failed, rejected,
// keyring unavailable, local only, not used by Pieces OS.
import { t } from './l10n';
import type { KeyState } from './sync/plan';

/** The short word for a state, as in "sk-…9f3a · waiting". */
export function stateWord(state: KeyState): string {
  switch (state.kind) {
    case 'synced':
      return t('synced');
    case 'waiting':
      return t('waiting');
    case 'signIn':
      return t('waiting for sign-in');
    case 'failed':
      return t('failed');
    case 'rejected':
      return t('rejected');
    case 'keyring':
      return t('keyring unavailable');
    case 'localOnly':
      return t('local only');
    case 'inactive':
      return t('not used by Pieces OS');
  }
}

/** One sentence for a state, for tooltips and screen readers. */
export function stateSentence(state: KeyState, formatDate: (iso: string) => string): string {
  switch (state.kind) {
    case 'synced':
      return state.at ? t('Synced: Pieces OS confirmed it {0}.', formatDate(state.at)) : t('Synced: Pieces OS holds it.');
    case 'waiting':
      return state.reason ? t('Waiting to be sent to Pieces OS; the last try failed: {0}', state.reason) : t('Waiting to be sent to Pieces OS.');
    case 'signIn':
      return t('Waiting: sign in to Pieces so that Pieces OS can store it.');
    case 'failed':
      return t('Failed: {0} Run Sync Now to try again.', state.reason);
    case 'rejected':
      return t('Rejected by Pieces OS (401): check the key and its organization id, then update it.');
    case 'keyring':
      return t('Keyring unavailable: VS Code\'s secret storage did not give the key; it is sent once it does.');
    case 'localOnly':
      return t('Local only: Pieces OS does not accept this provider.');
    case 'inactive':
      return t('Kept in VS Code; Pieces OS uses another key.');
  }
}

/** Whether a state is a problem the user should see (the status bar never shows ✓ while one exists). */
export function isProblem(state: KeyState): boolean {
  return state.kind === 'waiting' || state.kind === 'signIn' || state.kind === 'failed' || state.kind === 'rejected' || state.kind === 'keyring';
}

/** "1 change waiting", "2 changes waiting". */
export function changesWaiting(count: number): string {
  return count === 1 ? t('1 change waiting') : t('{0} changes waiting', count);
}
