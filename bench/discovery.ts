// Discovery, measured with stand-in ports that play the roles of Pieces OS's: a group of 34 free
// loopback ports for 39300–39333 (the last one plays 39333) and two for the legacy 1000 and 5323.
// Discovery takes its ports as a parameter, so the code measured is the code that runs; the real
// ports are never touched, so a developer's Pieces OS neither answers the bench nor sees it.
import * as http from 'node:http';
import * as net from 'node:net';
import { discoverService } from '../src/core/pieces/discovery';
import { close, listenFree, LOOPBACK } from './ports';
import { median, round } from './stats';

export interface DiscoveryResult {
  /** The service on the last port of the current range (39333's role); nothing else listens. */
  discovery_found_ms: number;
  /** Nothing listens anywhere: every probe is refused. */
  discovery_none_ms: number;
  /** The first current port (39300's role) accepts and never answers; the service is on a legacy port. */
  discovery_hung_ms: number;
  /** As above, but the service is on the last current port (same group as the hung one). */
  discovery_hung_same_group_ms: number;
  runs: number;
  /** Runs that did not find the service that listened (or found one where none did). */
  misses: string[];
}

/** `count` distinct free, unreserved loopback ports, closed again (they refuse until reused). */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => net.createServer());
  const ports: number[] = [];
  for (const server of servers) ports.push(await listenFree(server));
  await Promise.all(servers.map(close));
  return ports;
}

function healthServer(): http.Server {
  return http.createServer((req, res) => {
    req.resume();
    res.writeHead(req.url === '/.well-known/health' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end('ok');
  });
}

/** Listens on exactly `port` (one of ours, freed a moment ago). */
function listenOn(server: http.Server | net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => resolve());
  });
}

/** Median time of `runs` discoveries, and how many of them did not find what listens (`expected`). */
async function timeDiscovery(
  groups: number[][],
  expected: string | undefined,
  runs: number,
  misses: string[],
  label: string,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const found = await discoverService({ host: LOOPBACK, portGroups: groups });
    times.push(performance.now() - started);
    // On a loaded machine a probe can outlast its timeout: that is a finding, not a broken bench.
    if (found !== expected) misses.push(`${label}: found ${found ?? 'nothing'}`);
  }
  return round(median(times), 3);
}

export async function measureDiscovery(runs: number): Promise<DiscoveryResult> {
  const ports = await freePorts(36);
  const current = ports.slice(0, 34);
  const legacy = ports.slice(34);
  const groups = [current, legacy];
  const url = (port: number): string => `http://${LOOPBACK}:${port}`;
  const misses: string[] = [];

  const none = await timeDiscovery(groups, undefined, runs, misses, 'none');

  const service = healthServer();
  await listenOn(service, current[33]!);
  const found = await timeDiscovery(groups, url(current[33]!), runs, misses, 'found');

  // A port that accepts connections and never answers, as a stuck process would.
  const sockets = new Set<net.Socket>();
  const hung = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await listenOn(hung, current[0]!);
  const hungSameGroup = await timeDiscovery(groups, url(current[33]!), runs, misses, 'hung, same range');
  await close(service);

  const legacyService = healthServer();
  await listenOn(legacyService, legacy[1]!);
  const hungLegacy = await timeDiscovery(groups, url(legacy[1]!), runs, misses, 'hung');

  await close(legacyService);
  for (const socket of sockets) socket.destroy();
  await close(hung);
  return {
    discovery_found_ms: found,
    discovery_none_ms: none,
    discovery_hung_ms: hungLegacy,
    discovery_hung_same_group_ms: hungSameGroup,
    runs,
    misses,
  };
}
