// CLI for the stand-in:
//   node out/stand-in/main.js [--port N] [--host H] [--signed-out] [--user-id ID] [--service-version V]
//   npm run stand-in -- --port 39300
// Prints the URL, then one line per request (method, path, status; never a body). Stops on SIGINT/SIGTERM.
import { startStandIn, type StandInOptions } from './server';

const USAGE =
  'usage: node out/stand-in/main.js [--port N] [--host H] [--signed-out] [--user-id ID] [--service-version V]\n' +
  '  --port N             port to listen on (default 39300, the first port Pieces OS clients scan; 0 = any free port)\n' +
  '  --host H             address to listen on (default 127.0.0.1)\n' +
  '  --signed-out         start with nobody signed in (GET /user answers {})\n' +
  '  --user-id ID         the signed-in user id (default: a fixed fake id)\n' +
  '  --service-version V  what GET /.well-known/version answers (default stand-in-1.0.0)\n';

function parseArgs(argv: readonly string[]): StandInOptions {
  const options: StandInOptions = { port: 39300 };
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
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument: ${arg}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  let options: StandInOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`stand-in: ${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const time = (): string => new Date().toISOString().slice(11, 23);
  const standIn = await startStandIn({ ...options, log: (line) => process.stdout.write(`${time()} ${line}\n`) });
  process.stdout.write(
    `Pieces OS stand-in listening on ${standIn.url} (${standIn.signedIn ? `signed in as ${standIn.userId}` : 'signed out'})\n` +
      `control surface: ${standIn.url}/__stand-in/state\n`,
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`stand-in: ${signal}, stopping\n`);
    standIn.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const code = (error as { code?: unknown }).code;
  process.stderr.write(`stand-in: could not start (${typeof code === 'string' ? code : (error as Error).message})\n`);
  process.exit(1);
});
