// The faults of the table: how each is brought about for one key call, and how the service recovers.
// Every fault the stand-in injects names the key call's path, so that the client's identity check
// (`GET /user` before a key call) does not take the fault meant for the key call.
import * as assert from 'node:assert/strict';
import { KEY_PATHS } from '../../stand-in/faults';
import { CLIENT_TIMEOUT_MS, type Operation, type World } from './world';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A delay past the client's deadline; the stand-in still acts on the request when it ends. */
const SLOW_ANSWER_MS = CLIENT_TIMEOUT_MS + 400;

export interface FaultCase {
  readonly name: string;
  /** Brings the fault about, just before the operation's key call. */
  arm(world: World, operation: Operation): Promise<void> | void;
  /** Brings the service back (a one-shot fault needs nothing). */
  recover(world: World): Promise<void> | void;
}

const PATH: Record<Operation, string> = {
  create: KEY_PATHS[0],
  update: KEY_PATHS[1],
  delete: KEY_PATHS[2],
};

/** A single-use stand-in fault on the key call itself. */
function onKeyCall(
  name: string,
  fault: Parameters<World['standIn']['failNext']>[1],
  options: { retryAfter?: string | null } = {},
): FaultCase {
  return {
    name,
    arm: (world, operation) => world.standIn.failNext(1, fault, { ...options, paths: [PATH[operation]] }),
    recover: () => undefined,
  };
}

export const FAULTS: readonly FaultCase[] = [
  {
    name: 'connection refused',
    arm: (world) => world.standIn.stop(),
    recover: (world) => world.standIn.restart(),
  },
  onKeyCall('reset mid-body', 'dropMidBody'),
  {
    name: 'timeout',
    arm: (world, operation) => world.standIn.failNext(1, 'delay', { delayMs: SLOW_ANSWER_MS, paths: [PATH[operation]] }),
    // The slow answer still lands on the service's side after the client gave up: wait for it.
    recover: () => sleep(SLOW_ANSWER_MS),
  },
  onKeyCall('401', 'unauthorized'),
  onKeyCall('403', 'forbidden'),
  onKeyCall('404 (no such endpoint)', 'notFound'),
  onKeyCall('409', 'conflict'),
  onKeyCall('422', 'unprocessable'),
  onKeyCall('429 with Retry-After: 7', 'tooManyRequests', { retryAfter: '7' }),
  onKeyCall('500', 'serverError'),
  onKeyCall('503 without Retry-After', 'unavailable', { retryAfter: null }),
  onKeyCall('200 with garbage', 'invalidJson'),
  onKeyCall('200 with the wrong shape', 'wrongShape'),
  onKeyCall('oversized body (2 MiB)', 'huge'),
  {
    // Pieces OS quits; a minute later another web server answers on its port (health as Pieces OS,
    // `/user` 404); then the user acts. Recovery: Pieces OS has the port again. (Every key call asks
    // `GET /user` first: see SECURITY.md.)
    name: 'impostor after restart',
    arm: async (world) => {
      await world.standIn.stop();
      world.standIn.impostor = 'notFound';
      await world.standIn.restart();
      await world.clock.advance(60_000, () => world.engine.whenIdle());
    },
    recover: async (world) => {
      // Every POST so far went to Pieces OS (200); one answered by the impostor (404) would be a key sent to it.
      const posts = world.standIn.requests.filter((r) => r.method === 'POST');
      assert.deepEqual(
        posts.filter((r) => r.status !== 200),
        [],
        'a key call reached the impostor',
      );
      world.standIn.impostor = false;
      await world.standIn.restart();
    },
  },
  {
    name: 'not signed in',
    arm: (world) => {
      world.standIn.signedIn = false;
    },
    recover: (world) => {
      world.standIn.signedIn = true;
    },
  },
];
