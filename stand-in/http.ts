// Small node:http helpers for the stand-in. Nothing here logs or echoes a body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorObject } from 'ajv';
import { describeErrors } from './validator';

export const MAX_BODY_BYTES = 64 * 1024;

export class BodyTooLargeError extends Error {}

/** The whole request body as text; rejects with BodyTooLargeError past MAX_BODY_BYTES. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError('body too large'));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(bytes.length), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}

export function sendText(res: ServerResponse, status: number, text: string, headers?: Record<string, string>): void {
  send(res, status, 'text/plain; charset=utf-8', text, headers);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body));
}

/** An RFC 9457-style problem, as Prism sends for request violations. `errors` are Ajv's (no values). */
export function sendProblem(res: ServerResponse, status: number, title: string, detail: string, errors: readonly ErrorObject[] = []): void {
  const body = {
    type: 'https://stand-in.invalid/problems/' + (status === 415 ? 'unsupported-media-type' : 'invalid-request'),
    title,
    status,
    detail: errors.length ? `${detail}: ${describeErrors(errors)}` : detail,
    validation: errors.map((error) => ({
      location: ['body', ...error.instancePath.split('/').filter(Boolean)],
      keyword: error.keyword,
      message: error.message ?? error.keyword,
      params: error.params,
    })),
  };
  send(res, status, 'application/problem+json', JSON.stringify(body));
}

/** Destroys the connection without an answer. */
export function drop(res: ServerResponse): void {
  res.socket?.destroy();
  res.destroy();
}

/** Sends headers (200, full content-length) and half of `body`, then destroys the connection. */
export function dropMidBody(res: ServerResponse, body: string): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) });
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => drop(res));
}
