// Every port the bench opens is on loopback and outside what a real Pieces OS (39300–39333, legacy
// 1000 and 5323) or a developer's `npm start` (8080) may use, so the bench neither disturbs them nor
// is disturbed by them.
import type { Server as HttpServer } from 'node:http';
import type { Server as NetServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

export function isReserved(port: number): boolean {
  return (port >= 39300 && port <= 39333) || port === 1000 || port === 5323 || port === 8080;
}

/** Listens on a free loopback port that is not reserved (the kernel may hand out 39300–39333). */
export async function listenFree(server: HttpServer | NetServer): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, LOOPBACK, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    if (port > 0 && !isReserved(port)) return port;
    await new Promise((resolve) => server.close(resolve));
  }
  throw new Error('no free loopback port outside the reserved ranges');
}

export function close(server: HttpServer | NetServer): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
