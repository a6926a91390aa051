// What the stand-in's Pieces OS "holds", and the bodies it answers with. Pure functions: the
// server keeps the state. Bodies built here validate against the strict contract's response
// schemas (test/unit/stand-in.test.ts checks that).
import { KEY_PATHS } from './faults';
import type { RequestSchemaName, ResponseSchemaName } from './validator';

/** `Auth0OpenAIUserMetadata` as stored: a request's `schema` is never kept. */
export interface OpenAIState {
  api_key?: string;
  api_key_name?: string;
  organization_key?: string;
}

export type KeyPath = (typeof KEY_PATHS)[number];
export type KeyBody = { user: string; open_AI?: unknown };

export const GLOBAL_ID = '0b6f3c52-8d2e-4f7a-9c1b-5e4d3a2b1c0f';

const OPENAI_FIELDS = ['api_key', 'api_key_name', 'organization_key'] as const;

export const KEY_SCHEMAS: Record<KeyPath, { request: RequestSchemaName; response: ResponseSchemaName }> = {
  '/external_provider/api_key/create': { request: 'PrecreatedExternalProviderApiKey', response: 'CreatedExternalProviderApiKey' },
  '/external_provider/api_key/update': { request: 'PreupdatedExternalProviderApiKey', response: 'UpdatedExternalProviderApiKey' },
  '/external_provider/api_key/delete': { request: 'PredeletedExternalProviderApiKey', response: 'DeletedExternalProviderApiKey' },
};

export function isKeyPath(path: string): path is KeyPath {
  return (KEY_PATHS as readonly string[]).includes(path);
}

function pickOpenAI(value: unknown): OpenAIState {
  const out: OpenAIState = {};
  if (!value || typeof value !== 'object') return out;
  for (const field of OPENAI_FIELDS) {
    const entry = (value as Record<string, unknown>)[field];
    if (typeof entry === 'string') out[field] = entry;
  }
  return out;
}

/**
 * The stored key after a (validated) key call. Create replaces it with the given fields; update
 * merges the defined fields; delete with `open_AI: true` removes it. Without `open_AI`, and for
 * delete with `open_AI: false`, nothing changes.
 */
export function applyKeyCall(stored: OpenAIState | undefined, path: KeyPath, body: KeyBody): OpenAIState | undefined {
  if (path.endsWith('/create')) return body.open_AI === undefined ? stored : pickOpenAI(body.open_AI);
  if (path.endsWith('/update')) return body.open_AI === undefined ? stored : { ...stored, ...pickOpenAI(body.open_AI) };
  return body.open_AI === true ? undefined : stored;
}

/** `{ metadata: Auth0UserMetadata }`, the answer to all three key calls. */
export function keyResponseBody(stored: OpenAIState | undefined): { metadata: { global_id: string; open_AI?: OpenAIState } } {
  return { metadata: { global_id: GLOBAL_ID, ...(stored ? { open_AI: { ...stored } } : {}) } };
}

/** `ReturnedUserProfile`: `{}` when signed out. */
export function userResponseBody(signedIn: boolean, userId: string, stored: OpenAIState | undefined): Record<string, unknown> {
  if (!signedIn) return {};
  return {
    user: {
      id: userId,
      email: 'stand-in@example.com',
      name: 'Stand-in User',
      aesthetics: { theme: { dark: true }, font: { size: 12 } },
      auth0: { global_id: GLOBAL_ID, ...(stored ? { open_AI: { ...stored } } : {}) },
    },
  };
}
