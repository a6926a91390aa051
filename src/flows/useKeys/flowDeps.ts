// What the "use the keys" flows share: their dependencies, the test knobs, and the provider picker (the
// key picker is the key flows' own, src/flows/pickKey.ts). Every question, and everything they do outside
// the core, goes through the Workbench.
import type { MaskCache } from '../../core/keys/maskCache';
import * as l10n from '@vscode/l10n';
import { PROVIDERS, type ProviderId, type ProviderInfo, getProvider } from '../../core/providers/catalogue';
import type { KeyStore } from '../../core/store/keyStore';
import type { SyncEngine } from '../../core/sync/engine';
import type { PickKeyDeps } from '../pickKey';
import { BACK } from '../prompter';
import type { Workbench } from '../workbench';

/** Seams the tests turn; everything has a real default. */
export interface UseKeysKnobs {
  /** The environment Import from Environment reads; default `process.env`. */
  environment?: Readonly<Record<string, string | undefined>>;
  /** The keychain helper's environment (to take D-Bus away); default `process.env`. */
  keychainEnv?: NodeJS.ProcessEnv;
  /** Where the helper looks for keytar; default the `.node` next to the bundle, then `keytar`. */
  keychainModulePaths?: string[];
  keychainTimeoutMs?: number;
  /** How long a copied key stays on the clipboard; default 30 s. */
  clipboardClearMs?: number;
  verifyTimeoutMs?: number;
}

export interface FlowDeps {
  /** The key store; the flows use list/get/keysOf/secret/add and setVerified. */
  readonly store: Pick<KeyStore, 'list' | 'get' | 'keysOf' | 'secret' | 'add' | 'setVerified'>;
  /** The tree's masks: a key picker reads no secret for a key already shown. */
  readonly masks: Pick<MaskCache, 'get'>;
  readonly sync: Pick<SyncEngine, 'choose' | 'kick'>;
  hasKeyInUse(provider: ProviderId): boolean;
  workbench(): Workbench;
  readonly log: { info(message: string): void; warn(message: string): void };
  /** The folder of the extension's bundles (dist/), where the keychain helper and keytar.node are. */
  readonly distPath: string;
  readonly knobs: UseKeysKnobs;
  /** Called after the terminal assignments changed, so the tree and context key follow. */
  terminalsChanged(): void;
}

/** What the key picker (pickKey.ts) needs of the flows' dependencies. */
export function keyPicker(deps: FlowDeps): PickKeyDeps {
  return {
    store: deps.store,
    masks: deps.masks,
    prompter: () => deps.workbench(),
    runCommand: (command, ...args) => deps.workbench().runCommand(command, ...args),
  };
}

/** A key's bytes, or undefined when the keyring gives nothing (locked, failing, not here yet). */
export function readSecret(deps: Pick<FlowDeps, 'store'>, id: string): Promise<string | undefined> {
  return deps.store.secret(id).catch(() => undefined);
}

/** The message when the keyring gives nothing for a key that exists: never "deleted". */
export function keyringUnavailable(name: string): string {
  return l10n.t('VS Code\'s secret storage did not give "{0}" (the keyring may be locked). Unlock it, then try again.', name);
}

/** The provider a command is about: a provider row, a provider id, or picked. */
export async function resolveProvider(deps: FlowDeps, arg: unknown, title: string, placeholder: string): Promise<ProviderInfo | undefined> {
  if (typeof arg === 'string') return getProvider(arg);
  if (arg && typeof arg === 'object' && 'provider' in arg) {
    const provider = arg.provider;
    return typeof provider === 'string' ? getProvider(provider) : getProvider((provider as ProviderInfo).id);
  }
  const answer = await deps.workbench().pick({ title, placeholder, items: PROVIDERS.map((p) => ({ label: p.label, value: p })) });
  return answer === BACK ? undefined : answer;
}
