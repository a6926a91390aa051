// What the user waits for in the activated extension, in a fresh process with the stub `vscode` and a
// store of N keys on this disk (run by extension.ts; prints one JSON line):
//   extensionChild.js ready  JSON   require + activate() until the tree shows the N stored keys
//   extensionChild.js change JSON   after that: full renders of the tree, then changes (add, rotate, rename,
//                                   delete), each against the same change on a bare store of N keys
// A small loopback server plays Pieces OS (health, version, a signed-in user), so the extension is connected
// and quiet, as it is in use: nothing is polled and no key is chosen, so nothing is sent.
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { TestingApi } from '../src/extension';
import { CHANGES, type Change, type ChangeFigures, type ChangeResult, type ChildArgs, type ReadyResult, SECRETS_FILE } from './extension';
import { Meter, fakeKey } from './fakes';
import { LOOPBACK, listenFree } from './ports';
import { median, round } from './stats';
import { createStore, seed } from './storeAdapter';
import { TreeReader, type TreeProviderLike } from './treeReader';
import { extensionContext, installVscodeStub, stubSettings, treeProviders } from './vscodeStub';

const QUIET_MS = 150;
const QUIET_MAX_MS = 5000;

function finish(result: object): never {
  fs.writeSync(1, `${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** Pieces OS as far as the connection monitor asks: healthy, a version, a signed-in user holding no key. */
async function playPiecesOs(): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    const body =
      req.url === '/user'
        ? JSON.stringify({ user: { id: 'bench-user-0001', name: 'Bench User' } })
        : req.url === '/.well-known/version'
          ? '"9.9.9"'
          : 'ok';
    res.writeHead(200, { 'content-type': req.url === '/user' ? 'application/json' : 'text/plain' });
    res.end(body);
  });
  const port = await listenFree(server);
  server.unref();
  return `http://${LOOPBACK}:${port}`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const mode = process.argv[2];
  const args = JSON.parse(process.argv[3] ?? '{}') as ChildArgs;
  installVscodeStub();
  performance.now();
  stubSettings.serviceUrl = await playPiecesOs();
  const secrets = new Map(
    Object.entries(JSON.parse(fs.readFileSync(path.join(args.storage, SECRETS_FILE), 'utf8')) as Record<string, string>),
  );
  const context = extensionContext(args.storage, { secrets, mode: 3 });
  const load = createRequire(__filename);

  let reader: TreeReader | undefined;
  let shownAt = 0;
  let firstRenderMs = 0;
  const started = performance.now();
  const extension = load(path.resolve(args.bundle)) as { activate(context: unknown): { testing?: TestingApi } };
  const api = extension.activate(context).testing;
  if (!api) throw new Error('activate() returned no testing hooks');
  let openAt = 0;
  void api.ready.then(() => (openAt = performance.now()));
  const provider = treeProviders[0] as TreeProviderLike | undefined;
  if (!provider) throw new Error('the extension made no tree view');
  const shown = new Promise<void>((resolve) => {
    reader = new TreeReader(provider);
    const check = (): void => {
      if (shownAt === 0 && reader!.shownRows >= args.keys) {
        shownAt = performance.now();
        firstRenderMs = reader!.readMs;
        resolve();
      }
      reader!.reset();
    };
    reader.onRead = check;
    // VS Code asks for the rows of a visible view as soon as it is made.
    setTimeout(() => {
      reader!.readAll();
      check();
    }, 0);
  });
  await shown;
  reader!.onRead = undefined;
  await api.ready;
  const ready: ReadyResult = {
    ready_ms: round(shownAt - started, 3),
    open_ms: round(openAt - started, 3),
    first_render_ms: round(firstRenderMs, 3),
  };
  if (mode === 'ready') finish(ready);
  finish(await measureChanges(api, reader!, args));
}

/**
 * Waits until neither the tree nor the status bar has been drawn for QUIET_MS since `since` (the frame that
 * gathers a burst of changes, late masks, the engine's pass after a change).
 */
async function quiet(api: TestingApi, reader: TreeReader, lastDraw: () => number, since = performance.now()): Promise<void> {
  const started = performance.now();
  for (;;) {
    await sleep(20);
    await api.sync.whenIdle();
    const last = Math.max(since, reader.lastReadAt, lastDraw());
    if (performance.now() - last >= QUIET_MS || performance.now() - started > QUIET_MAX_MS) return;
  }
}

async function measureChanges(api: TestingApi, reader: TreeReader, args: ChildArgs): Promise<ChangeResult> {
  const rounds = args.rounds ?? 5;
  // The status bar's redraws, timed (the frame draws it after the tree).
  let statusMs = 0;
  let statusAt = 0;
  const status = api.statusBar as unknown as { update(): void };
  const update = status.update.bind(status);
  status.update = () => {
    const at = performance.now();
    update();
    statusAt = performance.now();
    statusMs += statusAt - at;
  };
  // The tree's part that comes before VS Code reads anything: finding what changed (treeRows.ts), timed too.
  let findMs = 0;
  const treeRows = (api.tree as unknown as { rows: { changes(): unknown } }).rows;
  const findChanges = treeRows.changes.bind(treeRows);
  treeRows.changes = () => {
    const at = performance.now();
    const found = findChanges();
    findMs += performance.now() - at;
    return found;
  };
  await quiet(api, reader, () => statusAt);

  const renders: number[] = [];
  for (let i = 0; i < (args.renders ?? 5); i++) {
    reader.reset();
    reader.readAll();
    renders.push(reader.readMs);
  }
  const rows = reader.shownRows;

  const alone = await createStore(new Meter());
  await seed(alone, args.keys);
  const extIds = api.store.list().map((record) => record.id);
  const aloneIds = alone.store.list().map((record) => record.id);
  let serial = args.keys + 1_000_000;
  type Samples = { ext: number[]; store: number[]; rows: number[]; built: number[]; tree: number[] };
  const times = Object.fromEntries(CHANGES.map((c) => [c, { ext: [], store: [], rows: [], built: [], tree: [] }])) as unknown as Record<
    Change,
    Samples
  >;
  for (let round = 0; round < rounds; round++) {
    const pick = (ids: string[]): string => ids[(round * 7919) % ids.length]!;
    let extAdded = '';
    let aloneAdded = '';
    const ext: Record<Change, () => Promise<unknown>> = {
      add: async () => (extAdded = (await api.store.add({ provider: 'openai', name: `added-${round}`, secret: fakeKey(serial++) })).id),
      rotate: () => api.store.rotate(pick(extIds), fakeKey(serial++)),
      rename: () => api.store.update(pick(extIds), { name: `renamed-${round}` }),
      delete: () => api.store.remove(extAdded),
    };
    const bare: Record<Change, () => Promise<unknown>> = {
      add: async () => (aloneAdded = (await alone.store.add({ provider: 'openai', name: `added-${round}`, secret: fakeKey(serial++) })).id),
      rotate: () => alone.store.rotate(pick(aloneIds), fakeKey(serial++)),
      rename: () => alone.store.update(pick(aloneIds), { name: `renamed-${round}` }),
      delete: () => alone.store.remove(aloneAdded),
    };
    for (const change of CHANGES) {
      // Interleaved: the extension's change, then the bare store's (the order swaps every round).
      for (const which of round % 2 === 0 ? (['ext', 'store'] as const) : (['store', 'ext'] as const)) {
        if (which === 'store') {
          const at = performance.now();
          await bare[change]();
          times[change].store.push(performance.now() - at);
          continue;
        }
        reader.reset();
        statusMs = 0;
        const at = performance.now();
        await ext[change]();
        const opMs = performance.now() - at;
        findMs = 0; // what ran during the call is in opMs already
        await quiet(api, reader, () => statusAt, at + opMs);
        times[change].ext.push(opMs + findMs + reader.readMs + statusMs);
        times[change].rows.push(reader.rowsRead);
        times[change].built.push(reader.rowsBuilt);
        times[change].tree.push(findMs + reader.readMs);
      }
    }
  }
  alone.dispose();
  const changes = {} as Record<Change, ChangeFigures>;
  for (const change of CHANGES) {
    const t = times[change];
    const extMs = median(t.ext);
    const storeMs = median(t.store);
    changes[change] = {
      ext_ms: round(extMs, 3),
      store_ms: round(storeMs, 3),
      ratio: round(extMs / storeMs, 2),
      rows_read: median(t.rows),
      rows_built: median(t.built),
      tree_ms: round(median(t.tree), 3),
    };
  }
  return { render_ms: round(median(renders), 3), rows, changes };
}

main().catch((error: unknown) => {
  process.stderr.write(`extension child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
