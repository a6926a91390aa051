// The status bar's click: the next steps that fit what it shows, the one that fixes the worst problem
// first (start Pieces OS, sign in, the service URL, restore or update a rejected key, answer drift, send
// again), then the everyday ones (add a key, the keys, the log) that make sense now.
import { Commands, Views } from '../constants';
import * as l10n from '@vscode/l10n';
import type { KeyRecord } from '../core/store/keyStore';
import type { DriftActions } from './driftActions';
import type { KeyActions } from './keyActions';
import type { PickItem, Prompter } from './prompter';
import { keyringAdvice } from './reportFailure';
import type { Workbench } from './workbench';

/** The worst problem the status bar shows (src/vscode/statusBar.ts), which decides the first action. */
export type StatusProblem =
  | { readonly kind: 'refusedUrl' | 'notRunning' | 'error' | 'notSignedIn' | 'rejected' | 'failed' | 'keyring' }
  | { readonly kind: 'drift'; readonly drift: 'holdsNone' | 'holdsOther' | 'holdsUnknown' }
  /** `answeredWithError`: Pieces OS answered the last try (a 500, busy): it is running, and will be asked again. */
  | { readonly kind: 'waiting'; readonly answeredWithError: boolean };

export interface StatusActionsDeps {
  /** What the status bar shows now, and the keys Pieces OS rejected (src/vscode/statusBar.ts). */
  readonly status: {
    view(): { readonly title: string; readonly lines: readonly string[]; readonly problem?: StatusProblem };
    rejectedKeys(): KeyRecord[];
  };
  readonly actions: Pick<KeyActions, 'restorePrevious' | 'updateKey' | 'syncNow' | 'addKey'>;
  readonly drift: Pick<DriftActions, 'pushToPieces' | 'adoptFromPieces' | 'ignoreDrift'>;
  readonly workbench: Prompter & Pick<Workbench, 'runCommand'>;
  /** Whether any key is stored (with none, there is nothing to sync or show). */
  hasKeys(): boolean;
  refresh(): Promise<void>;
  showLog(): void;
}

type Action = PickItem<() => unknown>;

export async function statusActions(deps: StatusActionsDeps): Promise<void> {
  const view = deps.status.view();
  const first = fixes(deps, view.problem);
  const offered = new Set(first.map((item) => item.label));
  const rest = everyday(deps, view.problem).filter((item) => !offered.has(item.label));
  const action = await deps.workbench.pick({
    title: view.title,
    placeholder: view.lines.join(' · ') || l10n.t('Choose what to do'),
    items: [...first, ...rest],
  });
  if (typeof action === 'function') await action();
}

/** What fixes `problem`, best first. */
function fixes(deps: StatusActionsDeps, problem: StatusProblem | undefined): Action[] {
  const { actions, drift } = deps;
  switch (problem?.kind) {
    case undefined:
      return [];
    case 'refusedUrl':
      return [selectServiceUrl(deps, l10n.t('Set an address that is allowed, or clear it to find Pieces OS by itself'))];
    // What fixes these is done outside VS Code (start Pieces OS, quit what took its port, sign in): the
    // first action looks again once that is done.
    case 'notRunning':
    case 'error':
      return [
        problem.kind === 'notRunning'
          ? lookAgain(
              deps,
              'debug-start',
              l10n.t('Pieces OS Started? Look Again'),
              l10n.t('Start Pieces OS (Pieces Desktop starts it too), then look for it; what waits is sent then'),
            )
          : lookAgain(
              deps,
              'refresh',
              l10n.t('Look Again'),
              l10n.t("Quit the program that answers on Pieces OS's port, or restart Pieces OS, then look again"),
            ),
        selectServiceUrl(deps, l10n.t('If Pieces OS runs on another port')),
      ];
    case 'notSignedIn':
      return [
        lookAgain(
          deps,
          'account',
          l10n.t('Signed In to Pieces? Look Again'),
          l10n.t('Sign in to Pieces (in Pieces Desktop, or Pieces for VS Code), then look again; what waits is sent then'),
        ),
      ];
    case 'rejected':
      return deps.status.rejectedKeys().flatMap((key) => [
        ...(key.previousRev
          ? [
              {
                icon: 'history',
                label: l10n.t('Restore the previous key of "{0}"', key.name),
                detail: l10n.t('Pieces OS rejected the new key (401); it accepted the previous one'),
                value: () => actions.restorePrevious(key.id),
              },
            ]
          : []),
        {
          icon: 'key',
          label: l10n.t('Update "{0}"…', key.name),
          detail: l10n.t('Pieces OS rejected this key (401)'),
          value: () => actions.updateKey(key.id),
        },
      ]);
    case 'drift':
      return [
        ...(problem.drift !== 'holdsUnknown'
          ? [{ icon: 'cloud-upload', label: l10n.t('Send My Key to Pieces OS'), value: () => drift.pushToPieces(undefined) }]
          : []),
        ...(problem.drift !== 'holdsNone'
          ? [{ icon: 'cloud-download', label: l10n.t('Keep the Key Pieces OS Holds'), value: () => drift.adoptFromPieces(undefined) }]
          : []),
        { icon: 'close', label: l10n.t('Leave Pieces OS As It Is'), value: () => drift.ignoreDrift(undefined) },
      ];
    case 'failed':
      return [
        { icon: 'sync', label: l10n.t('Sync Now'), detail: l10n.t('Send what waits again'), value: () => actions.syncNow() },
        showLog(deps, l10n.t('What Pieces OS answered')),
      ];
    case 'keyring':
      return [{ icon: 'sync', label: l10n.t('Sync Now'), detail: keyringAdvice(), value: () => actions.syncNow() }];
    case 'waiting':
      return problem.answeredWithError
        ? [
            { icon: 'sync', label: l10n.t('Sync Now'), detail: l10n.t('Send it again now'), value: () => actions.syncNow() },
            showLog(deps, l10n.t('What Pieces OS answered')),
          ]
        : [{ icon: 'sync', label: l10n.t('Sync Now'), detail: l10n.t('Send what waits now'), value: () => actions.syncNow() }];
  }
}

/**
 * The everyday actions that make sense now: with no key, adding or importing one, not syncing or showing
 * keys; Refresh unless the fix above already looks again, or nothing is looked for (a refused URL).
 */
function everyday(deps: StatusActionsDeps, problem: StatusProblem | undefined): Action[] {
  const away = problem !== undefined && ['notRunning', 'refusedUrl', 'error', 'notSignedIn'].includes(problem.kind);
  const refresh: Action = {
    icon: 'refresh',
    label: l10n.t('Refresh'),
    detail: l10n.t('Look for Pieces OS again and compare what it holds'),
    value: () => deps.refresh(),
  };
  const addKey: Action = { icon: 'add', label: l10n.t('Add Key…'), value: () => deps.actions.addKey() };
  if (!deps.hasKeys()) {
    return [
      addKey,
      {
        icon: 'symbol-variable',
        label: l10n.t('Import from Environment…'),
        value: () => deps.workbench.runCommand(Commands.importFromEnvironment),
      },
      ...(away ? [] : [refresh]),
      showLog(deps),
    ];
  }
  return [
    ...(away ? [] : [refresh]),
    addKey,
    { icon: 'list-tree', label: l10n.t('Show Keys'), value: () => deps.workbench.runCommand(`${Views.keys}.focus`) },
    showLog(deps),
  ];
}

function lookAgain(deps: StatusActionsDeps, icon: string, label: string, detail: string): Action {
  return { icon, label, detail, value: () => deps.refresh() };
}

function selectServiceUrl(deps: StatusActionsDeps, detail: string): Action {
  return { icon: 'plug', label: l10n.t('Select Service URL…'), detail, value: () => deps.workbench.runCommand(Commands.selectServiceUrl) };
}

function showLog(deps: StatusActionsDeps, detail?: string): Action {
  return { icon: 'output', label: l10n.t('Show Log'), ...(detail ? { detail } : {}), value: () => deps.showLog() };
}
