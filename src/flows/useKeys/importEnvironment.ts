// Import from Environment: the catalogue's variables in VS Code's own environment and, in a trusted
// workspace only, in the workspace folders' `.env` files. Nothing is written back; afterwards the
// user may open the `.env` file (only if they ask) to remove the plain-text copy.
import {
  type Candidate,
  MAX_DOTENV_BYTES,
  allVariables,
  candidatesFromDotenv,
  candidatesFromEnvironment,
  isDotenvFileName,
  mergeCandidates,
} from '../../core/import/environment';
import type { ImportResult } from '../../core/import/importKeys';
import * as l10n from '@vscode/l10n';
import type { Workbench, WorkspaceFile } from '../workbench';
import type { FlowDeps } from './flowDeps';
import { candidateItems, pickAndImport } from './importCommon';

const DOTENV_GLOB = '**/{.env,.env.*}';
const DOTENV_EXCLUDE = '**/{node_modules,.git}/**';
const MAX_DOTENV_FILES = 50;

export async function runImportFromEnvironment(deps: FlowDeps): Promise<ImportResult[]> {
  const workbench = deps.workbench();
  const trusted = workbench.isTrusted();
  const lists: Candidate[][] = [candidatesFromEnvironment(deps.knobs.environment ?? process.env)];
  const files = new Map<string, WorkspaceFile>();
  if (trusted) {
    for (const { file, candidates } of await readDotenvFiles(deps)) {
      files.set(file.label, file);
      lists.push(candidates);
    }
  }
  const candidates = mergeCandidates(lists);
  const notRead = trusted ? '' : ` ${l10n.t("The workspace's .env files were not read because this workspace is not trusted.")}`;
  if (candidates.length === 0) {
    const where = trusted ? l10n.t("in VS Code's environment and the workspace's .env files") : l10n.t("in VS Code's environment");
    void workbench.message('info', l10n.t('No provider keys found {0} (looked for {1}).', where, allVariables().join(', ')) + notRead);
    return [];
  }
  const found = await candidateItems(deps, candidates);
  const placeholder =
    l10n.t("Pick the keys to keep in VS Code's secret storage") +
    (trusted ? '' : ` (${l10n.t('.env files not read: this workspace is not trusted')})`);
  return pickAndImport(deps, l10n.t('Import from Environment'), placeholder, found, (results) => offerToOpen(workbench, results, files));
}

/** Reads every `.env` file of the workspace folders (bounded in number and size). */
async function readDotenvFiles(deps: FlowDeps): Promise<Array<{ file: WorkspaceFile; candidates: Candidate[] }>> {
  const workbench = deps.workbench();
  const files = await workbench.findFiles(DOTENV_GLOB, DOTENV_EXCLUDE, MAX_DOTENV_FILES * 2);
  const found: Array<{ file: WorkspaceFile; candidates: Candidate[] }> = [];
  for (const file of files.filter((f) => isDotenvFileName(f.name)).slice(0, MAX_DOTENV_FILES)) {
    const label = file.label;
    try {
      if ((await workbench.fileSize(file)) > MAX_DOTENV_BYTES) {
        deps.log.warn(`Skipped ${label}: larger than ${MAX_DOTENV_BYTES / 1024} KB`);
        continue;
      }
      const text = new TextDecoder().decode(await workbench.readFile(file));
      found.push({ file, candidates: candidatesFromDotenv(text, label) });
    } catch (error) {
      deps.log.warn(`Could not read ${label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return found;
}

/** After importing from `.env` files: say that the plain-text copy is still there, and offer to open it. */
function offerToOpen(
  workbench: Workbench,
  results: readonly ImportResult[],
  files: ReadonlyMap<string, WorkspaceFile>,
): { text: string; button?: string; onButton?: () => PromiseLike<unknown> } | undefined {
  const labels = new Set<string>();
  for (const result of results) {
    if (result.kind !== 'added') continue;
    for (const source of result.candidate.sources) if (source.kind === 'dotenv') labels.add(source.file);
  }
  const [first] = [...labels];
  const file = first ? files.get(first) : undefined;
  if (!first || !file) return undefined;
  const list = [...labels].join(', ');
  return {
    text: l10n.t('A plain-text copy stays in {0}; remove it there if you no longer need it.', list),
    button: l10n.t('Open {0}', first),
    onButton: () => workbench.showFile(file),
  };
}
