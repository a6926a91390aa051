// The core has no `vscode` import, yet its messages reach users. The VS Code layer installs
// `vscode.l10n.t` here at activation; tests and the stand-in keep the English default.

import { shared } from './shared';

export type Translator = (message: string, ...args: Array<string | number | boolean>) => string;

const formatEnglish: Translator = (message, ...args) =>
  message.replace(/\{(\d+)\}/g, (whole, index: string) => {
    const value = args[Number(index)];
    return value === undefined ? whole : String(value);
  });

/** One translator for every bundle of the extension (see shared.ts). */
const state = shared('l10n', () => ({ translator: formatEnglish }));

export function setTranslator(next: Translator | undefined): void {
  state.translator = next ?? formatEnglish;
}

/** Localizes `message`, replacing `{0}`, `{1}`, … with `args`. */
export function t(message: string, ...args: Array<string | number | boolean>): string {
  return state.translator(message, ...args);
}
