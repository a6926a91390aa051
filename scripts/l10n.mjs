#!/usr/bin/env node
// The message bundle that translators start from: l10n/bundle.l10n.json, every `l10n.t(…)` message in src/.
//
//   node scripts/l10n.mjs           (npm run l10n) exports it with @vscode/l10n-dev
//   node scripts/l10n.mjs --check   (in npm run lint) fails when a message passed to l10n.t() is not in the
//                                   bundle, when the bundle holds one no code passes, or when a call's message
//                                   is not a literal (no tool could export it, so it could not be translated)
//
// The check reads the calls with TypeScript's own parser, independently of the exporter, so a call the
// exporter cannot see fails here rather than going untranslated.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');
const BUNDLE = path.join(ROOT, 'l10n', 'bundle.l10n.json');

function sourceFiles(dir) {
  const files = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(full);
  }
  return files.sort();
}

/** Whether `node` is `l10n.t` or `vscode.l10n.t` (the forms @vscode/l10n-dev exports). */
function isTranslateCall(ts, node) {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return false;
  const callee = node.expression;
  if (callee.name.text !== 't') return false;
  const target = callee.expression;
  if (ts.isIdentifier(target)) return target.text === 'l10n';
  return (
    ts.isPropertyAccessExpression(target) &&
    target.name.text === 'l10n' &&
    ts.isIdentifier(target.expression) &&
    target.expression.text === 'vscode'
  );
}

/** The bundle key of a call's message, or an error: `'text'`, or `{ message: 'text', comment: [...] }`. */
function keyOf(ts, call) {
  const first = call.arguments[0];
  if (!first) return { error: 'no message' };
  if (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)) return { key: first.text };
  if (ts.isObjectLiteralExpression(first)) {
    const property = (name) => first.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText() === name)?.initializer;
    const message = property('message');
    if (!message || !(ts.isStringLiteral(message) || ts.isNoSubstitutionTemplateLiteral(message)))
      return { error: 'message is not a literal' };
    const comment = property('comment');
    if (!comment) return { key: message.text };
    const parts = ts.isArrayLiteralExpression(comment) ? comment.elements : [comment];
    if (!parts.every((part) => ts.isStringLiteral(part))) return { error: 'comment is not literal' };
    return { key: `${message.text}/${parts.map((part) => part.text).join('')}` };
  }
  return { error: 'the message is not a literal' };
}

/** Every message passed to l10n.t() in src/, with where; and every call whose message is not a literal. */
function messagesInSource() {
  const ts = require('typescript');
  const found = new Map();
  const problems = [];
  for (const file of sourceFiles(SRC)) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (isTranslateCall(ts, node)) {
        const where = `${path.relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
        const { key, error } = keyOf(ts, node);
        if (error) problems.push(`${where}: ${error}`);
        else if (!found.has(key)) found.set(key, where);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { found, problems };
}

function check() {
  const { found, problems } = messagesInSource();
  let bundle = {};
  try {
    bundle = JSON.parse(fs.readFileSync(BUNDLE, 'utf8'));
  } catch (error) {
    problems.push(`${path.relative(ROOT, BUNDLE)}: ${error.message}`);
  }
  for (const [key, where] of found) if (!(key in bundle)) problems.push(`${where}: not in l10n/bundle.l10n.json: ${JSON.stringify(key)}`);
  for (const key of Object.keys(bundle)) if (!found.has(key)) problems.push(`l10n/bundle.l10n.json: no code passes ${JSON.stringify(key)}`);
  if (problems.length > 0) {
    console.error(
      `${problems.join('\n')}\nl10n: ${problems.length} problem${problems.length === 1 ? '' : 's'}; run \`npm run l10n\` after changing messages`,
    );
    process.exit(1);
  }
  console.log(`l10n: ${found.size} messages, all in l10n/bundle.l10n.json`);
}

function exportBundle() {
  const cli = path.join(ROOT, 'node_modules', '@vscode', 'l10n-dev', 'dist', 'cli.js');
  const result = spawnSync(process.execPath, [cli, 'export', '--outDir', path.join(ROOT, 'l10n'), SRC], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(result.stdout + result.stderr);
    process.exit(result.status ?? 1);
  }
  console.log(`wrote ${path.relative(ROOT, BUNDLE)}`);
}

if (process.argv.includes('--check')) check();
else exportBundle();
