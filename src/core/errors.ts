// Typed failures of the Pieces OS client. Each carries a message a user understands; none ever
// holds key bytes (service text is redacted before it is kept).
import { t } from './l10n';

export type PiecesErrorKind =
  | 'unreachable'
  | 'unauthorized'
  | 'server'
  | 'badResponse'
  | 'notSignedIn'
  | 'invalidInput'
  | 'cancelled';

export abstract class PiecesError extends Error {
  abstract readonly kind: PiecesErrorKind;
  /** The HTTP method and path of the call that failed, for the log; never a body. */
  readonly operation: string | undefined;

  protected constructor(message: string, operation?: string) {
    super(message);
    this.name = new.target.name;
    this.operation = operation;
  }
}

/** Nothing answered: refused, reset, dropped, timed out, or not found by discovery. */
export class ServiceUnreachableError extends PiecesError {
  readonly kind = 'unreachable';
  constructor(
    readonly reason: 'refused' | 'reset' | 'timeout' | 'notFound' | 'network',
    readonly baseUrl: string | undefined,
    operation?: string,
  ) {
    super(unreachableMessage(reason, baseUrl), operation);
  }
}

function unreachableMessage(reason: ServiceUnreachableError['reason'], baseUrl: string | undefined): string {
  switch (reason) {
    case 'notFound':
      return t('Pieces OS is not running: nothing answered on 127.0.0.1 ports 39300–39333, 1000 or 5323. Start Pieces OS, or set its address with "Provider Keys: Select Service URL".');
    case 'timeout':
      return t('Pieces OS at {0} did not answer in time.', baseUrl ?? '?');
    case 'refused':
      return t('Pieces OS is not running at {0} (connection refused).', baseUrl ?? '?');
    case 'reset':
      return t('Pieces OS at {0} closed the connection before answering.', baseUrl ?? '?');
    case 'network':
      return t('Pieces OS at {0} could not be reached.', baseUrl ?? '?');
  }
}

/** 401: Pieces OS rejected the key or organization. `serviceMessage` is redacted service text. */
export class UnauthorizedError extends PiecesError {
  readonly kind = 'unauthorized';
  constructor(readonly serviceMessage: string, operation?: string) {
    super(
      serviceMessage
        ? t('Pieces OS rejected this key (401): {0}', serviceMessage)
        : t('Pieces OS rejected this key or organization (401).'),
      operation,
    );
  }
}

/** 5xx (or another unexpected status): the service is there but failed. */
export class ServerError extends PiecesError {
  readonly kind = 'server';
  constructor(readonly status: number, readonly serviceMessage: string, operation?: string) {
    super(
      serviceMessage
        ? t('Pieces OS failed with status {0}: {1}', status, serviceMessage)
        : t('Pieces OS failed with status {0}.', status),
      operation,
    );
  }
}

/** 2xx with a body that is not JSON or lacks what the contract requires. */
export class BadResponseError extends PiecesError {
  readonly kind = 'badResponse';
  constructor(readonly problem: string, operation?: string) {
    super(t('Pieces OS sent a response this extension does not understand: {0}.', problem), operation);
  }
}

/** `GET /user` answered without a user: Pieces OS runs, but nobody is signed in. */
export class NotSignedInError extends PiecesError {
  readonly kind = 'notSignedIn';
  constructor(operation?: string) {
    super(t('Pieces OS is running, but nobody is signed in. Sign in to Pieces, then try again.'), operation);
  }
}

/** The request itself was refused before sending (an empty user id or key), or by the service (4xx). */
export class InvalidInputError extends PiecesError {
  readonly kind = 'invalidInput';
  constructor(message: string, operation?: string) {
    super(message, operation);
  }
}

/** The caller aborted the call. Not an error to show. */
export class CancelledError extends PiecesError {
  readonly kind = 'cancelled';
  constructor(operation?: string) {
    super(t('Cancelled.'), operation);
  }
}

export function isPiecesError(error: unknown): error is PiecesError {
  return error instanceof PiecesError;
}
