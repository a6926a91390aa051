// Registers every command of the table (commandTable.ts) with one wrapper: it waits for the key store,
// logs failures, shows one clear message, and stays silent when the user cancelled. The key flows live in
// dist/commands.js (keyCommands.ts), loaded on the first command that needs them.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { showFailure } from '../vscode/failure';
import type { Log } from '../vscode/log';
import type { CommandContext, HandlerFactory } from './commandTable';
import type { KeyCommandDeps, KeyFlows } from './keyCommands';

export interface RegisterOptions {
  log: Log;
  /** Resolves when the key store is open; commands wait for it. */
  ready: Promise<unknown>;
}

export function registerCommands(
  table: Readonly<Record<string, HandlerFactory>>,
  context: CommandContext,
  options: RegisterOptions,
): vscode.Disposable[] {
  const { log, ready } = options;
  // Every command resolves to undefined, whoever ran it: another extension running `executeCommand`
  // must not get back what a flow produced (an import's records, a key).
  return Object.entries(table).map(([id, factory]) => {
    const handler = factory(context);
    return vscode.commands.registerCommand(id, async (...args: unknown[]): Promise<undefined> => {
      try {
        await ready;
        await handler(...args);
      } catch (error) {
        showFailure(id, error, log);
      }
      return undefined;
    });
  });
}

/** The key flows, made by dist/commands.js on first use (`distPath`: the folder of the bundles). */
export function keyFlowsLoader(distPath: string, deps: KeyCommandDeps): () => KeyFlows {
  let flows: KeyFlows | undefined;
  return () =>
    (flows ??= (createRequire(__filename)(path.join(distPath, 'commands.js')) as typeof import('./keyCommands')).createKeyFlows(deps));
}
