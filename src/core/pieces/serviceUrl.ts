// Which service addresses may receive keys. By default only loopback: a workspace or a typo must
// not be able to send keys to another machine.
import * as l10n from '@vscode/l10n';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export type UrlCheck = { ok: true; url: string } | { ok: false; error: string };

export function checkServiceUrl(input: string, allowRemote = false): UrlCheck {
  const trimmed = input.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { ok: false, error: l10n.t('"{0}" is not a URL; use an address such as http://127.0.0.1:39300.', trimmed) };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, error: l10n.t('The Pieces OS address must start with http:// or https://.') };
  }
  if (url.username || url.password || url.search || url.hash) {
    return { ok: false, error: l10n.t('The Pieces OS address takes no user name, password, query or fragment.') };
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (!loopback) {
    if (!allowRemote) {
      return {
        ok: false,
        error: l10n.t(
          '{0} is not on this computer. Keys are only sent to a loopback address (127.0.0.1, localhost, ::1) unless "providerKeys.allowRemoteService" is on.',
          url.host,
        ),
      };
    }
    if (url.protocol !== 'https:') {
      return { ok: false, error: l10n.t('A Pieces OS address on another computer must use https://.') };
    }
  }
  return { ok: true, url: `${url.origin}${url.pathname}`.replace(/\/+$/, '') };
}
