// The five calls through the official SDK (`@pieces.app/pieces-os-client`). This file is also the
// entry point of the SDK bundle whose size the bench reports, built with the production flags.
import { Configuration, ExternalProviderApi, UserApi, WellKnownApi } from '@pieces.app/pieces-os-client';
import { BENCH_KEY, BENCH_KEY_NAME, BENCH_USER, type Calls } from './calls';

export function sdkCalls(baseUrl: string): Calls {
  const configuration = new Configuration({ basePath: baseUrl });
  const keys = new ExternalProviderApi(configuration);
  const users = new UserApi(configuration);
  const wellKnown = new WellKnownApi(configuration);
  return {
    create: () =>
      keys.externalProviderApiKeyCreate({
        precreatedExternalProviderApiKey: { user: BENCH_USER, openAI: { apiKey: BENCH_KEY, apiKeyName: BENCH_KEY_NAME } },
      }),
    update: () =>
      keys.externalProviderApiKeyUpdate({ preupdatedExternalProviderApiKey: { user: BENCH_USER, openAI: { apiKey: BENCH_KEY } } }),
    delete: () => keys.externalProviderApiKeyDelete({ predeletedExternalProviderApiKey: { user: BENCH_USER, openAI: true } }),
    user: () => users.userSnapshot(),
    health: () => wellKnown.getWellKnownHealth(),
  };
}
