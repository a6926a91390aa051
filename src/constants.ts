// Every id the extension shares with package.json lives here; a host test checks the two agree.

export const EXTENSION_ID = 'provider-keys.provider-keys';
export const CONFIG_SECTION = 'providerKeys';

export const Commands = {
  addKey: 'providerKeys.addKey',
  /** Add Key from a provider's row: the provider is given (the view's own Add Key asks for it). */
  addProviderKey: 'providerKeys.addProviderKey',
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
  // Using the keys (src/flows/useKeys/)
  getKey: 'providerKeys.getKey',
  copyKey: 'providerKeys.copyKey',
  verifyKey: 'providerKeys.verifyKey',
  useInTerminals: 'providerKeys.useInTerminals',
  stopUsingInTerminals: 'providerKeys.stopUsingInTerminals',
  importFromEnvironment: 'providerKeys.importFromEnvironment',
  importFromKeychain: 'providerKeys.importFromKeychain',
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
  /** True while at least one key is given to new integrated terminals. */
  inTerminals: 'providerKeys.inTerminals',
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
  /** Appended last to a key's value while new terminals get the key (Use in Terminals). */
  inTerminalsSuffix: '.terminals',
} as const;

export const Settings = {
  serviceUrl: 'serviceUrl',
  allowRemoteService: 'allowRemoteService',
  autoSync: 'autoSync',
  statusBarEnabled: 'statusBar.enabled',
  rotationReminderDays: 'rotationReminderDays',
  /** Per provider id, a base URL that replaces the catalogue's for Verify Key (machine-scoped). */
  verifyBaseUrls: 'verify.baseUrls',
} as const;

/** The folder under the extension's global storage that holds the key store (records and locks). */
export const STORE_FOLDER = 'store';

/** Keys in `globalState`: small settings of this user, never key bytes (keys live in the store). */
export const StateKeys = {
  /** Which key (by id) each provider's variable comes from in new terminals; never the key itself. */
  terminals: 'providerKeys.terminals.v1',
  /** Set once the user agreed to Copy Key's first-time question. */
  copyConfirmed: 'providerKeys.copyConfirmed.v1',
} as const;

export const LOG_CHANNEL_NAME = 'Provider Keys';
