// One way to tell the user that something they asked for failed: logged, and said once with Show Log.
// Silent when the user cancelled (an error whose kind is 'cancelled', recognised across bundles by its kind).
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import type { Log } from './log';

export function showFailure(what: string, error: unknown, log: Log): void {
  if ((error as { kind?: unknown } | null | undefined)?.kind === 'cancelled') return;
  const message = error instanceof Error ? error.message : String(error);
  log.error(`${what} failed: ${message}`);
  void vscode.window.showErrorMessage(message, l10n.t('Show Log')).then((choice) => choice && log.show());
}
