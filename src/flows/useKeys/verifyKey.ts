// Verify Key: on demand only. Asks the provider with its cheapest read-only call, records the
// answer (time and result) on the key, and says what it means. A network failure changes nothing.
import { CONFIG_SECTION, Commands, Settings } from '../../constants';
import type { KeyRecord } from '../../core/store/keyStore';
import * as l10n from '@vscode/l10n';
import { PROVIDER_APIS } from '../../core/providers/apis';
import { type ProviderId, getProvider } from '../../core/providers/catalogue';
import {
  type BaseUrlCheck,
  type VerifyResult,
  checkVerifyBaseUrl,
  describeOutcome,
  outcomeForLog,
  verifyKey,
} from '../../core/providers/verify';
import { resolveKey } from '../pickKey';
import type { Workbench } from '../workbench';
import { type FlowDeps, keyPicker, keyringUnavailable, readSecret } from './flowDeps';

/** The base URL for `provider`: the machine setting when set (and allowed), else the catalogue's. */
export function verifyBaseUrl(workbench: Pick<Workbench, 'setting'>, provider: ProviderId): BaseUrlCheck {
  const overrides = workbench.setting<Record<string, unknown> | undefined>(Settings.verifyBaseUrls, undefined) ?? {};
  const override = overrides[provider];
  if (typeof override !== 'string' || override.trim() === '') return { ok: true, url: PROVIDER_APIS[provider].baseUrl };
  return checkVerifyBaseUrl(override);
}

export async function runVerifyKey(deps: FlowDeps, arg: unknown): Promise<VerifyResult | undefined> {
  const record = await resolveKey(keyPicker(deps), arg, {
    title: l10n.t('Verify Key'),
    placeholder: l10n.t('Which key should its provider check?'),
  });
  if (!record) return undefined;
  const provider = getProvider(record.provider);
  const secret = await readSecret(deps, record.id);
  if (!provider || !secret) {
    void deps.workbench().message('error', keyringUnavailable(record.name));
    return undefined;
  }
  const base = verifyBaseUrl(deps.workbench(), provider.id);
  if (!base.ok) {
    const open = l10n.t('Open Settings');
    const choice = await deps
      .workbench()
      .message(
        'error',
        l10n.t('"{0}.{1}" for {2} is not used: {3}', CONFIG_SECTION, Settings.verifyBaseUrls, provider.label, base.error),
        open,
      );
    if (choice === open) await deps.workbench().runCommand('workbench.action.openSettings', `${CONFIG_SECTION}.${Settings.verifyBaseUrls}`);
    return undefined;
  }
  const result = await deps.workbench().withProgress(l10n.t('Asking {0} about "{1}"…', provider.label, record.name), (signal) =>
    verifyKey({
      provider: provider.id,
      secret,
      ...(record.organization ? { organization: record.organization } : {}),
      baseUrl: base.url,
      signal,
      ...(deps.knobs.verifyTimeoutMs ? { timeoutMs: deps.knobs.verifyTimeoutMs } : {}),
    }),
  );
  const { outcome } = result;
  deps.log.info(`Verify ${provider.label} key "${record.name}": GET ${result.url} → ${outcomeForLog(outcome)} in ${result.durationMs} ms`);
  if (outcome.kind === 'cancelled') return result;
  const message = describeOutcome(outcome, provider.label, record.name, result.url);
  if (outcome.kind === 'ok' || outcome.kind === 'rejected') {
    await deps.store.setVerified(record.id, { at: new Date().toISOString(), result: outcome.kind, status: outcome.status });
  }
  await report(deps, record, outcome.kind, message);
  return result;
}

async function report(deps: FlowDeps, record: KeyRecord, kind: VerifyResult['outcome']['kind'], message: string): Promise<void> {
  const workbench = deps.workbench();
  if (kind === 'ok') {
    void workbench.message('info', message);
    return;
  }
  if (kind === 'rejected') {
    const update = l10n.t('Update Key');
    const getKey = l10n.t('Get a Key…');
    const choice = await workbench.message('error', message, update, getKey);
    if (choice === update) await workbench.runCommand(Commands.updateKey, record.id);
    else if (choice === getKey) await workbench.runCommand(Commands.getKey, record.provider);
    return;
  }
  const retry = l10n.t('Retry');
  // Offline, or behind a proxy: the setting that points Verify at a proxy is one click away.
  const settings = l10n.t('Open Settings');
  const buttons = kind === 'network' ? [retry, settings] : kind === 'timeout' ? [retry] : [];
  const choice = await workbench.message('warning', message, ...buttons);
  if (choice === retry) await workbench.runCommand(Commands.verifyKey, record.id);
  else if (choice === settings) {
    await workbench.runCommand('workbench.action.openSettings', `${CONFIG_SECTION}.${Settings.verifyBaseUrls}`);
  }
}
