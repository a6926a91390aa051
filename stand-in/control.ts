// The stand-in's HTTP control surface, for tests in another process (a browser test, say):
//   GET  /__stand-in/state       → { signedIn, userId, openAI (keys masked to the last 4 chars), pendingFaults, requests }
//   POST /__stand-in/fault       { count, fault, delayMs?, paths?, retryAfter?, status?, bytes? } → 204
//   POST /__stand-in/signed-in   { signedIn } → 204
//   POST /__stand-in/impostor    { impostor: false | "notFound" | "html" } → 204
//   POST /__stand-in/reset       → 204
// On the separate control port only (StandInOptions.controlPort), since the service port is closed
// while the stand-in is away:
//   POST /__stand-in/stop        → 204: the service port stops listening (connections are refused)
//   POST /__stand-in/start       → 204: it listens again, on the same port, keeping its state
// Bad input is 400 text/plain. These calls are never faulted and not recorded in `requests`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Fault, type FaultOptions, type ImpostorMode, IMPOSTOR_MODES, isFault } from './faults';
import { BodyTooLargeError, readBody, send, sendJson, sendText } from './http';

export interface ControlTarget {
  signedIn: boolean;
  impostor: ImpostorMode;
  failNext(count: number, fault: Fault, options?: FaultOptions): void;
  reset(): void;
  snapshot(): Record<string, unknown>;
  /** Closes the service port (present on the separate control port only). */
  goAway?(): Promise<void>;
  /** Listens on the service port again. */
  comeBack?(): Promise<void>;
}

export async function handleControl(
  target: ControlTarget,
  method: string,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const route = path.slice('/__stand-in/'.length);
  if (route === 'state') {
    if (method !== 'GET') return sendText(res, 405, 'Method Not Allowed', { allow: 'GET' });
    return sendJson(res, 200, target.snapshot());
  }
  if (route === 'stop' || route === 'start') {
    const act = route === 'stop' ? target.goAway : target.comeBack;
    if (!act) return sendText(res, 404, 'Not Found: use the control port to stop and start the service port');
    if (method !== 'POST') return sendText(res, 405, 'Method Not Allowed', { allow: 'POST' });
    try {
      await act.call(target);
    } catch (error) {
      return sendText(res, 409, error instanceof Error ? error.message : 'could not change the service port');
    }
    return send(res, 204, 'text/plain', '');
  }
  if (route !== 'fault' && route !== 'signed-in' && route !== 'impostor' && route !== 'reset') return sendText(res, 404, 'Not Found');
  if (method !== 'POST') return sendText(res, 405, 'Method Not Allowed', { allow: 'POST' });

  let body: Record<string, unknown> = {};
  try {
    const text = await readBody(req);
    if (text.trim() !== '') {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TypeError('not an object');
      body = parsed as Record<string, unknown>;
    }
  } catch (error) {
    return sendText(res, error instanceof BodyTooLargeError ? 413 : 400, 'The body must be a JSON object.');
  }

  if (route === 'reset') {
    target.reset();
  } else if (route === 'signed-in') {
    if (typeof body.signedIn !== 'boolean') return sendText(res, 400, '"signedIn" must be true or false.');
    target.signedIn = body.signedIn;
  } else if (route === 'impostor') {
    const mode = body.impostor;
    if (!(IMPOSTOR_MODES as readonly unknown[]).includes(mode)) {
      return sendText(res, 400, '"impostor" must be false, "notFound" or "html".');
    }
    target.impostor = mode as ImpostorMode;
  } else {
    const { count, fault, delayMs, paths, retryAfter, status, bytes } = body;
    if (typeof count !== 'number' || !isFault(fault)) {
      return sendText(res, 400, '"count" (a number) and "fault" (a known fault) are required.');
    }
    const options: FaultOptions = {};
    if (delayMs !== undefined) {
      if (typeof delayMs !== 'number') return sendText(res, 400, '"delayMs" must be a number.');
      options.delayMs = delayMs;
    }
    if (paths !== undefined) {
      if (!Array.isArray(paths) || paths.some((entry) => typeof entry !== 'string')) {
        return sendText(res, 400, '"paths" must be an array of strings.');
      }
      options.paths = paths as string[];
    }
    if (retryAfter !== undefined) {
      if (retryAfter !== null && typeof retryAfter !== 'string') return sendText(res, 400, '"retryAfter" must be a string or null.');
      options.retryAfter = retryAfter;
    }
    for (const [name, value] of [
      ['status', status],
      ['bytes', bytes],
    ] as const) {
      if (value === undefined) continue;
      if (typeof value !== 'number') return sendText(res, 400, `"${name}" must be a number.`);
      options[name] = value;
    }
    try {
      target.failNext(count, fault, options);
    } catch (error) {
      return sendText(res, 400, error instanceof Error ? error.message : 'Invalid fault.');
    }
  }
  send(res, 204, 'text/plain', '');
}
