// Reading what a service answers without trusting it: the body is read as a stream up to a byte
// limit (the rest is cancelled unread), JSON is checked for size and nesting while it arrives, so
// that parsing it cannot hold the extension host for long, and `Retry-After` is parsed and capped.
import { BACKOFF_MAX_MS } from '../time';

/** The most of a JSON answer that is read; `GET /user` from Pieces OS is a few KB. */
export const MAX_ANSWER_BYTES = 1024 * 1024;
/** The most of any other answer (an error text, the version, health) that is read. */
export const MAX_TEXT_BYTES = 4096;
/**
 * JSON that JSON.parse can take within a few milliseconds whatever its shape (measured: see
 * test/unit/answer.test.ts): at most this many containers, members and elements, nested at most
 * MAX_JSON_DEPTH deep. A 1 MB array of empty objects takes about 50 ms to parse; this takes under 3.
 */
export const MAX_JSON_TOKENS = 10_000;
export const MAX_JSON_DEPTH = 64;

/** Up to this declared length, a body is read in one go rather than as a stream. */
const SMALL_BODY_BYTES = 64 * 1024;

export type BodyProblem = 'tooLarge' | 'tooComplex';

export interface BodyRead {
  text: string;
  /** Set when the body was cut (it was over `limit`, or broke a JSON limit); the rest was not read. */
  problem?: BodyProblem;
}

/**
 * Counts JSON structure byte by byte (strings skipped), across chunks. Multi-byte UTF-8 sequences
 * never contain an ASCII byte, so bytes are enough.
 */
export class JsonBudget {
  private depth = 0;
  private tokens = 0;
  private inString = false;
  private escaped = false;

  /** False as soon as the JSON goes over a limit. */
  feed(bytes: Uint8Array): boolean {
    let { depth, tokens, inString, escaped } = this;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] as number;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === 0x5c) escaped = true;
        else if (b === 0x22) inString = false;
        continue;
      }
      if (b === 0x22) {
        inString = true;
      } else if (b === 0x7b || b === 0x5b) {
        tokens++;
        if (++depth > MAX_JSON_DEPTH) return false;
      } else if (b === 0x7d || b === 0x5d) {
        depth--;
      } else if (b === 0x2c || b === 0x3a) {
        tokens++;
      }
    }
    this.depth = depth;
    this.tokens = tokens;
    this.inString = inString;
    this.escaped = escaped;
    return tokens <= MAX_JSON_TOKENS;
  }
}

/**
 * The body of `response` as text, reading at most `limit` bytes: whatever is beyond is cancelled
 * unread (the connection is closed), so memory stays bounded however much or however fast the
 * service sends. `json` also stops at the JSON limits. Aborting the request's signal ends the read.
 */
export async function readBody(response: Response, limit: number, json = false): Promise<BodyRead> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  const body = response.body;
  if (!body) return { text: '' };
  if (declared > limit) {
    await body.cancel().catch(() => undefined);
    return { text: '', problem: 'tooLarge' };
  }
  // A fetch body is a stream of bytes (Node's types leave the chunks untyped).
  // A small body whose length is declared is read in one go: HTTP framing ends it at that length, so it
  // is bounded without the stream loop (most answers of Pieces OS: a few hundred bytes to a few KB).
  if (Number.isFinite(declared) && declared <= SMALL_BODY_BYTES && declared <= limit) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength > limit) return { text: '', problem: 'tooLarge' };
    if (json && !new JsonBudget().feed(bytes)) return { text: '', problem: 'tooComplex' };
    return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') };
  }
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  const budget = json ? new JsonBudget() : undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  let problem: BodyProblem | undefined;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = limit - size;
    // However large one chunk is, only what fits is kept.
    const part = value.byteLength > room ? value.subarray(0, room) : value;
    if (budget && !budget.feed(part)) {
      problem = 'tooComplex';
    } else {
      chunks.push(part);
      size += part.byteLength;
      if (part === value) continue;
      problem = 'tooLarge';
    }
    await reader.cancel().catch(() => undefined);
    break;
  }
  if (problem === 'tooComplex') return { text: '', problem };
  const text = Buffer.concat(chunks, size).toString('utf8');
  return problem ? { text, problem } : { text };
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date, capped at the backoff maximum (a
 * service must not park the queue for a day); undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Math.min(BACKOFF_MAX_MS, Number(text) * 1000);
  // An HTTP date names a weekday and a time zone; a bare number with a sign or a decimal point is not one.
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(BACKOFF_MAX_MS, Math.max(0, at - now));
}
