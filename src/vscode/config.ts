import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from '../constants';
import { checkServiceUrl } from '../core/serviceUrl';

/** The configured service URL when it is set and allowed; undefined means "discover". */
export function readServiceUrl(onRefused?: (error: string) => void): string | undefined {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const raw = config.get<string>(Settings.serviceUrl, '').trim();
  if (!raw) return undefined;
  const checked = checkServiceUrl(raw, config.get<boolean>(Settings.allowRemoteService, false));
  if (!checked.ok) {
    onRefused?.(checked.error);
    return undefined;
  }
  return checked.url;
}
