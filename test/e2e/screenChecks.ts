// Checks made at every screenshot of the end-to-end run: every tree row and the status bar item have
// an accessible label a screen reader can read out, and no more of a key than its mask is on screen.
import { UI } from './scenario';
import type { Workbench } from './workbench';

/** Text that holds more of a key than its last 4 characters (a mask shows no more). */
export function holdsKey(text: string, keys: readonly string[]): boolean {
  return keys.some((key) => {
    const secret = key.replace(/^sk-(proj|ant)-/, '');
    for (let i = 0; i + 5 <= secret.length; i++) if (text.includes(secret.slice(i, i + 5))) return true;
    return false;
  });
}

/** Every tree row and the status bar item must have an accessible label that a screen reader can read out. */
async function accessibilityProblems(wb: Workbench): Promise<string[]> {
  const problems: string[] = [];
  for (const row of await wb.treeRows(UI.tree)) {
    if (!row.label.trim()) problems.push(`a tree row without an accessible label: "${row.text}"`);
  }
  const item = wb.statusItem();
  const label = ((await item.getAttribute('aria-label')) ?? '').trim();
  const text = await wb.statusText();
  const icons = await item
    .locator('.codicon')
    .evaluateAll((nodes) =>
      nodes.flatMap((node) => [...node.classList].filter((c) => c.startsWith('codicon-')).map((c) => c.slice('codicon-'.length))),
    );
  if (!label) problems.push('the status bar item has no accessible label');
  else if (!label.includes(text)) problems.push(`the status bar item's label does not say what it shows ("${text}")`);
  // VS Code's default label reads out the icon's name and the tooltip's Markdown source.
  if (icons.some((icon) => label.startsWith(icon)) || /\$\(|\*\*|&nbsp;|`/.test(label)) {
    problems.push(`the status bar item's label reads out icon names or Markdown: "${label.slice(0, 100)}"`);
  }
  return problems;
}

/**
 * What every screenshot moment must satisfy: labels present, no more of a key on screen than a mask
 * shows, and none in what a screen reader or a hover reads out instead (accessible names, titles).
 */
export async function checkScreen(wb: Workbench, keys: readonly string[]): Promise<void> {
  const problems = await accessibilityProblems(wb);
  if (problems.length > 0) throw new Error(`accessibility: ${problems.join('; ')}`);
  if (holdsKey(await wb.page.locator('body').innerText(), keys)) throw new Error('more of a key than its last 4 characters is on screen');
  const spoken = await wb.page
    .locator('[aria-label], [title]')
    .evaluateAll((nodes) => nodes.map((node) => `${node.getAttribute('aria-label') ?? ''}\n${node.getAttribute('title') ?? ''}`));
  if (spoken.some((text) => holdsKey(text, keys))) {
    throw new Error('more of a key than its last 4 characters is in an accessible name or a title');
  }
}
