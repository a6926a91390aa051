// Builds the store's parts over a folder (the extension's global storage) and SecretStorage, and the
// sender lease beside them. Nothing here does I/O; `open()` (migration, recovery, the watcher) does.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { Disposable } from '../emitter';
import { type ProviderInfo } from '../providers/catalogue';
import { cleanServiceName } from '../keys/redact';
import { KeyStore } from './keyStore';
import { GenerationLock } from './lock';
import { type MementoPort, type OpenReport, openStore } from './migration';
import { STORE_LOCK_TTL_MS, StoreMutex } from './mutex';
import { RecordCache } from './recordCache';
import { FsRecordFolder, type RecordFolderPort } from './recordFolder';
import { recordOf } from './records';
import { recover, type RecoveryReport } from './recovery';
import { SecretVault, type SecretStoragePort } from './secretVault';

/** How long the window that sends to Pieces OS keeps the lease without renewing it. */
export const SENDER_LEASE_TTL_MS = 20_000;
/** How soon recovery tries again to finish an add whose last write failed. */
export const FINISH_RETRY_MS = 1000;

export interface StoreSetup {
  /** The folder that holds `records/` and `locks/` (the extension's global storage, plus "store"). */
  root: string;
  secrets: SecretStoragePort;
  /** This window's name in the locks. */
  windowId?: string;
  now?: () => Date;
  providers?: readonly ProviderInfo[];
  /** Wraps the record folder (tests inject faults and count writes). */
  wrapFolder?: (folder: RecordFolderPort) => RecordFolderPort;
  onSecret?: (secret: string) => void;
  log?: (message: string) => void;
}

export interface OpenedStore extends OpenReport {
  recovery?: RecoveryReport;
}

export interface StoreBundle extends Disposable {
  store: KeyStore;
  /** The sender lease: one window at a time sends to Pieces OS. */
  lease: GenerationLock;
  /**
   * Loads the records, migrates the old layout, recovers what a crash left, and starts watching. `onLoaded`
   * is called as soon as the records are read, before the store lock is taken for the rest.
   */
  open(options?: { memento?: MementoPort; onLoaded?: () => void }): Promise<OpenedStore>;
  /** Runs recovery again (window focus: a keyring that was locked may be open now). */
  recover(): Promise<RecoveryReport>;
}

/** A log line for an entry the store did not write, named only as far as it is safe to show (cleaned, redacted, clipped). */
function foreignLog(log: (message: string) => void, where: string): (entry: string) => void {
  return (entry) =>
    log(
      entry
        ? `Ignored "${cleanServiceName(entry)}" in the key store's ${where} folder: the store did not write it; it is never read or followed, and left as it is (or moved aside to a hidden name where the store must write).`
        : `More entries the store did not write are in its ${where} folder; they are ignored without a log line each.`,
    );
}

export function createStore(setup: StoreSetup): StoreBundle {
  const windowId = setup.windowId ?? randomUUID();
  const log = setup.log ?? (() => undefined);
  const { root } = setup;
  const raw = new FsRecordFolder(path.join(root, 'records'), {
    base: root,
    isRecordName: (name) => recordOf(name) !== undefined,
    onForeign: foreignLog(log, 'records'),
  });
  const folder = setup.wrapFolder ? setup.wrapFolder(raw) : raw;
  const cache = new RecordCache(folder);
  const vault = new SecretVault(setup.secrets);
  const now = setup.now ?? (() => new Date());
  const lockIn = (name: 'store' | 'sender') => path.join(root, 'locks', name);
  const mutex = new StoreMutex(
    new GenerationLock(lockIn('store'), windowId, STORE_LOCK_TTL_MS, undefined, { base: root, onForeign: foreignLog(log, 'locks/store') }),
  );
  // An add whose last write failed is finished by recovery: soon, not only at the next focus or start.
  let finishTimer: ReturnType<typeof setTimeout> | undefined;
  const finishSoon = (): void => {
    finishTimer ??= setTimeout(() => {
      finishTimer = undefined;
      recover(store, log).catch((error: unknown) =>
        log(`Could not finish a change yet: ${error instanceof Error ? error.message : String(error)}`),
      );
    }, FINISH_RETRY_MS);
    finishTimer.unref?.();
  };
  const store = new KeyStore({
    folder,
    cache,
    vault,
    mutex,
    now,
    onUnfinished: finishSoon,
    ...(setup.providers ? { providers: setup.providers } : {}),
    ...(setup.onSecret ? { onSecret: setup.onSecret } : {}),
  });
  const lease = new GenerationLock(lockIn('sender'), windowId, SENDER_LEASE_TTL_MS, () => now().getTime(), {
    base: root,
    onForeign: foreignLog(log, 'locks/sender'),
  });
  cache.onSkipped = ({ name, why }) =>
    log(
      why === 'newer'
        ? `Skipped ${name}: written by a newer version; left untouched.`
        : why === 'foreign'
          ? `Skipped ${name}: it is not a file the store wrote (a folder, a link, or too large); left untouched and never read.`
          : `Skipped ${name}: it cannot be read; left untouched.`,
    );

  const subscriptions: Disposable[] = [];
  let pending: Set<string> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    const names = pending;
    pending = undefined;
    timer = undefined;
    if (!names) return;
    // undefined in the set: the watcher lost track, read everything again.
    void (names.has('') ? store.refresh() : Promise.all([...names].map((name) => store.refresh(name)))).catch((error: unknown) =>
      log(`Could not read a change from another window: ${error instanceof Error ? error.message : String(error)}`),
    );
  };

  return {
    store,
    lease,
    async open(options = {}) {
      const report: OpenedStore = await openStore(store, folder, {
        ...(options.memento ? { memento: options.memento } : {}),
        ...(options.onLoaded ? { onLoaded: options.onLoaded } : {}),
        deleteSecret: (name) => setup.secrets.delete(name),
        now,
        log,
      });
      // Other windows' writes, batched: one refresh per record per 20 ms burst.
      subscriptions.push(
        folder.watch((name) => {
          (pending ??= new Set()).add(name ?? '');
          timer ??= setTimeout(flush, 20);
        }),
      );
      if (!report.readOnly) report.recovery = await recover(store, log);
      return report;
    },
    recover: () => (store.readOnly ? Promise.resolve({ finished: 0, undone: 0, waiting: 0, orphansDeleted: 0 }) : recover(store, log)),
    dispose() {
      clearTimeout(timer);
      clearTimeout(finishTimer);
      for (const subscription of subscriptions) subscription.dispose();
      store.dispose();
      cache.dispose();
    },
  };
}
