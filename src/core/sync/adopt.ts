// Drift answer "keep the key Pieces OS holds": the key is validated exactly as a key the user types,
// stored in SecretStorage (or found among the user's keys), and becomes the one Pieces OS uses.
// Nothing is sent: Pieces OS holds it already.
import { cleanServiceText } from '../keys/text';
import { validateHeldApiKey, validateKeyName, validateOrganizationId } from '../keys/validation';
import * as l10n from '@vscode/l10n';
import type { ServicePort } from '../pieces/servicePort';
import { type ProviderId, getProvider } from '../providers/catalogue';
import type { KeyRecord, KeyStore } from '../store/keyStore';
import type { KeyFingerprints } from './drift';

/** What keeping the key Pieces OS holds works with; the engine passes it in, one change at a time with sending. */
export interface AdoptDeps {
  store: KeyStore;
  service: ServicePort;
  fingerprints: KeyFingerprints;
  provider: ProviderId;
}

export async function adoptHeldKey(deps: AdoptDeps): Promise<KeyRecord> {
  const { store, service, fingerprints, provider } = deps;
  const info = getProvider(provider);
  const held = await service.held(provider);
  if (!info || !held?.apiKey) throw new Error(l10n.t('Pieces OS holds no key to keep.'));
  const checked = validateHeldApiKey(held.apiKey, info);
  if (!checked.ok) throw new Error(l10n.t('The key Pieces OS holds cannot be kept: {0}', checked.error));
  const fingerprint = fingerprints.of(checked.value);
  const existing = await fingerprints.find(store, provider, fingerprint, store.activeKey(provider));
  if (existing) {
    await store.setChoice(provider, existing.id);
    return existing;
  }
  const taken = store.keysOf(provider).map((key) => key.name);
  const organization = held.organization && validateOrganizationId(held.organization).ok ? held.organization : undefined;
  const record = await store.add(
    { provider, name: uniqueName(held.name, taken), secret: checked.value, ...(organization ? { organization } : {}) },
    { choose: true },
  );
  fingerprints.note(record, checked.value);
  return record;
}

/** The name Pieces OS gave the key when it is a valid name of its own, else "From Pieces OS"; made unique. */
function uniqueName(heldName: string | undefined, taken: readonly string[]): string {
  const cleaned = heldName ? cleanServiceText(heldName) : '';
  const base = cleaned && validateKeyName(cleaned).ok ? cleaned : l10n.t('From Pieces OS');
  const lower = new Set(taken.map((name) => name.toLowerCase()));
  let name = base;
  for (let i = 2; lower.has(name.toLowerCase()); i++) name = `${base} (${i})`;
  return name;
}
