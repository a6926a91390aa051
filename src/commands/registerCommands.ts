// Registers every command with one wrapper: it waits for the key store, logs failures, shows one clear
// message, and stays silent when the user cancelled. The key commands themselves live in
// dist/commands.js (keyCommands.ts), loaded on the first command; Refresh and Show Log answer here.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, type CommandId } from '../constants';
import { isPiecesError } from '../core/pieces/errors';
import { t } from '../core/l10n';
import type { Log } from '../vscode/log';
import type { UseKeys } from '../vscode/useKeys';
import type { KeyCommandDeps, KeyCommandId } from './keyCommands';

export interface CommandDeps extends KeyCommandDeps {
  log: Log;
  /** Resolves when the key store is open; commands wait for it. */
  ready: Promise<unknown>;
  useKeys: UseKeys;
  /** The folder of the extension's bundles (dist/). */
  distPath: string;
}

type Handler = (...args: unknown[]) => unknown;

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  let keyCommands: Record<KeyCommandId, Handler> | undefined;
  const load = (): Record<KeyCommandId, Handler> => {
    keyCommands ??= (createRequire(__filename)(path.join(deps.distPath, 'commands.js')) as typeof import('./keyCommands')).createKeyCommands(deps);
    return keyCommands;
  };
  const later = (id: KeyCommandId): Handler => (...args) => load()[id](...args);
  const handlers: Record<CommandId, Handler> = {
    [Commands.addKey]: later(Commands.addKey),
    [Commands.updateKey]: later(Commands.updateKey),
    [Commands.renameKey]: later(Commands.renameKey),
    [Commands.deleteKey]: later(Commands.deleteKey),
    [Commands.useForPieces]: later(Commands.useForPieces),
    [Commands.restorePreviousKey]: later(Commands.restorePreviousKey),
    [Commands.syncNow]: later(Commands.syncNow),
    [Commands.selectServiceUrl]: later(Commands.selectServiceUrl),
    [Commands.statusActions]: later(Commands.statusActions),
    [Commands.pushToPieces]: later(Commands.pushToPieces),
    [Commands.adoptFromPieces]: later(Commands.adoptFromPieces),
    [Commands.ignoreDrift]: later(Commands.ignoreDrift),
    [Commands.refresh]: () => deps.refresh(),
    [Commands.showLog]: () => deps.log.show(),
    ...deps.useKeys.handlers(),
  };
  // Every command resolves to undefined, whoever ran it: another extension running `executeCommand`
  // must not get back what a flow produced (an import's records, a key).
  return Object.entries(handlers).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]): Promise<undefined> => {
      try {
        await deps.ready;
        await handler(...args);
      } catch (error) {
        if (isPiecesError(error) && error.kind === 'cancelled') return undefined;
        const message = error instanceof Error ? error.message : String(error);
        deps.log.error(`${id} failed: ${message}`);
        void vscode.window.showErrorMessage(message, t('Show Log')).then((choice) => choice && deps.log.show());
      }
      return undefined;
    }),
  );
}
