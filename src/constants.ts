// Every id the extension shares with package.json lives here; a host test checks the two agree.

export const EXTENSION_ID = 'provider-keys.provider-keys';
export const CONFIG_SECTION = 'providerKeys';

export const Commands = {
  showLog: 'providerKeys.showLog',
  checkConnection: 'providerKeys.checkConnection',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

export const Settings = {
  serviceUrl: 'serviceUrl',
  allowRemoteService: 'allowRemoteService',
} as const;

export const LOG_CHANNEL_NAME = 'Provider Keys';
