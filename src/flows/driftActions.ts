// The answers to drift (what Pieces OS holds differs from the key the user chose): send ours again,
// keep theirs, or leave it.
import * as l10n from '@vscode/l10n';
import { PROVIDERS, type ProviderId, type ProviderInfo } from '../core/providers/catalogue';
import type { KeyRecord } from '../core/store/keyStore';
import { adoptHeldKey } from '../core/sync/adopt';
import type { SyncEngine } from '../core/sync/engine';
import { type SyncError, firstFailure } from '../core/sync/outcome';
import type { Prompter } from './prompter';

/** What a drift command receives: the tree's drift item, or nothing (then the provider with drift). */
export type DriftArgument = { readonly provider: ProviderInfo } | undefined;

export class DriftActions {
  constructor(
    private readonly sync: SyncEngine,
    private readonly prompter: () => Prompter,
    /** Explains a failed call, with the buttons for the next step (FailureReporter.failure). */
    private readonly report: (error: SyncError, keyId: string | undefined) => Promise<void>,
  ) {}

  /** Drift: make Pieces OS hold the key the user chose. */
  async pushToPieces(arg: DriftArgument): Promise<void> {
    const provider = this.driftProvider(arg);
    if (!provider) return;
    await this.sync.pushOurs(provider);
    const outcomes = await this.sync.drain();
    const failed = firstFailure(outcomes);
    if (failed) await this.report(failed.error, failed.keyId);
    else if (outcomes.some((o) => o.kind === 'waiting')) {
      void this.prompter().message('info', l10n.t('Another VS Code window sends your key to Pieces OS.'));
    } else void this.prompter().message('info', l10n.t('Pieces OS holds your key again.'));
  }

  /** Drift: keep the key Pieces OS holds, in SecretStorage, as the one it uses. */
  async adoptFromPieces(arg: DriftArgument): Promise<KeyRecord | undefined> {
    const provider = this.driftProvider(arg);
    if (!provider) return undefined;
    const record = await this.sync.adopt(provider, adoptHeldKey);
    void this.prompter().message('info', l10n.t('Kept the key Pieces OS holds as "{0}"; Pieces OS uses it.', record.name));
    return record;
  }

  /** Drift: leave Pieces OS as it is and stop showing the difference. */
  ignoreDrift(arg: DriftArgument): void {
    const provider = this.driftProvider(arg);
    if (provider) this.sync.ignoreDrift(provider);
  }

  private driftProvider(arg: DriftArgument): ProviderId | undefined {
    if (arg && typeof arg === 'object' && 'provider' in arg) return arg.provider.id;
    const drift = this.sync.state.drift;
    return PROVIDERS.find((p) => drift[p.id] && drift[p.id]?.kind !== 'inSync')?.id;
  }
}
