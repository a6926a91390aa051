// Every command in one table: its id (src/constants.ts) → the factory of its handler, in the shape of
// rust-analyzer's createCommands(). registerCommands.ts registers each with one wrapper, and the manifest
// test checks that package.json contributes exactly these. Most handlers load their flows on first use:
// the key flows from dist/commands.js (keyCommands.ts), the use-keys flows from dist/use-keys.js
// (useKeyCommands.ts). No runtime import of vscode or of a flow: only ids and types.
import { type CommandId, Commands } from '../constants';
import type { ProviderId } from '../core/providers/catalogue';
import type { DriftArgument } from '../flows/driftActions';
import type { KeyArgument } from '../flows/pickKey';
import type { UseKeyFlows } from '../flows/useKeys/useKeyFlows';
import type { KeyFlows } from './keyCommands';

/** What a handler reaches: the flows (loaded on first use), and what the activation bundle answers itself. */
export interface CommandContext {
  keyFlows(): KeyFlows;
  useKeyFlows(): Promise<UseKeyFlows>;
  /** Looks for Pieces OS again, sends what waits and compares with what it holds. */
  refresh(): Promise<void>;
  showLog(): void;
}

export type Handler = (...args: unknown[]) => unknown;
export type HandlerFactory = (context: CommandContext) => Handler;

/** A command of dist/commands.js; `arg` is what the tree or the caller passed (a row, an id, nothing). */
const keyFlow =
  (run: (flows: KeyFlows, arg: unknown) => unknown): HandlerFactory =>
  (context) =>
  (arg) =>
    run(context.keyFlows(), arg);

/** A command of dist/use-keys.js. */
const useKeyFlow =
  (run: (flows: UseKeyFlows, arg: unknown) => unknown): HandlerFactory =>
  (context) =>
  (arg) =>
    context.useKeyFlows().then((flows) => run(flows, arg));

/** The provider of a provider row (or a provider id); undefined for anything else. */
function providerOf(arg: unknown): ProviderId | undefined {
  if (typeof arg === 'string') return arg as ProviderId;
  const provider = arg && typeof arg === 'object' && 'provider' in arg ? (arg as { provider?: { id?: unknown } }).provider : undefined;
  return typeof provider?.id === 'string' ? (provider.id as ProviderId) : undefined;
}

export const COMMANDS: { readonly [id in CommandId]: HandlerFactory } = {
  // The view title's Add Key gets the focused row as its argument too: it ignores it and asks for the provider.
  [Commands.addKey]: keyFlow((f) => f.actions.addKey()),
  [Commands.addProviderKey]: keyFlow((f, arg) => f.actions.addKey(providerOf(arg))),
  [Commands.updateKey]: keyFlow((f, arg) => f.actions.updateKey(arg as KeyArgument)),
  [Commands.renameKey]: keyFlow((f, arg) => f.actions.renameKey(arg as KeyArgument)),
  [Commands.deleteKey]: keyFlow((f, arg) => f.actions.deleteKey(arg as KeyArgument)),
  [Commands.useForPieces]: keyFlow((f, arg) => f.actions.useForPieces(arg as KeyArgument)),
  [Commands.restorePreviousKey]: keyFlow((f, arg) => f.actions.restorePrevious(arg as KeyArgument)),
  [Commands.syncNow]: keyFlow((f) => f.actions.syncNow()),
  [Commands.selectServiceUrl]: keyFlow((f) => f.selectServiceUrl()),
  [Commands.statusActions]: keyFlow((f) => f.statusActions()),
  [Commands.pushToPieces]: keyFlow((f, arg) => f.drift.pushToPieces(arg as DriftArgument)),
  [Commands.adoptFromPieces]: keyFlow((f, arg) => f.drift.adoptFromPieces(arg as DriftArgument)),
  [Commands.ignoreDrift]: keyFlow((f, arg) => f.drift.ignoreDrift(arg as DriftArgument)),
  [Commands.refresh]: (context) => () => context.refresh(),
  [Commands.showLog]: (context) => () => context.showLog(),
  [Commands.getKey]: useKeyFlow((f, arg) => f.getKey(arg)),
  [Commands.copyKey]: useKeyFlow((f, arg) => f.copyKey(arg)),
  [Commands.verifyKey]: useKeyFlow((f, arg) => f.verifyKey(arg)),
  [Commands.useInTerminals]: useKeyFlow((f, arg) => f.terminals.use(arg)),
  [Commands.stopUsingInTerminals]: useKeyFlow((f, arg) => f.terminals.stop(arg)),
  [Commands.importFromEnvironment]: useKeyFlow((f) => f.importFromEnvironment()),
  [Commands.importFromKeychain]: useKeyFlow((f) => f.importFromKeychain()),
};
