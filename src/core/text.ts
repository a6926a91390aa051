// Text that comes from outside (the service, a file) on its way to the UI or the log: one line,
// without control, bidi or invisible characters, clipped.

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

export function cleanDisplayText(text: string, max = 64): string {
  const cleaned = text.replace(UNSAFE, '').replace(/\s+/g, ' ').trim();
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}
