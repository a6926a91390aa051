// Which key each provider's environment variable comes from in new terminals: a map from provider
// to key id in globalState (ids only; the values are read from SecretStorage when applied). Shared by
// the activation bundle (tree marks, context key) and the lazily loaded flows.
import { StateKeys } from '../../constants';
import type { ProviderId } from '../../core/providers/catalogue';
import type { Memento } from '../workbench';

export type TerminalAssignments = Partial<Record<ProviderId, string>>;

export function readTerminalAssignments(memento: Pick<Memento, 'get'>): TerminalAssignments {
  const stored = memento.get<unknown>(StateKeys.terminals);
  if (!stored || typeof stored !== 'object') return {};
  const result: TerminalAssignments = {};
  for (const [provider, id] of Object.entries(stored)) if (typeof id === 'string') result[provider as ProviderId] = id;
  return result;
}

export function writeTerminalAssignments(memento: Pick<Memento, 'update'>, assignments: TerminalAssignments): PromiseLike<void> {
  return memento.update(StateKeys.terminals, Object.keys(assignments).length > 0 ? assignments : undefined);
}
