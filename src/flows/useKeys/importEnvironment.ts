// Import from Environment: the catalogue's variables in VS Code's own environment and, in a trusted
// workspace only, in the workspace folders' `.env` files. Nothing is written back; afterwards the
// user may open the `.env` file (only if they ask) to remove the plain-text copy.
import * as path from 'node:path';
import * as vscode from 'vscode';
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
import { t } from '../../core/l10n';
import type { FlowDeps } from './flowDeps';
import { candidateItems, pickAndImport } from './importCommon';

const DOTENV_GLOB = '**/{.env,.env.*}';
const DOTENV_EXCLUDE = '**/{node_modules,.git}/**';
const MAX_DOTENV_FILES = 50;

export async function runImportFromEnvironment(deps: FlowDeps): Promise<ImportResult[]> {
  const trusted = deps.knobs.trusted ?? vscode.workspace.isTrusted;
  const lists: Candidate[][] = [candidatesFromEnvironment(deps.knobs.environment ?? process.env)];
  const files = new Map<string, vscode.Uri>();
  if (trusted) {
    for (const { label, uri, candidates } of await readDotenvFiles(deps)) {
      files.set(label, uri);
      lists.push(candidates);
    }
  }
  const candidates = mergeCandidates(lists);
  const notRead = trusted ? '' : ` ${t('The workspace\'s .env files were not read because this workspace is not trusted.')}`;
  if (candidates.length === 0) {
    const where = trusted ? t('in VS Code\'s environment and the workspace\'s .env files') : t('in VS Code\'s environment');
    void deps.prompter().message('info', t('No provider keys found {0} (looked for {1}).', where, allVariables().join(', ')) + notRead);
    return [];
  }
  const items = await candidateItems(deps, candidates);
  const placeholder = t('Pick the keys to keep in VS Code\'s secret storage') + (trusted ? '' : ` (${t('.env files not read: this workspace is not trusted')})`);
  return pickAndImport(deps, t('Import from Environment'), placeholder, items, (results) => offerToOpen(results, files));
}

/** Reads every `.env` file of the workspace folders (bounded in number and size). */
async function readDotenvFiles(deps: FlowDeps): Promise<Array<{ label: string; uri: vscode.Uri; candidates: Candidate[] }>> {
  const uris = await vscode.workspace.findFiles(DOTENV_GLOB, DOTENV_EXCLUDE, MAX_DOTENV_FILES * 2);
  const found: Array<{ label: string; uri: vscode.Uri; candidates: Candidate[] }> = [];
  for (const uri of uris.filter((u) => isDotenvFileName(path.posix.basename(u.path))).slice(0, MAX_DOTENV_FILES)) {
    const label = vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.size > MAX_DOTENV_BYTES) {
        deps.log.warn(`Skipped ${label}: larger than ${MAX_DOTENV_BYTES / 1024} KB`);
        continue;
      }
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      found.push({ label, uri, candidates: candidatesFromDotenv(text, label) });
    } catch (error) {
      deps.log.warn(`Could not read ${label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return found;
}

/** After importing from `.env` files: say that the plain-text copy is still there, and offer to open it. */
function offerToOpen(results: readonly ImportResult[], files: ReadonlyMap<string, vscode.Uri>): { text: string; button?: string; onButton?: () => Thenable<unknown> } | undefined {
  const labels = new Set<string>();
  for (const result of results) {
    if (result.kind !== 'added') continue;
    for (const source of result.candidate.sources) if (source.kind === 'dotenv') labels.add(source.file);
  }
  const [first] = [...labels];
  const uri = first ? files.get(first) : undefined;
  if (!first || !uri) return undefined;
  const list = [...labels].join(', ');
  return {
    text: t('A plain-text copy stays in {0}; remove it there if you no longer need it.', list),
    button: t('Open {0}', first),
    onButton: () => vscode.window.showTextDocument(uri, { preview: false }),
  };
}
