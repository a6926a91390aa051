// One vocabulary for the states a key can be in, shared by the tree, tooltips, the status bar,
// notifications and the log (and the README's words): synced, waiting, sign in, failed, rejected,
// keyring unavailable, local only, not used by Pieces OS, not in Pieces OS, in Pieces OS instead; and
// what Pieces OS holds when that differs from the choice (holds no key, holds another key).
import type { Difference } from './drift';
import * as l10n from '@vscode/l10n';
import type { Hold, KeyState } from './plan';

/** The short word for a state, as in "sk-…9f3a · waiting". */
export function stateWord(state: KeyState): string {
  switch (state.kind) {
    case 'synced':
      return l10n.t('synced');
    case 'waiting':
      return l10n.t('waiting');
    case 'signIn':
      return l10n.t('waiting for sign-in');
    case 'failed':
      return l10n.t('failed');
    case 'rejected':
      return l10n.t('rejected');
    case 'keyring':
      return l10n.t('keyring unavailable');
    case 'localOnly':
      return l10n.t('local only');
    case 'inactive':
      return l10n.t('not used by Pieces OS');
    case 'heldInstead':
      return l10n.t('in Pieces OS instead');
    case 'notHeld':
      return l10n.t('not in Pieces OS');
  }
}

/** One sentence for a state, for tooltips and screen readers. */
export function stateSentence(state: KeyState, formatDate: (iso: string) => string): string {
  switch (state.kind) {
    case 'synced':
      return state.at ? l10n.t('Synced: Pieces OS confirmed it {0}.', formatDate(state.at)) : l10n.t('Synced: Pieces OS holds it.');
    case 'waiting':
      return state.reason
        ? l10n.t('Waiting to be sent to Pieces OS; it is tried again automatically. Last try: {0}', state.reason)
        : l10n.t('Waiting to be sent to Pieces OS.');
    case 'signIn':
      return l10n.t('Waiting: sign in to Pieces so that Pieces OS can store it.');
    case 'failed':
      return l10n.t('Failed: {0} Run Sync Now to try again.', state.reason);
    case 'rejected':
      return l10n.t('Rejected by Pieces OS (401): check the key and its organization id, then update it.');
    case 'keyring':
      return l10n.t("Keyring unavailable: VS Code's secret storage did not give the key; it is sent once it does.");
    case 'localOnly':
      return l10n.t('Local only: Pieces OS does not accept this provider.');
    case 'inactive':
      return l10n.t("Not used by Pieces OS: kept in VS Code's secret storage.");
    case 'heldInstead':
      return l10n.t('In Pieces OS instead of the key you chose: it was changed in Pieces. Keep it, or send yours again.');
    case 'notHeld':
      return state.held === 'none'
        ? l10n.t('Not in Pieces OS: it was sent, but Pieces OS holds no key now. Send it again, or leave it.')
        : l10n.t('Not in Pieces OS: it was sent, but Pieces OS holds another key now. Send it again, or keep that one.');
  }
}

/** Whether a state is a problem the user should see (the status bar never shows ✓ while one exists). */
export function isProblem(state: KeyState): boolean {
  return (
    state.kind === 'waiting' ||
    state.kind === 'signIn' ||
    state.kind === 'failed' ||
    state.kind === 'rejected' ||
    state.kind === 'keyring' ||
    state.kind === 'notHeld'
  );
}

/** Whether Pieces OS holds the key (confirmed, and not contradicted by the last look): "in Pieces OS". */
export function isHeld(state: KeyState): boolean {
  return state.kind === 'synced' || state.kind === 'heldInstead';
}

/** The short words for what Pieces OS holds when it differs from the choice (status bar, log). */
export function driftWord(drift: Difference): string {
  return drift.kind === 'holdsNone' ? l10n.t('holds no key') : l10n.t('holds another key');
}

/**
 * What Pieces OS holds when it differs from the choice, as one sentence (status bar tooltip, the tree's
 * drift row tooltip): `chosen` is the name of the key the user chose, `other` of ours that it holds.
 */
export function driftSentence(drift: Difference, provider: string, chosen: string | undefined, other: string | undefined): string {
  switch (drift.kind) {
    case 'holdsNone':
      return chosen
        ? l10n.t('Pieces OS holds no {0} key; you chose "{1}".', provider, chosen)
        : l10n.t('Pieces OS holds no {0} key.', provider);
    case 'holdsOther':
      if (other) {
        return chosen
          ? l10n.t('Pieces OS holds "{0}", not "{1}", the {2} key you chose.', other, chosen, provider)
          : l10n.t('Pieces OS holds "{0}", though you chose no {1} key.', other, provider);
      }
      return chosen
        ? l10n.t('Pieces OS holds another {0} key than "{1}", the one you chose.', provider, chosen)
        : l10n.t('Pieces OS holds another {0} key.', provider);
    case 'holdsUnknown':
      return l10n.t('Pieces OS holds a key for {0} that you have not added.', provider);
  }
}

/** "1 change waiting", "2 changes waiting". */
export function changesWaiting(count: number): string {
  return count === 1 ? l10n.t('1 change waiting') : l10n.t('{0} changes waiting', count);
}

/**
 * What deleting the key the user chose does in Pieces OS, worded from what Pieces OS confirmed (`hold`)
 * and the key's state, never from the choice alone: a key it rejected or never confirmed is not "used".
 */
export function deleteEffect(state: KeyState, hold: Hold, provider: string): string {
  if (state.kind === 'rejected') {
    return l10n.t('Pieces OS rejected this key (401) and does not use it; after the delete it is told to hold no {0} key.', provider);
  }
  if (hold === 'this' && state.kind === 'synced') return l10n.t('Pieces OS uses this key; after the delete it holds no {0} key.', provider);
  if (hold === 'none') return l10n.t('Pieces OS holds no {0} key, so nothing is sent to it.', provider);
  return l10n.t(
    'Pieces OS has not confirmed that it holds this key ({0}); after the delete it is told to hold no {1} key.',
    stateWord(state),
    provider,
  );
}
