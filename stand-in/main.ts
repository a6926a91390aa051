// CLI for the stand-in (`npm run stand-in -- …`, bundled alone by `node esbuild.js --stand-in`):
//   npm run stand-in -- [--port N] [--host H] [--signed-out] [--user-id ID] [--service-version V] [--impostor MODE]
//   npm run stand-in -- --stop | --start | --status      (another terminal: the running stand-in)
// Prints the URL and its control URL, then one line per request (method, path, status; never a
// body). Stops on SIGINT/SIGTERM. A running stand-in (this one, or the one `npm start` runs) writes
// its addresses to .cache/stand-in.json, where --stop, --start and --status find it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startStandIn, type StandInOptions } from './server';

export { startStandIn } from './server';

const USAGE =
  'usage: npm run stand-in -- [--port N] [--host H] [--signed-out] [--user-id ID] [--service-version V] [--impostor MODE]\n' +
  '       npm run stand-in -- --stop | --start | --status [--control URL]\n' +
  '  --port N             port to listen on (default 39300, the first port Pieces OS clients scan; 0 = any free port)\n' +
  '  --host H             address to listen on (default 127.0.0.1)\n' +
  '  --signed-out         start with nobody signed in (GET /user answers {})\n' +
  '  --user-id ID         the signed-in user id (default: a fixed fake id)\n' +
  '  --service-version V  what GET /.well-known/version answers (default stand-in-1.0.0)\n' +
  '  --impostor MODE      answer health as Pieces OS does but not /user: notFound (404) or html (a 200 web page)\n' +
  '  --stop               take the running stand-in away: its port refuses connections, as when Pieces OS quits\n' +
  '  --start              bring it back on the same port, with the keys it held\n' +
  '  --status             print what it holds (keys masked) and whether it is up\n' +
  '  --control URL        the control URL to use (default: from .cache/stand-in.json)\n';

/** The repository root: the nearest folder above this file with a package.json. */
function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** Where a running stand-in writes `{ url, control, pid }`. */
export const STATE_FILE = path.join(repositoryRoot(), '.cache', 'stand-in.json');

type Remote = { action: 'stop' | 'start' | 'status'; control?: string };

function parseArgs(argv: readonly string[]): StandInOptions | Remote {
  const options: StandInOptions = { port: 39300, controlPort: 0 };
  let remote: Remote | undefined;
  let control: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '--port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0–65535');
        options.port = port;
        break;
      }
      case '--host':
        options.host = value();
        break;
      case '--signed-out':
        options.signedIn = false;
        break;
      case '--user-id':
        options.userId = value();
        break;
      case '--service-version':
        options.version = value();
        break;
      case '--impostor': {
        const mode = value();
        if (mode !== 'notFound' && mode !== 'html') throw new Error('--impostor must be notFound or html');
        options.impostor = mode;
        break;
      }
      case '--stop':
      case '--start':
      case '--status':
        remote = { action: arg.slice(2) as Remote['action'] };
        break;
      case '--control':
        control = value();
        break;
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument: ${arg}`);
    }
  }
  if (remote) return control ? { ...remote, control } : remote;
  return options;
}

/** --stop, --start, --status: ask the running stand-in's control port. */
async function remoteControl({ action, control }: Remote): Promise<number> {
  let url = control;
  if (!url) {
    try {
      url = (JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as { control?: string }).control;
    } catch {
      url = undefined;
    }
  }
  if (!url) {
    process.stderr.write(
      `stand-in: no running stand-in found (${path.relative(process.cwd(), STATE_FILE)} is missing); start one with \`npm start\` or \`npm run stand-in\`\n`,
    );
    return 1;
  }
  try {
    if (action === 'status') {
      const response = await fetch(`${url}/__stand-in/state`);
      process.stdout.write(`${JSON.stringify(await response.json(), null, 2)}\n`);
      return response.ok ? 0 : 1;
    }
    const response = await fetch(`${url}/__stand-in/${action}`, { method: 'POST' });
    if (response.status !== 204) {
      process.stderr.write(`stand-in: ${action} failed (${response.status}): ${await response.text()}\n`);
      return 1;
    }
    const state = (await (await fetch(`${url}/__stand-in/state`)).json()) as { url?: string };
    process.stdout.write(
      action === 'stop'
        ? `stand-in: stopped; ${state.url ?? 'its port'} now refuses connections, as when Pieces OS quits. \`npm run stand-in -- --start\` brings it back.\n`
        : `stand-in: listening again on ${state.url ?? 'its port'}, with the keys it held.\n`,
    );
    return 0;
  } catch {
    process.stderr.write(`stand-in: nothing answers at ${url}; the stand-in is not running\n`);
    return 1;
  }
}

async function main(): Promise<void> {
  let parsed: StandInOptions | Remote;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`stand-in: ${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if ('action' in parsed) process.exit(await remoteControl(parsed));
  const options = parsed;
  const time = (): string => new Date().toISOString().slice(11, 23);
  const standIn = await startStandIn({ ...options, log: (line) => process.stdout.write(`${time()} ${line}\n`) });
  writeStateFile(standIn.url, standIn.controlUrl);
  process.stdout.write(
    `Pieces OS stand-in listening on ${standIn.url} (${standIn.signedIn ? `signed in as ${standIn.userId}` : 'signed out'})\n` +
      `control: ${standIn.controlUrl}/__stand-in/state  (from another terminal: npm run stand-in -- --stop | --start | --status)\n`,
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`stand-in: ${signal}, stopping\n`);
    removeStateFile();
    standIn.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Records where this stand-in listens, for --stop/--start/--status in another terminal. */
export function writeStateFile(url: string, control: string | undefined): void {
  try {
    fs.mkdirSync(path.dirname(STATE_FILE), { recursive: true });
    fs.writeFileSync(STATE_FILE, `${JSON.stringify({ url, control, pid: process.pid })}\n`);
  } catch {
    // a read-only checkout: --stop and --start then need --control
  }
}

/** Removes the state file if this process wrote it. */
export function removeStateFile(): void {
  try {
    if ((JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as { pid?: number }).pid === process.pid) fs.rmSync(STATE_FILE);
  } catch {
    // gone already
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    process.stderr.write(`stand-in: could not start (${typeof code === 'string' ? code : (error as Error).message})\n`);
    process.exit(1);
  });
}
