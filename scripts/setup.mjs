#!/usr/bin/env node
// `npm run setup`, the first step of `npm test`: installs what the tests need before any test runs, so
// that a first run's installs never count against a test's timeout, and a machine that lacks something
// stops here with one message that says what to do:
//   1. the operating-system packages (the one list in ./lib/system.mjs), with apt-get as root or through
//      sudo; without either, the exact `apt-get install` line and exit 1;
//   2. keytar, when `npm ci` could not build it (before libsecret-1-dev was there, or without GitHub and
//      nodejs.org): built again here, so no second `npm ci` is needed (ensureKeytar);
//   3. node 24 and code-server (the newest, and 4.90.3 for VS Code 1.90), when no desktop VS Code is
//      installed (./lib/tools.mjs).
// Quick when all is present.
import { findDesktopVSCode } from './lib/vscode.mjs';
import { ensureFloorCodeServer, ensureKeytar, ensureTools } from './lib/tools.mjs';
import { ensureSystemPackages } from './lib/system.mjs';

const say = (message) => console.log(`[setup] ${message}`);
try {
  const installed = ensureSystemPackages('test', say);
  say(installed.length > 0 ? `installed ${installed.join(', ')}` : 'operating-system packages: all present');
  if (ensureKeytar(say)) say('keytar ready');
  else throw new Error('keytar could not be built; the keychain tests need it (see the lines above)');
  const forced = process.env.PROVIDER_KEYS_HOST;
  const desktop = forced === 'code-server' ? undefined : findDesktopVSCode();
  if (desktop) {
    say(`desktop VS Code from ${desktop.from}: nothing to install`);
  } else {
    const { node, entry } = ensureTools(say);
    say(`code-server ready (${entry}, node ${node})`);
    const floor = ensureFloorCodeServer(say);
    say(`code-server ${floor.codeServer} ready (VS Code ${floor.vscode}, the oldest we support)`);
  }
} catch (error) {
  console.error(`[setup] ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
