// "Select Service URL": automatic discovery, or an address the user types (loopback unless allowed).
import { Settings } from '../constants';
import * as l10n from '@vscode/l10n';
import { checkServiceUrl } from '../core/pieces/serviceUrl';
import { BACK, type Prompter } from './prompter';
import type { Workbench } from './workbench';

export async function selectServiceUrl(
  workbench: Prompter & Pick<Workbench, 'setting' | 'updateSetting'>,
  foundUrl: string | undefined,
): Promise<string | undefined> {
  const current = workbench.setting<string>(Settings.serviceUrl, '').trim();
  const allowRemote = workbench.setting<boolean>(Settings.allowRemoteService, false);
  const choice = await workbench.pick<'auto' | 'enter'>({
    title: l10n.t('Pieces OS Service URL'),
    placeholder: current ? l10n.t('Now: {0}', current) : l10n.t('Now: found automatically{0}', foundUrl ? ` (${foundUrl})` : ''),
    items: [
      {
        label: l10n.t('Find Pieces OS automatically'),
        detail: l10n.t('Scan 127.0.0.1 ports 39300–39333, then 1000 and 5323 (recommended)'),
        value: 'auto',
      },
      {
        label: l10n.t('Enter a URL…'),
        detail: l10n.t('For Pieces OS on a port of its own, such as http://127.0.0.1:39300'),
        value: 'enter',
      },
    ],
  });
  if (choice === undefined || choice === BACK) return undefined;
  let value = '';
  if (choice === 'enter') {
    const answer = await workbench.input({
      title: l10n.t('Pieces OS Service URL'),
      prompt: l10n.t('The address of Pieces OS on this computer.'),
      placeholder: 'http://127.0.0.1:39300',
      value: current || foundUrl || 'http://127.0.0.1:39300',
      validate: (input) => {
        const checked = checkServiceUrl(input, allowRemote);
        return checked.ok ? undefined : { severity: 'error', message: checked.error };
      },
    });
    if (answer === undefined || answer === BACK) return undefined;
    const checked = checkServiceUrl(answer, allowRemote);
    if (!checked.ok) return undefined;
    value = checked.url;
  }
  await workbench.updateSetting(Settings.serviceUrl, value);
  void workbench.message(
    'info',
    value
      ? l10n.t('Provider Keys now sends keys to Pieces OS at {0} only.', value)
      : l10n.t('Provider Keys now finds Pieces OS automatically (127.0.0.1 ports 39300–39333, 1000, 5323).'),
  );
  return value;
}
