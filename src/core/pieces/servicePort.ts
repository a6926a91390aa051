// What the sync engine needs of Pieces OS, and the adapter that maps it onto the real client. The
// engine is generic over providers; Pieces OS itself accepts only OpenAI (the contract's `open_AI`).
import type { PiecesClient } from './client';
import type { ProviderId } from '../providers/catalogue';

export interface KeyFields {
  apiKey: string;
  name: string;
  organization?: string;
}

/** What the engine needs of Pieces OS. The real one is `piecesServicePort(client)`. */
export interface ServicePort {
  userId(): Promise<string>;
  push(provider: ProviderId, user: string, call: 'create' | 'update', key: KeyFields): Promise<void>;
  remove(provider: ProviderId, user: string): Promise<void>;
  /** What Pieces OS holds for `provider` (from `GET /user`); the key bytes stay in memory only. */
  held(provider: ProviderId): Promise<Partial<KeyFields> | undefined>;
}

export function piecesServicePort(client: PiecesClient): ServicePort {
  const only = (provider: ProviderId): void => {
    if (provider !== 'openai') throw new Error(`Pieces OS accepts no ${provider} key`);
  };
  return {
    userId: async () => (await client.getUser()).id,
    push: async (provider, user, call, key) => {
      only(provider);
      if (call === 'create') await client.createKey(user, key);
      else await client.updateKey(user, key);
    },
    remove: async (provider, user) => {
      only(provider);
      await client.deleteKey(user);
    },
    held: async (provider) => {
      only(provider);
      const openAI = (await client.getUser()).openAI;
      if (!openAI?.api_key) return undefined;
      return {
        apiKey: openAI.api_key,
        ...(openAI.api_key_name ? { name: openAI.api_key_name } : {}),
        ...(openAI.organization_key ? { organization: openAI.organization_key } : {}),
      };
    },
  };
}
