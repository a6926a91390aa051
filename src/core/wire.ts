// Wire models for the parts of the Pieces OS local API this extension uses, written by hand from
// the contract (../../stand-in/contract/, from pieces-app/pieces-os-client-openapi-spec @ 6cd453d).
// Field names are the wire names exactly: `open_AI`, `api_key`, `api_key_name`, `organization_key`.

export const PiecesPaths = {
  create: '/external_provider/api_key/create',
  update: '/external_provider/api_key/update',
  delete: '/external_provider/api_key/delete',
  user: '/user',
  health: '/.well-known/health',
  version: '/.well-known/version',
} as const;

/** `EmbeddedModelSchema`. Accepted in responses; never sent (see contract README, "Upstream oddities"). */
export interface EmbeddedModelSchema {
  migration: number;
  semantic?: string;
}

/** `Auth0OpenAIUserMetadata`: the one OpenAI key Pieces OS keeps per user. */
export interface Auth0OpenAIUserMetadata {
  api_key?: string;
  api_key_name?: string;
  organization_key?: string;
  schema?: EmbeddedModelSchema;
}

/** `Auth0UserMetadata`; real Pieces OS sends more fields than these, which are kept as unknown. */
export interface Auth0UserMetadata {
  global_id: string;
  open_AI?: Auth0OpenAIUserMetadata;
  [other: string]: unknown;
}

/** Body of `POST /external_provider/api_key/create`. */
export interface PrecreatedExternalProviderApiKey {
  user: string;
  open_AI?: Auth0OpenAIUserMetadata;
}

/** Body of `POST /external_provider/api_key/update`: whatever is set is updated. */
export interface PreupdatedExternalProviderApiKey {
  user: string;
  open_AI?: Auth0OpenAIUserMetadata;
}

/** Body of `POST /external_provider/api_key/delete`: `open_AI: true` resets the stored key. */
export interface PredeletedExternalProviderApiKey {
  user: string;
  open_AI?: boolean;
}

/** `CreatedExternalProviderApiKey`, `UpdatedExternalProviderApiKey` and `DeletedExternalProviderApiKey`. */
export interface ExternalProviderApiKeyResponse {
  metadata: Auth0UserMetadata;
}

/** `UserProfile`, the fields this extension reads. */
export interface UserProfile {
  id: string;
  email?: string;
  name?: string;
  auth0?: Auth0UserMetadata;
  [other: string]: unknown;
}

/** `ReturnedUserProfile`: `user` is missing (or null, in practice) when nobody is signed in. */
export interface ReturnedUserProfile {
  user?: UserProfile | null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a response is not what the contract promises, or undefined when it is. Lenient about extra fields. */
export function checkKeyResponse(body: unknown): string | undefined {
  if (!isObject(body)) return 'the response is not a JSON object';
  if (!isObject(body.metadata)) return 'the response has no "metadata" object';
  if (typeof body.metadata.global_id !== 'string') return 'the response\'s "metadata" has no "global_id"';
  if (body.metadata.open_AI !== undefined && !isObject(body.metadata.open_AI)) {
    return 'the response\'s "metadata.open_AI" is not an object';
  }
  return undefined;
}

/** Why a `GET /user` response is malformed, or undefined when it is usable (signed in or not). */
export function checkUserResponse(body: unknown): string | undefined {
  if (!isObject(body)) return 'the response is not a JSON object';
  const user = body.user;
  if (user === undefined || user === null) return undefined;
  if (!isObject(user)) return 'the response\'s "user" is not an object';
  if (typeof user.id !== 'string' || user.id.length === 0) return 'the response\'s "user" has no "id"';
  if (user.auth0 !== undefined && user.auth0 !== null && !isObject(user.auth0)) {
    return 'the response\'s "user.auth0" is not an object';
  }
  return undefined;
}
