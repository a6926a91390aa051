// Text that came from outside (the service, a paste) made safe to show: no control, bidi or
// invisible characters, one line, a bounded length. Shared by redaction, validation and the client.

// Control, format (bidi controls, zero-width characters, tags), line and paragraph separators,
// private-use and unassigned code points, lone surrogates, and letters that render as nothing
// (combining grapheme joiner, Hangul fillers, the braille blank).
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}\u034f\u115f\u1160\u3164\uffa0\u2800]/gu;
const INVISIBLE_ONE = new RegExp(INVISIBLE.source, 'u');

// Zero-width joiner and non-joiner are part of some scripts (Persian, Indic) and of emoji sequences:
// allowed between two letters, marks or pictographs, nowhere else.
const JOINED = /(?<=[\p{L}\p{M}\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}])[\u200c\u200d](?=[\p{L}\p{M}\p{Extended_Pictographic}])/gu;

/** Whether `text` holds a character that is invisible, reorders text, or controls a terminal. */
export function hasInvisible(text: string): boolean {
  return INVISIBLE_ONE.test(text.replace(JOINED, ''));
}

/** `text` without its invisible characters (joiners between letters stay). */
export function stripInvisible(text: string): string {
  if (!INVISIBLE_ONE.test(text)) return text;
  const keep = new Set<number>();
  for (const match of text.matchAll(JOINED)) keep.add(match.index ?? -1);
  return text.replace(INVISIBLE, (char: string, offset: number) => (keep.has(offset) ? char : ''));
}

/** Clips `text` to `max` code points (never inside a surrogate pair), ending with "…" when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  // A code point is one or two code units, so this holds max + 1 code points whenever the text has them.
  const window = text.slice(0, max * 2 + 2);
  const points = Array.from(window);
  if (points.length <= max && window.length === text.length) return text;
  return `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

export const MAX_SHOWN_NAME_LENGTH = 64;

/**
 * Text from outside on one line, without invisible or bidi characters, at most `max` characters.
 * Not redacted: see `cleanServiceName` in keys/redact.ts for names from the service.
 */
export function cleanServiceText(text: unknown, max = MAX_SHOWN_NAME_LENGTH): string {
  if (typeof text !== 'string') return '';
  // Clip first (generously), so that the cost does not depend on what the service sent.
  const head = text.length > max * 4 + 64 ? text.slice(0, max * 4 + 64) : text;
  return clip(stripInvisible(head.replace(/\s+/g, ' ')).replace(/ {2,}/g, ' ').trim(), max);
}
