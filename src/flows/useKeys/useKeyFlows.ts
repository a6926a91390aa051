// The "use the keys" flows as one object: Get a Key, Copy, Verify, terminals and the imports, made over
// one set of dependencies. The entry of dist/use-keys.js (src/commands/useKeyCommands.ts) makes it with the
// window's workbench; the tests make it with a fake one.
import * as l10n from '@vscode/l10n';
import type { ImportResult } from '../../core/import/importKeys';
import { PROVIDER_APIS } from '../../core/providers/apis';
import type { VerifyResult } from '../../core/providers/verify';
import { CopyKey } from './copyKey';
import { type FlowDeps, resolveProvider } from './flowDeps';
import { runImportFromEnvironment } from './importEnvironment';
import { runImportFromKeychain } from './importKeychain';
import { TerminalKeys } from './terminals';
import { runVerifyKey } from './verifyKey';

export interface UseKeyFlows {
  getKey(arg: unknown): Promise<string | undefined>;
  copyKey(arg: unknown): Promise<boolean>;
  verifyKey(arg: unknown): Promise<VerifyResult | undefined>;
  readonly terminals: TerminalKeys;
  importFromEnvironment(): Promise<ImportResult[]>;
  importFromKeychain(): Promise<ImportResult[]>;
  /** On shutdown: empties the clipboard now if a copied key would have been cleared later. */
  dispose(): void;
}

export function createUseKeyFlows(deps: FlowDeps): UseKeyFlows {
  const copy = new CopyKey(deps);
  return {
    getKey: async (arg) => {
      const provider = await resolveProvider(deps, arg, l10n.t('Get a Key'), l10n.t('Which provider do you need a key for?'));
      if (!provider) return undefined;
      const url = PROVIDER_APIS[provider.id].keyPage;
      await deps.workbench().openExternal(url);
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
