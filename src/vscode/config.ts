import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from '../constants';
import type { RefusedServiceUrl } from '../core/pieces/discovery';
import { checkServiceUrl } from '../core/pieces/serviceUrl';

/**
 * `providerKeys.serviceUrl`: the URL when it is set and allowed, `{ refused }` with the reason when it
 * is set but not allowed (the locator then sends nothing anywhere), undefined when empty ("discover").
 * `onRefused` is told the reason too, for the log.
 */
export function readServiceUrl(onRefused?: (error: string) => void): string | RefusedServiceUrl | undefined {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const raw = config.get<string>(Settings.serviceUrl, '').trim();
  if (!raw) return undefined;
  const checked = checkServiceUrl(raw, config.get<boolean>(Settings.allowRemoteService, false));
  if (!checked.ok) {
    onRefused?.(checked.error);
    return { refused: checked.error };
  }
  return checked.url;
}
