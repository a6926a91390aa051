// How a key is shown, everywhere (tree, drift row, pickers, messages): its known prefix, an ellipsis and
// at most its last 4 characters.
import { knownPrefixOf } from '../providers/catalogue';

/** Keys shorter than this show no characters at all, so that a mask never reveals most of a key. */
const MIN_LENGTH_TO_SHOW_TAIL = 16;

export function maskKey(key: string): string {
  const value = key.trim();
  const prefix = knownPrefixOf(value);
  if (value.length < MIN_LENGTH_TO_SHOW_TAIL) return `${prefix}…`;
  return `${prefix}…${value.slice(-4)}`;
}
