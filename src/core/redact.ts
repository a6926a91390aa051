// The one place that decides what a secret looks like in text. Every log line and every error
// message built from something the service said passes through `redact`.

/** Tokens that look like provider keys: a known prefix, or a long run of key characters. */
const KEY_LIKE = /\b(?:sk|pk|rk|gsk|xai|key|AIza)[-_A-Za-z0-9]{12,}|[A-Za-z0-9_-]{32,}/g;

const REDACTED = '[redacted]';

/**
 * Removes every known secret and anything that looks like an API key from `text`.
 * `secrets` are exact values (the key just sent, for instance); empty values are ignored.
 */
export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out.replace(KEY_LIKE, REDACTED);
}

/** A short, single-line, redacted excerpt of a response body, safe for messages and logs. */
export function excerpt(body: string, secrets: Iterable<string | undefined> = [], max = 160): string {
  const oneLine = redact(body, secrets).replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
