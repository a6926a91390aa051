// Which typed error a failed call becomes: from its status (and `Retry-After`), or from how the
// connection failed. Service text is clipped, then redacted, before any error keeps it.
import { parseRetryAfter } from './answer';
import {
  BadResponseError,
  CancelledError,
  isPiecesError,
  InvalidInputError,
  NotFoundError,
  ServerError,
  ServiceBusyError,
  ServiceUnreachableError,
  SessionExpiredError,
  UnauthorizedError,
} from './errors';
import * as l10n from '@vscode/l10n';
import { excerpt } from '../keys/redact';
import { PiecesPaths } from './wire';

const KEY_PATHS: ReadonlySet<string> = new Set([PiecesPaths.create, PiecesPaths.update, PiecesPaths.delete]);

/** The typed error for a status outside 2xx (`answer` gives its headers). Service text is clipped, then redacted. */
export function statusError(
  status: number,
  answer: { header(name: string): string | null },
  text: string,
  baseUrl: string,
  method: string,
  path: string,
  secrets: Array<string | undefined>,
): Error {
  const operation = `${method} ${path}`;
  const said = excerpt(text, secrets);
  if (status === 401) return KEY_PATHS.has(path) ? new UnauthorizedError(said, operation) : new SessionExpiredError(said, operation);
  if (status === 429 || status === 503) return new ServiceBusyError(status, parseRetryAfter(answer.header('retry-after')), said, operation);
  if (status === 404) return new NotFoundError(baseUrl, operation);
  if (status >= 400 && status < 500) {
    return new InvalidInputError(
      l10n.t('Pieces OS refused the request (status {0}): {1}', status, said || l10n.t('no details')),
      operation,
      status,
    );
  }
  return new ServerError(status, said, operation);
}

export function classify(
  error: unknown,
  baseUrl: string,
  operation: string,
  callerSignal: AbortSignal | undefined,
  timedOut: boolean,
): Error {
  if (isPiecesError(error)) return error;
  if (callerSignal?.aborted) return new CancelledError(operation);
  if (timedOut) return new ServiceUnreachableError('timeout', baseUrl, operation);
  const code = errorCode(error);
  if (code === 'ECONNREFUSED') return new ServiceUnreachableError('refused', baseUrl, operation);
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new ServiceUnreachableError('reset', baseUrl, operation);
  }
  return new ServiceUnreachableError('network', baseUrl, operation);
}

/** The system error code behind a failed request, however deep it sits. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function parseJson(text: string, operation: string, secrets: Array<string | undefined>): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const shown = excerpt(text, secrets, 60);
    throw new BadResponseError(shown ? l10n.t('not JSON ("{0}")', shown) : l10n.t('an empty body'), operation);
  }
}
