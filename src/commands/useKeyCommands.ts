// The entry of dist/use-keys.js: the "use the keys" flows (src/flows/useKeys/), bundled apart from
// dist/extension.js and loaded on first use (src/vscode/useKeys.ts), so that activation stays small and
// fast. It gets everything it works with from the activation bundle and makes the window's workbench here.
import type { Prompter } from '../flows/prompter';
import type { FlowDeps } from '../flows/useKeys/flowDeps';
import { type UseKeyFlows, createUseKeyFlows } from '../flows/useKeys/useKeyFlows';
import { VsCodeWorkbench, type VsCodeWorkbenchOptions } from '../vscode/workbench';

export type UseKeysEntryDeps = Omit<FlowDeps, 'workbench'> & {
  /** The prompter the tests put in place; undefined: the window's own. */
  prompter(): Prompter | undefined;
  readonly context: VsCodeWorkbenchOptions['context'];
};

export function createFlows(given: UseKeysEntryDeps): UseKeyFlows {
  const workbench = new VsCodeWorkbench({ prompter: () => given.prompter(), context: given.context });
  return createUseKeyFlows({ ...given, workbench: () => workbench });
}
