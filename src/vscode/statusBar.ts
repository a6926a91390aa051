// The status bar item: the worst problem, in a fixed order (Pieces OS not reachable or its URL refused,
// a rejected key, drift, a failed change, the keyring, changes waiting), with every problem listed in the
// tooltip; ✓ only when nothing in the tree needs attention. A click offers the next steps that fit.
import * as vscode from 'vscode';
import { Commands } from '../constants';
import type { ConnectionMonitor, ConnectionState } from '../core/pieces/connection';
import * as l10n from '@vscode/l10n';
import { PROVIDERS, type ProviderId, getProvider } from '../core/providers/catalogue';
import type { KeyRecord, KeyStore } from '../core/store/keyStore';
import type { SyncEngine } from '../core/sync/engine';
import type { KeyState } from '../core/sync/plan';
import { changesWaiting, driftSentence, driftWord } from '../core/sync/vocabulary';
import type { StatusProblem } from '../flows/statusActions';

export interface StatusView {
  text: string;
  /** Every problem, one line each (or the connection, when there is none). */
  lines: string[];
  /** A short first line for the status quick pick's title. */
  title: string;
  severity: 'ok' | 'warning' | 'error' | 'busy';
  /** The worst problem: the status quick pick offers first what fixes it. */
  problem?: StatusProblem;
}

interface Problem {
  text: string;
  line: string;
  severity: 'warning' | 'error';
  problem: StatusProblem;
}

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private shown = false;

  constructor(
    private readonly monitor: ConnectionMonitor,
    private readonly store: KeyStore,
    private readonly sync: SyncEngine,
    private readonly enabled: () => boolean,
  ) {
    this.item = vscode.window.createStatusBarItem('providerKeys.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = l10n.t('Provider Keys: Pieces OS');
    this.item.command = Commands.statusActions;
    this.update();
  }

  /** Whether the item is in the status bar (`providerKeys.statusBar.enabled`). */
  get visible(): boolean {
    return this.shown;
  }

  /** The keys Pieces OS rejected (401), in list order. */
  rejectedKeys(): KeyRecord[] {
    return this.activeKeysIn('rejected');
  }

  /** What the item shows now; also read by tests and the status quick pick. */
  view(): StatusView {
    const problems = this.problems();
    const state = this.monitor.state;
    const engine = this.sync.state;
    const worst = problems[0];
    if (worst) {
      // While the first attempt of a waiting change is in flight, say so; a retry after a failure keeps the text steady.
      const onlyWaiting = problems.length === 1 && engine.pending > 0 && !engine.lastError;
      if (onlyWaiting && engine.busy) {
        return {
          text: `$(sync~spin) ${l10n.t('Pieces OS: syncing')}`,
          lines: [l10n.t('Sending your change to Pieces OS…')],
          title: l10n.t('Syncing with Pieces OS'),
          severity: 'busy',
        };
      }
      // Changes waiting behind a worse problem are still counted in the text: "not running · 1 waiting".
      const text =
        engine.pending > 0 && worst.problem.kind !== 'waiting' ? `${worst.text} · ${l10n.t('{0} waiting', engine.pending)}` : worst.text;
      return {
        text,
        lines: problems.map((p) => p.line),
        title: problems.length === 1 ? stripIcon(worst.text) : l10n.t('{0} (and {1} more)', stripIcon(worst.text), problems.length - 1),
        severity: worst.severity,
        problem: worst.problem,
      };
    }
    if (engine.busy) {
      return {
        text: `$(sync~spin) ${l10n.t('Pieces OS: syncing')}`,
        lines: [l10n.t('Sending your change to Pieces OS…')],
        title: l10n.t('Syncing with Pieces OS'),
        severity: 'busy',
      };
    }
    if (state.kind === 'connected') {
      return {
        text: `$(check) ${l10n.t('Pieces OS')}`,
        lines: [connectionText(state)],
        title: l10n.t('Pieces OS: connected'),
        severity: 'ok',
      };
    }
    return {
      text: `$(key) ${l10n.t('Pieces OS')}`,
      lines: [connectionText(state)],
      title: l10n.t('Looking for Pieces OS'),
      severity: 'busy',
    };
  }

  update(): void {
    if (!this.enabled()) {
      this.item.hide();
      this.shown = false;
      return;
    }
    const view = this.view();
    this.item.text = view.text;
    this.item.accessibilityInformation = { label: `${l10n.t('Provider Keys')}: ${stripIcon(view.text)}. ${view.lines.join(' ')}` };
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${l10n.t('Provider Keys for Pieces OS')}**\n\n`);
    for (const line of view.lines) tooltip.appendMarkdown(`- ${escape(line)}\n`);
    const state = this.monitor.state;
    if ('url' in state && state.url) tooltip.appendMarkdown(`\n${l10n.t('Service')}: \`${state.url}\``);
    const lastSync = this.lastSync();
    if (lastSync) tooltip.appendMarkdown(`  \n${l10n.t('Last sync')}: ${new Date(lastSync).toLocaleString()}`);
    tooltip.appendMarkdown(`\n\n${l10n.t('Click for actions')}`);
    this.item.tooltip = tooltip;
    this.item.backgroundColor =
      view.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : view.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.show();
    this.shown = true;
  }

  dispose(): void {
    this.item.dispose();
  }

  /** Every problem, worst first. */
  private problems(): Problem[] {
    const problems: Problem[] = [];
    const state = this.monitor.state;
    const line = connectionText(state);
    if (state.kind === 'refusedUrl') {
      problems.push({
        text: `$(error) ${l10n.t('Pieces OS: service URL refused')}`,
        line,
        severity: 'error',
        problem: { kind: state.kind },
      });
    } else if (state.kind === 'notRunning') {
      problems.push({
        text: `$(debug-disconnect) ${l10n.t('Pieces OS: not running')}`,
        line,
        severity: 'warning',
        problem: { kind: state.kind },
      });
    } else if (state.kind === 'error') {
      problems.push({ text: `$(warning) ${l10n.t('Pieces OS: error')}`, line, severity: 'error', problem: { kind: state.kind } });
    } else if (state.kind === 'notSignedIn') {
      problems.push({ text: `$(account) ${l10n.t('Pieces OS: not signed in')}`, line, severity: 'warning', problem: { kind: state.kind } });
    }

    for (const key of this.rejectedKeys()) {
      problems.push({
        text: `$(error) ${l10n.t('Pieces OS: key rejected')}`,
        line: l10n.t('Pieces OS rejected "{0}" (401): update the key or its organization id.', key.name),
        severity: 'error',
        problem: { kind: 'rejected' },
      });
    }
    for (const [provider, drift] of Object.entries(this.sync.state.drift)) {
      if (!drift || drift.kind === 'inSync') continue;
      const label = getProvider(provider)?.label ?? provider;
      // The same words as the tree's row for it (vocabulary.ts): "holds no key" is never "holds another key".
      const ours = drift.kind === 'holdsOther' && drift.ourKeyId ? this.store.get(drift.ourKeyId)?.name : undefined;
      const line = driftSentence(drift, label, this.store.activeKey(provider as ProviderId)?.name, ours);
      problems.push({
        text: `$(warning) ${l10n.t('Pieces OS: {0}', driftWord(drift))}`,
        line,
        severity: 'warning',
        problem: { kind: 'drift', drift: drift.kind },
      });
    }
    for (const key of this.activeKeysIn('failed')) {
      const state = this.sync.stateOf(key);
      problems.push({
        text: `$(warning) ${l10n.t('Pieces OS: sync failed')}`,
        line: l10n.t('"{0}" could not be sent: {1}', key.name, 'reason' in state ? (state.reason ?? '') : ''),
        severity: 'error',
        problem: { kind: 'failed' },
      });
    }
    for (const removal of this.sync.parkedRemovals()) {
      const label = getProvider(removal.provider)?.label ?? removal.provider;
      problems.push({
        text: `$(warning) ${l10n.t('Pieces OS: sync failed')}`,
        line: l10n.t('Pieces OS still holds your {0} key: removing it failed ({1}). Sync Now tries again.', label, removal.reason),
        severity: 'error',
        problem: { kind: 'failed' },
      });
    }
    for (const key of this.activeKeysIn('keyring')) {
      problems.push({
        text: `$(lock) ${l10n.t('Keyring unavailable')}`,
        line: l10n.t('VS Code\'s secret storage did not give "{0}"; it is sent once it does.', key.name),
        severity: 'warning',
        problem: { kind: 'keyring' },
      });
    }
    const waiting = this.sync.state.pending;
    if (waiting > 0) {
      // Why it waits, as far as this window knows: a sign-in, Pieces OS away (the worse problem above says
      // so), or what Pieces OS answered the last try (a 500 is an answer: "when Pieces OS answers" is wrong).
      const signIn = this.activeKeysIn('signIn').length > 0;
      const answered = state.kind === 'connected' ? this.lastAnswer() : undefined;
      const count = changesWaiting(waiting);
      problems.push({
        text: `$(clock) ${l10n.t('Pieces OS: {0}', count)}`,
        line: signIn
          ? l10n.t('{0}: sign in to Pieces to send them.', count)
          : answered
            ? l10n.t(
                '{0}: Pieces OS did not take the last try: {1} It is sent again automatically; Sync Now sends it at once.',
                count,
                answered,
              )
            : l10n.t('{0}: sent when Pieces OS answers (Sync Now sends them at once).', count),
        severity: 'warning',
        problem: { kind: 'waiting', answeredWithError: !signIn && answered !== undefined },
      });
    }
    return problems;
  }

  /** The keys in use (one per provider, so in list order) in state `kind`: a look per provider, not per key. */
  private activeKeysIn(kind: KeyState['kind']): KeyRecord[] {
    const keys: KeyRecord[] = [];
    for (const provider of PROVIDERS) {
      const key = this.store.activeKey(provider.id);
      if (key && this.sync.stateOf(key).kind === kind) keys.push(key);
    }
    return keys;
  }

  /** What Pieces OS answered the last try of a change that waits (a 500, a busy answer), as a sentence. */
  private lastAnswer(): string | undefined {
    for (const key of this.activeKeysIn('waiting')) {
      const state = this.sync.stateOf(key);
      const reason = state.kind === 'waiting' ? state.reason?.trim() : undefined;
      if (reason) return /[.!?…]$/.test(reason) ? reason : `${reason}.`;
    }
    return undefined;
  }

  /** When Pieces OS last confirmed a call, from the sync records. */
  private lastSync(): string | undefined {
    let latest: string | undefined;
    for (const provider of PROVIDERS) {
      const at = this.store.sent(provider.id)?.at;
      if (at && (!latest || at > latest)) latest = at;
    }
    return latest;
  }
}

export function connectionText(state: ConnectionState): string {
  switch (state.kind) {
    case 'unknown':
      return l10n.t('Looking for Pieces OS…');
    case 'connected':
      return l10n.t('Connected to Pieces OS {0}, signed in as {1}.', state.version, state.user);
    case 'notSignedIn':
      return state.detail ?? l10n.t('Pieces OS {0} is running, but nobody is signed in. Sign in to Pieces to sync keys.', state.version);
    case 'refusedUrl':
      return state.detail;
    case 'notRunning':
      return state.detail;
    case 'error':
      return state.detail;
  }
}

function stripIcon(text: string): string {
  return text.replace(/^\$\([^)]*\)\s*/, '');
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
