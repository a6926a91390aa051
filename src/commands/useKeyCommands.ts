// The entry of dist/use-keys.js: the "use the keys" flows, bundled apart from dist/extension.js and
// loaded on first use (useKeys.ts), so that activation stays small and fast. It gets everything it
// works with from the activation bundle; only module-level state (the translator) is set here.
import * as vscode from 'vscode';
import { setTranslator, t } from '../core/l10n';
import { PROVIDER_APIS } from '../core/providers/apis';
import type { ImportResult } from '../core/import/importKeys';
import type { VerifyResult } from '../core/providers/verify';
import type { Prompter } from '../flows/prompter';
import { WindowPrompter } from '../vscode/prompts';
import { CopyKey } from '../flows/useKeys/copyKey';
import { type FlowDeps, resolveProvider } from '../flows/useKeys/flowDeps';
import { runImportFromEnvironment } from '../flows/useKeys/importEnvironment';
import { runImportFromKeychain } from '../flows/useKeys/importKeychain';
import { TerminalKeys } from '../flows/useKeys/terminals';
import { runVerifyKey } from '../flows/useKeys/verifyKey';

export interface UseKeyFlows extends vscode.Disposable {
  getKey(arg: unknown): Promise<string | undefined>;
  copyKey(arg: unknown): Promise<boolean>;
  verifyKey(arg: unknown): Promise<VerifyResult | undefined>;
  readonly terminals: TerminalKeys;
  importFromEnvironment(): Promise<ImportResult[]>;
  importFromKeychain(): Promise<ImportResult[]>;
}

/** `prompter` may answer undefined (no test prompter): the real window's is made here, in this bundle. */
export function createFlows(given: Omit<FlowDeps, 'prompter'> & { prompter(): Prompter | undefined }): UseKeyFlows {
  setTranslator(vscode.l10n.t);
  const window = new WindowPrompter();
  const deps: FlowDeps = { ...given, prompter: () => given.prompter() ?? window };
  const copy = new CopyKey(deps);
  return {
    getKey: async (arg) => {
      const provider = await resolveProvider(deps, arg, t('Get a Key'), t('Which provider do you need a key for?'));
      if (!provider) return undefined;
      const url = PROVIDER_APIS[provider.id].keyPage;
      const open = deps.knobs.openExternal ?? ((target: string) => vscode.env.openExternal(vscode.Uri.parse(target)));
      await open(url);
      deps.log.info(`Opened the ${provider.label} key page: ${url}`);
      return url;
    },
    copyKey: (arg) => copy.run(arg),
    verifyKey: (arg) => runVerifyKey(deps, arg),
    terminals: new TerminalKeys(deps),
    importFromEnvironment: () => runImportFromEnvironment(deps),
    importFromKeychain: () => runImportFromKeychain(deps),
    dispose: () => copy.dispose(),
  };
}
