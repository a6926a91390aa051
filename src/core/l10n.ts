// Messages. Every message is written `l10n.t('…')`, with `import * as l10n from '@vscode/l10n'`: the form that
// @vscode/l10n-dev finds (`npm run l10n` exports them all to l10n/bundle.l10n.json, and `npm run lint` fails
// when one is missing there). @vscode/l10n needs no `vscode`, so the core and the flows use it as the VS Code
// layer does; in tests and the stand-in it formats the English text.
//
// It keeps the window's translations as module state, so the extension ships it once, as dist/l10n.js, which
// every bundle requires (esbuild.js): activation gives it the translations, and the bundles loaded later
// find them there.
import * as l10n from '@vscode/l10n';

/** At activation: the window's translations (`vscode.l10n.bundle`; undefined in English, where none are needed). */
export function setTranslations(contents: Record<string, string> | undefined): void {
  l10n.config({ contents: contents ?? {} });
}
