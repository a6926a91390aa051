// The local server all contenders call, in its own process so that serving does not share the
// clients' event loop. Canned, contract-shaped answers (no validation, no state) keep the server's
// share of each call small and equal, so the differences between clients show. Prints its URL,
// then serves until its parent kills it. It counts `GET /user` and key calls; `COUNTS_PATH` answers
// the counts since it was last asked (so the bench can say how many identity checks a key call costs).
import * as http from 'node:http';
import { COUNTS_PATH } from './calls';
import { LOOPBACK, listenFree } from './ports';

let users = 0;
let keyCalls = 0;

const GLOBAL_ID = '0b6f3c52-8d2e-4f7a-9c1b-5e4d3a2b1c0f';
const KEY_BODY = JSON.stringify({ metadata: { global_id: GLOBAL_ID, open_AI: { api_key_name: 'bench key' } } });
const USER_BODY = JSON.stringify({
  user: {
    id: 'bench-user-0001',
    email: 'bench@example.com',
    name: 'Bench User',
    aesthetics: { theme: { dark: true }, font: { size: 12 } },
    auth0: { global_id: GLOBAL_ID, open_AI: { api_key_name: 'bench key' } },
  },
});

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method === 'POST' && req.url?.startsWith('/external_provider/api_key/')) {
      keyCalls++;
      return send(res, 200, 'application/json', KEY_BODY);
    }
    if (req.method === 'GET' && req.url === '/user') {
      users++;
      return send(res, 200, 'application/json', USER_BODY);
    }
    if (req.url === COUNTS_PATH) {
      const counts = JSON.stringify({ user: users, key: keyCalls });
      users = keyCalls = 0;
      return send(res, 200, 'application/json', counts);
    }
    if (req.method === 'GET' && req.url === '/.well-known/health') return send(res, 200, 'text/plain', 'ok');
    send(res, 404, 'text/plain', 'not found');
  });
});

void listenFree(server).then((port) => {
  process.stdout.write(`${JSON.stringify({ url: `http://${LOOPBACK}:${port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
