// Reading what a service answers without trusting it: the body is read as a stream up to a byte
// limit (the rest is not read, and the connection is closed), JSON is checked for size and nesting while it arrives, so
// that parsing it cannot hold the extension host for long, and `Retry-After` is parsed and capped.
import type { Readable } from 'node:stream';
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
 * An answer's body (`stream`, whose declared length is `declared`, NaN when none) as text, reading at
 * most `limit` bytes: whatever is beyond is not read, and the stream is destroyed (which closes the
 * connection), so memory stays bounded however much or however fast the service sends. `json` also
 * stops at the JSON limits. Rejects when the stream fails or ends early (the connection was cut).
 */
export function readAnswer(stream: Readable, declared: number, limit: number, json: boolean): Promise<BodyRead> {
  if (declared > limit) {
    stream.destroy();
    return Promise.resolve({ text: '', problem: 'tooLarge' });
  }
  return new Promise<BodyRead>((resolve, reject) => {
    const budget = json ? new JsonBudget() : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (read: BodyRead | Error, destroy: boolean): void => {
      if (done) return;
      done = true;
      if (destroy) stream.destroy();
      if (read instanceof Error) reject(read);
      else resolve(read);
    };
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      // However large one chunk is, only what fits is kept.
      const part = chunk.length > limit - size ? chunk.subarray(0, limit - size) : chunk;
      if (budget && !budget.feed(part)) return finish({ text: '', problem: 'tooComplex' }, true);
      chunks.push(part);
      size += part.length;
      if (part !== chunk) finish({ text: Buffer.concat(chunks, size).toString('utf8'), problem: 'tooLarge' }, true);
    });
    stream.on('end', () =>
      finish({ text: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8') }, false),
    );
    stream.on('error', (error) => finish(error, false));
    stream.on('close', () => finish(Object.assign(new Error('the answer ended early'), { code: 'ECONNRESET' }), false));
  });
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
