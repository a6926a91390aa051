// Typed failures of the Pieces OS client. Each carries a message a user understands; none ever
// holds key bytes (service text is redacted before it is kept).
import * as l10n from '@vscode/l10n';

export type PiecesErrorKind =
  | 'unreachable'
  | 'unauthorized'
  | 'session'
  | 'server'
  | 'busy'
  | 'notFound'
  | 'badResponse'
  | 'notSignedIn'
  | 'userChanged'
  | 'refusedUrl'
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

/**
 * Nothing answered: refused, reset, dropped, timed out, or not found by discovery; or ('closed') the
 * connection that answered `GET /user` closed before a key call could follow on it, so nothing was sent.
 */
export class ServiceUnreachableError extends PiecesError {
  readonly kind = 'unreachable';
  constructor(
    readonly reason: 'refused' | 'reset' | 'timeout' | 'notFound' | 'network' | 'closed',
    readonly baseUrl: string | undefined,
    operation?: string,
  ) {
    super(unreachableMessage(reason, baseUrl), operation);
  }
}

function unreachableMessage(reason: ServiceUnreachableError['reason'], baseUrl: string | undefined): string {
  switch (reason) {
    case 'notFound':
      return l10n.t(
        'Pieces OS is not running: nothing answered on 127.0.0.1 ports 39300–39333, 1000 or 5323. Start Pieces OS, or set its address with "Provider Keys: Select Service URL".',
      );
    case 'timeout':
      return l10n.t('Pieces OS at {0} did not answer in time.', baseUrl ?? '?');
    case 'refused':
      return l10n.t('Pieces OS is not running at {0} (connection refused). Start Pieces OS.', baseUrl ?? '?');
    case 'reset':
      return l10n.t('Pieces OS at {0} closed the connection before answering.', baseUrl ?? '?');
    case 'closed':
      return l10n.t(
        'Pieces OS at {0} closed the connection after saying who is signed in, before the key could follow on it; nothing was sent.',
        baseUrl ?? '?',
      );
    case 'network':
      return l10n.t('Pieces OS at {0} could not be reached.', baseUrl ?? '?');
  }
}

/** 401 on a key call: Pieces OS rejected the key or organization. `serviceMessage` is redacted service text. */
export class UnauthorizedError extends PiecesError {
  readonly kind = 'unauthorized';
  constructor(
    readonly serviceMessage: string,
    operation?: string,
  ) {
    super(
      serviceMessage
        ? l10n.t('Pieces OS rejected this key (401): {0}', serviceMessage)
        : l10n.t('Pieces OS rejected this key or organization (401).'),
      operation,
    );
  }
}

/**
 * 401 on `GET /user`: the Pieces session is not valid (expired, signed out elsewhere). The key is not
 * at fault; the user signs in to Pieces again.
 */
export class SessionExpiredError extends PiecesError {
  readonly kind = 'session';
  constructor(
    readonly serviceMessage: string,
    operation?: string,
  ) {
    super(l10n.t('Pieces OS says your Pieces session is not valid (401). Sign in to Pieces again, then try again.'), operation);
  }
}

/**
 * 429 or 503: the service is there but asks to come back later. `retryAfterMs` is its `Retry-After`
 * (seconds or an HTTP date), capped at the backoff maximum; undefined when it sent none.
 */
export class ServiceBusyError extends PiecesError {
  readonly kind = 'busy';
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
    readonly serviceMessage: string,
    operation?: string,
  ) {
    super(
      retryAfterMs === undefined
        ? l10n.t('Pieces OS is busy (status {0}); trying again later.', status)
        : l10n.t('Pieces OS is busy (status {0}); trying again in {1} s.', status, Math.ceil(retryAfterMs / 1000)),
      operation,
    );
  }
}

/**
 * 404: the service has no such endpoint. On `GET /user` this means the process is not Pieces OS (or
 * one too old), so no key is sent to it.
 */
export class NotFoundError extends PiecesError {
  readonly kind = 'notFound';
  readonly status = 404;
  constructor(
    readonly baseUrl: string,
    operation?: string,
  ) {
    super(
      operation?.endsWith(' /user')
        ? l10n.t(
            'The service at {0} does not answer as Pieces OS does (GET /user: 404), so no key is sent to it. Check that Pieces OS runs there.',
            baseUrl,
          )
        : l10n.t('Pieces OS at {0} does not offer {1} (404). Update Pieces OS.', baseUrl, operation ?? '?'),
      operation,
    );
  }
}

/** 5xx (or another unexpected status): the service is there but failed. */
export class ServerError extends PiecesError {
  readonly kind = 'server';
  constructor(
    readonly status: number,
    readonly serviceMessage: string,
    operation?: string,
  ) {
    super(
      serviceMessage
        ? l10n.t('Pieces OS failed with status {0}: {1}', status, serviceMessage)
        : l10n.t('Pieces OS failed with status {0}.', status),
      operation,
    );
  }
}

/** 2xx with a body that is not JSON, lacks what the contract requires, or is larger than the limit. */
export class BadResponseError extends PiecesError {
  readonly kind = 'badResponse';
  /** The answer was over the size (or complexity) limit; the rest of it was discarded unread. */
  readonly tooLarge: boolean;
  constructor(
    readonly problem: string,
    operation?: string,
    options: { tooLarge?: boolean } = {},
  ) {
    super(l10n.t('Pieces OS sent a response this extension does not understand: {0}.', problem), operation);
    this.tooLarge = options.tooLarge ?? false;
  }
}

/** `GET /user` answered without a user: Pieces OS runs, but nobody is signed in. */
export class NotSignedInError extends PiecesError {
  readonly kind = 'notSignedIn';
  constructor(operation?: string) {
    super(l10n.t('Pieces OS is running, but nobody is signed in. Sign in to Pieces, then try again.'), operation);
  }
}

/**
 * The user verified at this address is not the one the key call was for (someone else signed in,
 * or another Pieces OS answers there now). Nothing was sent; read the user again and retry.
 */
export class UserChangedError extends PiecesError {
  readonly kind = 'userChanged';
  constructor(
    readonly baseUrl: string,
    operation?: string,
  ) {
    super(l10n.t('Another Pieces user is signed in at {0} now, so the key was not sent. Trying again for that user.', baseUrl), operation);
  }
}

/** `providerKeys.serviceUrl` holds an address that is not allowed; nothing is discovered or sent meanwhile. */
export class ServiceUrlRefusedError extends PiecesError {
  readonly kind = 'refusedUrl';
  constructor(
    readonly reason: string,
    operation?: string,
  ) {
    super(
      l10n.t('The "providerKeys.serviceUrl" setting was refused: {0} Nothing is sent until it is fixed or cleared.', reason),
      operation,
    );
  }
}

/**
 * The request itself was refused before sending (an empty user id or key), or by the service (a 4xx
 * other than 401, 404 and 429; `status` says which).
 */
export class InvalidInputError extends PiecesError {
  readonly kind = 'invalidInput';
  constructor(
    message: string,
    operation?: string,
    readonly status?: number,
  ) {
    super(message, operation);
  }
}

/** The caller aborted the call. Not an error to show. */
export class CancelledError extends PiecesError {
  readonly kind = 'cancelled';
  constructor(operation?: string) {
    super(l10n.t('Cancelled.'), operation);
  }
}

export function isPiecesError(error: unknown): error is PiecesError {
  return error instanceof PiecesError;
}
