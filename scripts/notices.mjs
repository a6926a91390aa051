#!/usr/bin/env node
// ThirdPartyNotices.txt: the licenses of the third-party code every VSIX ships. Which code that is comes from
// the production bundles themselves (esbuild's metafile: every input under node_modules), plus what the
// platform VSIX adds as a native module (keytar.node, compiled from keytar and node-addon-api's headers).
// `npm run notices` writes the file; test/package/vsix.test.ts fails when the committed file is not what this
// writes, or when a package ships that is not on ALLOWED (adding one is a decision: its license, its size).
//
//   node scripts/notices.mjs           writes ThirdPartyNotices.txt
//   node scripts/notices.mjs --check   exits 1 when the file is out of date
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const NOTICES = path.join(ROOT, 'ThirdPartyNotices.txt');

/** The third-party packages a VSIX may ship, and why. */
export const ALLOWED = {
  '@vscode/l10n': 'formats and translates the messages (bundled into each dist/*.js)',
  dotenv: 'parses .env files for Import from Environment (bundled into dist/use-keys.js)',
  keytar: 'reads the OS keychain for Import from OS Keychain (dist/keytar.node, platform VSIX only)',
  'node-addon-api': 'C++ headers compiled into keytar.node (platform VSIX only)',
};

/** Packages in the platform VSIX's native module, which no bundle's metafile shows. */
const NATIVE = ['keytar', 'node-addon-api'];

/** The package a node_modules path belongs to (`node_modules/@scope/name/...` → `@scope/name`). */
function packageOf(input) {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input.replaceAll('\\', '/'));
  return match?.[1];
}

/** Every third-party package the production bundles include, from esbuild's metafile (nothing is written). */
export async function bundledPackages() {
  const esbuild = require('esbuild');
  const { extensionOptions, laterOptions } = require(path.join(ROOT, 'esbuild.js'));
  const found = new Set();
  for (const options of [extensionOptions(true), laterOptions(true)]) {
    const result = await esbuild.build({ ...options, absWorkingDir: ROOT, write: false, metafile: true, logLevel: 'silent' });
    for (const input of Object.keys(result.metafile.inputs)) {
      const name = packageOf(input);
      if (name) found.add(name);
    }
  }
  return [...found].sort();
}

/** Everything any VSIX ships: the bundles' packages and the native module's. */
export async function shippedPackages() {
  return [...new Set([...(await bundledPackages()), ...NATIVE])].sort();
}

// The MIT license's text, for a package that declares it but ships no LICENSE file (@vscode/l10n): the
// license asks for the copyright notice and this text to go with the code.
const MIT = `MIT License

Copyright (c) {holder}

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
documentation files (the "Software"), to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and
to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of
the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO
THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
IN THE SOFTWARE.`;

function licenseText(name, manifest) {
  const dir = path.join(ROOT, 'node_modules', name);
  const file = fs.readdirSync(dir).find((entry) => /^licen[cs]e(\.(md|txt))?$/i.test(entry));
  if (file) return fs.readFileSync(path.join(dir, file), 'utf8').replace(/\r\n/g, '\n').trim();
  const author = typeof manifest.author === 'string' ? manifest.author : manifest.author?.name;
  if (manifest.license === 'MIT' && author) return MIT.replace('{holder}', author);
  throw new Error(`${name} has no LICENSE file in node_modules, and its license text cannot be written for it`);
}

/** The text of ThirdPartyNotices.txt for `packages`. */
export function noticesText(packages) {
  const parts = [
    'Provider Keys for Pieces OS includes the following third-party software. Each is distributed under the',
    'license below; the rest of the extension is under the license in LICENSE.',
    '',
  ];
  for (const name of packages) {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
    const repository = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
    parts.push(
      '-'.repeat(100),
      `${name} ${manifest.version} (${manifest.license})${repository ? ` - ${repository.replace(/^git\+/, '').replace(/^git:/, 'https:')}` : ''}`,
      `Used for: ${ALLOWED[name] ?? 'NOT ON THE ALLOW LIST'}`,
      '-'.repeat(100),
      '',
      licenseText(name, manifest),
      '',
    );
  }
  return `${parts.join('\n').trimEnd()}\n`;
}

async function main() {
  const text = noticesText(await shippedPackages());
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(NOTICES) ? fs.readFileSync(NOTICES, 'utf8') : '';
    if (current !== text) {
      console.error('ThirdPartyNotices.txt is out of date: run `npm run notices`');
      process.exit(1);
    }
    return;
  }
  fs.writeFileSync(NOTICES, text);
  console.log(`wrote ${path.relative(ROOT, NOTICES)}`);
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
