// Every id the extension shares with package.json lives here; a host test checks the two agree.

export const EXTENSION_ID = 'provider-keys.provider-keys';
export const CONFIG_SECTION = 'providerKeys';

export const Commands = {
  addKey: 'providerKeys.addKey',
  updateKey: 'providerKeys.updateKey',
  renameKey: 'providerKeys.renameKey',
  deleteKey: 'providerKeys.deleteKey',
  useForPieces: 'providerKeys.useForPieces',
  syncNow: 'providerKeys.syncNow',
  refresh: 'providerKeys.refresh',
  showLog: 'providerKeys.showLog',
  selectServiceUrl: 'providerKeys.selectServiceUrl',
  statusActions: 'providerKeys.statusActions',
  pushToPieces: 'providerKeys.pushToPieces',
  adoptFromPieces: 'providerKeys.adoptFromPieces',
  ignoreDrift: 'providerKeys.ignoreDrift',
  restorePreviousKey: 'providerKeys.restorePreviousKey',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

export const Views = {
  container: 'providerKeys',
  keys: 'providerKeys.keys',
} as const;

/** Context keys the extension sets for `when` clauses. */
export const ContextKeys = {
  hasKeys: 'providerKeys.hasKeys',
  connection: 'providerKeys.connection',
  /** True while what Pieces OS holds differs from the key the user chose. */
  drift: 'providerKeys.drift',
} as const;

/** `contextValue`s of tree items, matched by the menus in package.json. */
export const ItemContext = {
  provider: 'provider',
  activeKey: 'key.syncable.active',
  inactiveKey: 'key.syncable.inactive',
  localKey: 'key.local',
  /** "Pieces OS holds another key": the answers are push ours, adopt theirs, leave it. */
  drift: 'drift',
  /** "Pieces OS holds none of your key": push ours or leave it. */
  driftNone: 'drift.none',
  /** "Pieces OS holds a key you have not added": adopt it or leave it. */
  driftUnknown: 'drift.unknown',
  /** Appended to a key's value while its previous key is kept (a rotation Pieces OS has not accepted yet). */
  withPreviousSuffix: '.previous',
} as const;

export const Settings = {
  serviceUrl: 'serviceUrl',
  allowRemoteService: 'allowRemoteService',
  autoSync: 'autoSync',
  statusBarEnabled: 'statusBar.enabled',
  rotationReminderDays: 'rotationReminderDays',
} as const;

/** The folder under the extension's global storage that holds the key store (records and locks). */
export const STORE_FOLDER = 'store';

export const LOG_CHANNEL_NAME = 'Provider Keys';
