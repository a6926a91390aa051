// One measurement of activation, in a fresh process (run by activation.ts):
//   activateChild.js ext BUNDLE       require the bundle and call activate() with the stub `vscode`
//   activateChild.js baseline B1,B2   require only these Node built-ins (what the bundle loads)
//   activateChild.js inspect BUNDLE   as `ext`, and report which built-ins the bundle requires
// Prints one JSON line and exits at once: the extension's first look for Pieces OS is a timer that
// must never run here (it would probe the real ports 39300–39333).
import * as fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as path from 'node:path';
import { extensionContext, installVscodeStub } from './vscodeStub';

function finish(result: object): never {
  fs.writeSync(1, `${JSON.stringify(result)}\n`);
  process.exit(0);
}

const [mode, target = ''] = process.argv.slice(2);
installVscodeStub();
// The first read of the `performance` global loads Node's perf modules: do it outside the timed part.
performance.now();
/** Node's list of the internal modules it has loaded (not in its typings). */
const moduleLoadList = (): string[] => (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
const loadedAtStart = new Set(moduleLoadList());
const newlyLoaded = (): string[] => moduleLoadList().filter((name) => !loadedAtStart.has(name));
const load = createRequire(__filename);

if (mode === 'baseline') {
  const builtins = target ? target.split(',') : [];
  const started = performance.now();
  for (const name of builtins) load(name);
  finish({ total_ms: performance.now() - started, internal_modules: newlyLoaded().length });
}

const requested: string[] = [];
if (mode === 'inspect') {
  const original = Module.prototype.require;
  Module.prototype.require = function (this: Module, id: string) {
    if (Module.isBuiltin(id) && !requested.includes(id)) requested.push(id);
    return original.call(this, id) as unknown;
  } as typeof original;
}

async function measureExtension(): Promise<void> {
  const storage = fs.mkdtempSync(path.join(process.env['TMPDIR'] ?? '/tmp', 'provider-keys-bench-'));
  const context = extensionContext(storage);
  const started = performance.now();
  const extension = load(path.resolve(target)) as { activate(context: unknown): unknown };
  const required = performance.now();
  const returned = extension.activate(context);
  // VS Code waits for an activate() that returns a promise; so does the bench (the stub's service URL
  // setting keeps any request that runs meanwhile away from the real ports).
  if (returned instanceof Promise) await returned;
  const activated = performance.now();
  const internalModules = newlyLoaded();
  fs.rmSync(storage, { recursive: true, force: true });
  finish({
    require_ms: required - started,
    activate_ms: activated - required,
    total_ms: activated - started,
    builtins: requested,
    internal_modules: internalModules,
  });
}

void measureExtension();
