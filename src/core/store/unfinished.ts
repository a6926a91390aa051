// An add whose key bytes are stored but whose last write failed. Its own small module: the flows that
// tell the user about it live in other bundles, which must not pull in the store to recognise it.
import * as l10n from '@vscode/l10n';
import type { KeyRecord } from './records';

/**
 * The key bytes of an add are stored, but a write after them (the choice, or the record without its
 * mark) failed: the key is saved, and recovery finishes it (soon, and at the latest at the next start).
 */
export class AddUnfinishedError extends Error {
  constructor(
    readonly record: KeyRecord,
    readonly reason: unknown,
  ) {
    super(
      l10n.t('"{0}" is saved; its last step could not be written yet. It is being finished and appears in the list shortly.', record.name),
    );
    this.name = 'AddUnfinishedError';
  }
}

/**
 * Whether `error` is an AddUnfinishedError. By name, not `instanceof`: each bundle has its own copy of
 * this class, and the store that throws it was built by another bundle than the flow that catches it.
 */
export function isAddUnfinished(error: unknown): error is AddUnfinishedError {
  return error instanceof Error && error.name === 'AddUnfinishedError' && typeof (error as { record?: unknown }).record === 'object';
}
