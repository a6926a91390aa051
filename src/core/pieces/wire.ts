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

/** Absent, null (real Pieces OS sends null for unset fields) or a string. */
function isOptionalString(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}

const OPENAI_FIELDS = ['api_key', 'api_key_name', 'organization_key'] as const;

/** Why an `open_AI` object is malformed, or undefined. `where` names it in the message. */
function checkOpenAI(openAI: unknown, where: string): string | undefined {
  if (openAI === undefined || openAI === null) return undefined;
  if (!isObject(openAI)) return `the response's "${where}" is not an object`;
  for (const field of OPENAI_FIELDS) {
    if (!isOptionalString(openAI[field])) return `the response's "${where}.${field}" is not a string`;
  }
  return undefined;
}

/** Why a response is not what the contract promises, or undefined when it is. Lenient about extra fields. */
export function checkKeyResponse(body: unknown): string | undefined {
  if (!isObject(body)) return 'the response is not a JSON object';
  if (!isObject(body.metadata)) return 'the response has no "metadata" object';
  if (typeof body.metadata.global_id !== 'string') return 'the response\'s "metadata" has no "global_id"';
  return checkOpenAI(body.metadata.open_AI, 'metadata.open_AI');
}

/**
 * Why a `GET /user` response is malformed, or undefined when it is usable (signed in or not). Every
 * field this extension reads is type-checked here, so that nothing later meets a number where it
 * expects text. A blank id is not malformed: it means nobody is signed in (the client decides).
 */
export function checkUserResponse(body: unknown): string | undefined {
  if (!isObject(body)) return 'the response is not a JSON object';
  const user = body.user;
  if (user === undefined || user === null) return undefined;
  if (!isObject(user)) return 'the response\'s "user" is not an object';
  if (typeof user.id !== 'string') return 'the response\'s "user" has no "id"';
  for (const field of ['email', 'name'] as const) {
    if (!isOptionalString(user[field])) return `the response's "user.${field}" is not a string`;
  }
  if (user.auth0 === undefined || user.auth0 === null) return undefined;
  if (!isObject(user.auth0)) return 'the response\'s "user.auth0" is not an object';
  return checkOpenAI(user.auth0.open_AI, 'user.auth0.open_AI');
}
