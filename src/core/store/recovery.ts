// Recovery: finishes or undoes what a crash (or a keyring that failed) left half done, and collects
// secrets that no record names. Runs at activation and again later (window focus), one change at a
// time under the store lock, so it never races another window's change in progress.
//
// The rules, one per pending mark (see KeyStore for the order of writes):
//   add     secret stored with the record's revision → finish it (the choice too, if it asked for one);
//           secret certainly absent (SecretStorage lists our keys and it is not there) → drop the mark;
//           otherwise (keyring locked or failing, no listing) → leave it for a later run.
//   rotate  secret has the new revision → finish it; still the old revision → undo the mark;
//           unreadable → leave it.
//   delete  finish it: move the choice, delete the secrets, drop the record (retried while the keyring refuses).
// Orphans: where SecretStorage can list its keys (VS Code 1.106+), a secret this format wrote (a value
// with a revision) whose id has no entry at a record's name at all (readable or not, a file or not) is
// deleted, and so is a previous secret that no record keeps. A raw value (written by 0.1: a row that
// migration could not move, or data left for a newer version) is never deleted here. Below 1.106 every
// secret this store writes has its record written first, so only secrets from before this format can
// be orphans, and those cannot be found.
import { type KeyRecord, KEY_PREFIX, keyFile, recordOf } from './records';
import type { KeyStore } from './keyStore';
import { KeyringUnavailableError, type StoredSecret, secretName, secretOwner } from './secretVault';

export interface RecoveryReport {
  finished: number;
  undone: number;
  /** Marks left for a later run (keyring unavailable). */
  waiting: number;
  orphansDeleted: number;
}

export async function recover(store: KeyStore, log: (message: string) => void = () => undefined): Promise<RecoveryReport> {
  const report: RecoveryReport = { finished: 0, undone: 0, waiting: 0, orphansDeleted: 0 };
  const pending = [...store.allRecords()].filter((record) => record.pending).map((record) => record.id);
  let listed: Set<string> | undefined | null = null; // null: not asked yet
  const secretNames = async (): Promise<Set<string> | undefined> => {
    if (listed === null) {
      const names = await store.vault.list();
      listed = names ? new Set(names) : undefined;
    }
    return listed;
  };

  for (const id of pending) {
    const outcome = await store.change(async () => {
      const record = await store.freshKey(id);
      if (!record?.pending) return 'none' as const;
      switch (record.pending.op) {
        case 'add':
          return recoverAdd(store, record, secretNames);
        case 'rotate':
          return recoverRotate(store, record);
        case 'delete':
          return (await store.finishRemove(record)).secretDeleted ? ('finished' as const) : ('waiting' as const);
      }
    });
    if (outcome !== 'none') report[outcome]++;
  }

  report.orphansDeleted = await collectOrphans(store);
  if (report.finished + report.undone + report.waiting + report.orphansDeleted > 0) {
    log(
      `Recovery: ${report.finished} change(s) finished, ${report.undone} undone, ${report.waiting} waiting for the keyring, ` +
        `${report.orphansDeleted} orphaned secret(s) deleted`,
    );
  }
  return report;
}

type Outcome = 'finished' | 'undone' | 'waiting';

async function readOrReason(
  store: KeyStore,
  id: string,
  slot: 'current' | 'previous' = 'current',
): Promise<StoredSecret | KeyringUnavailableError> {
  try {
    return await store.vault.read(id, slot);
  } catch (error) {
    if (error instanceof KeyringUnavailableError) return error;
    throw error;
  }
}

async function recoverAdd(store: KeyStore, record: KeyRecord, secretNames: () => Promise<Set<string> | undefined>): Promise<Outcome> {
  const stored = await readOrReason(store, record.id);
  if (!(stored instanceof KeyringUnavailableError)) {
    if (stored.rev !== record.secretRev) return 'waiting';
    await store.finishAdd(record);
    return 'finished';
  }
  // "Nothing came back" is not "nothing is there" unless SecretStorage's own listing says so.
  const names = stored.reason === 'empty' ? await secretNames() : undefined;
  if (!names || names.has(secretName(record.id))) return 'waiting';
  await store.drop(keyFile(record.id));
  return 'undone';
}

async function recoverRotate(store: KeyStore, record: KeyRecord): Promise<Outcome> {
  if (record.pending?.op !== 'rotate') return 'waiting';
  const stored = await readOrReason(store, record.id);
  if (stored instanceof KeyringUnavailableError) return 'waiting';
  if (stored.rev === record.pending.rev) {
    // The new secret is in: the previous slot holds the accepted key if the rotation copied it there.
    let previousRev = record.previousRev;
    if (previousRev === undefined) {
      const previous = await readOrReason(store, record.id, 'previous');
      if (!(previous instanceof KeyringUnavailableError) && previous.rev === record.secretRev) previousRev = record.secretRev;
    }
    await store.finishRotate(record, previousRev);
    return 'finished';
  }
  if (stored.rev === record.secretRev) {
    const { pending: _undone, ...unchanged } = record;
    await store.put(keyFile(record.id), unchanged);
    return 'undone';
  }
  return 'waiting';
}

async function collectOrphans(store: KeyStore): Promise<number> {
  const names = await store.vault.list();
  if (!names || names.length === 0) return 0;
  return store.change(async () => {
    // Listed after the secrets: a secret listed above had its record written before it was stored.
    const records = new Map<string, KeyRecord | undefined>();
    for (const file of await listKeyFiles(store)) records.set(file, undefined);
    for (const record of store.allRecords()) records.set(record.id, record);
    let deleted = 0;
    for (const name of names) {
      const owner = secretOwner(name);
      if (!owner) continue;
      const known = records.has(owner.id);
      const record = records.get(owner.id);
      const strayPrevious = owner.slot === 'previous' && record && !record.previousRev && !record.pending;
      if (known && !strayPrevious) continue;
      if (!(await store.vault.writtenByStore(name))) continue; // 0.1's raw value: not ours to collect
      try {
        await store.vault.deleteRaw(name);
        deleted++;
      } catch {
        // the keyring refused: next time
      }
    }
    return deleted;
  });
}

async function listKeyFiles(store: KeyStore): Promise<string[]> {
  const ids: string[] = [];
  for (const name of await store.listRecordNames()) {
    const record = recordOf(name);
    if (record && record.kind === 'key' && name.startsWith(KEY_PREFIX)) ids.push(record.id);
  }
  return ids;
}
