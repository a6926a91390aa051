#!/usr/bin/env node
// `npm run compile-tests`: compiles the tests (and the sources and stand-in they import) to out/ with tsc,
// into clean out/test, out/src and out/stand-in, so that a moved or deleted file leaves no stale output
// behind for a test to load by mistake. Every test script runs it
// first; when no input changed since the last compile (same files, sizes and modification times), it does
// nothing, so `npm test` compiles once rather than once per step.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'out');
const STAMP = path.join(OUT, '.compile-tests.stamp');
const INPUTS = ['src', 'test', 'stand-in', 'tsconfig.json', 'test/tsconfig.json', 'package.json'];

function walk(entry, hash) {
  const full = path.join(ROOT, entry);
  let stat;
  try {
    stat = fs.statSync(full);
  } catch {
    return;
  }
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(full).sort()) walk(path.join(entry, name), hash);
  } else {
    hash.update(`${entry}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
}

const hash = createHash('sha256');
for (const input of INPUTS) walk(input, hash);
hash.update(process.version);
const digest = hash.digest('hex');

let previous = '';
try {
  previous = fs.readFileSync(STAMP, 'utf8');
} catch {
  // never compiled
}
const OUTPUTS = ['test', 'src', 'stand-in'].map((folder) => path.join(OUT, folder));
if (previous === digest && OUTPUTS.every((folder) => fs.existsSync(folder))) process.exit(0);

fs.rmSync(STAMP, { force: true });
for (const folder of OUTPUTS) fs.rmSync(folder, { recursive: true, force: true });
const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'test', 'tsconfig.json')], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
fs.writeFileSync(STAMP, digest);
