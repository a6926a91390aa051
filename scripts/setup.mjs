#!/usr/bin/env node
// `npm run setup`: installs what the VS Code tests and `npm start` need when no desktop VS Code is
// installed (node 24, code-server and Chromium; see ./lib/tools.mjs), before any timed test runs, so
// that a first run's downloads never count against a test's timeout; and keytar, when npm could not build it
// (ensureKeytar). Quick when all is present.
import { findDesktopVSCode } from './lib/vscode.mjs';
import { ensureKeytar, ensureTools } from './lib/tools.mjs';

const say = (message) => console.log(`[setup] ${message}`);
try {
  const forced = process.env.PROVIDER_KEYS_HOST;
  const desktop = forced === 'code-server' ? undefined : findDesktopVSCode();
  if (desktop) {
    say(`desktop VS Code from ${desktop.from}: nothing to install`);
  } else {
    const { node, entry } = ensureTools(say);
    say(`code-server ready (${entry}, node ${node})`);
  }
  if (ensureKeytar(say)) say('keytar built');
} catch (error) {
  console.error(`[setup] ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
