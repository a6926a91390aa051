// The composition root: creates the parts, wires them and returns. No network I/O happens here;
// the first look for Pieces OS runs in the background.
import * as vscode from 'vscode';
import { Commands } from './constants';
import { isPiecesError } from './core/errors';
import { ServiceLocator } from './core/discovery';
import { setTranslator, t } from './core/l10n';
import { PiecesClient } from './core/piecesClient';
import { readServiceUrl } from './vscode/config';
import { Log } from './vscode/log';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  setTranslator(vscode.l10n.t);
  const log = new Log();
  context.subscriptions.push(log);

  const locator = new ServiceLocator({ configuredUrl: () => readServiceUrl((error) => log.warn(error)) });
  const client = new PiecesClient({ baseUrl: locator, onRequest: (record) => log.request(record) });

  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.showLog, () => log.show()),
    vscode.commands.registerCommand(Commands.checkConnection, async () => {
      try {
        const version = await client.version();
        const url = await client.resolveBaseUrl();
        const user = await client.getUser().then(
          (u) => u.name ?? u.email ?? u.id,
          (error: unknown) => (isPiecesError(error) && error.kind === 'notSignedIn' ? undefined : Promise.reject(error)),
        );
        const message = user
          ? t('Connected to Pieces OS {0} at {1}, signed in as {2}.', version, url, user)
          : t('Connected to Pieces OS {0} at {1}, but nobody is signed in.', version, url);
        log.info(message);
        void vscode.window.showInformationMessage(message);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error(message);
        void vscode.window.showErrorMessage(message);
      }
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('providerKeys.serviceUrl')) locator.invalidate();
    }),
  );

  log.info(`Activated in ${(performance.now() - started).toFixed(1)} ms`);
}

export function deactivate(): void {}
