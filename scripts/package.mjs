// Writes a VSIX with `vsce package --no-dependencies` (its prepublish step builds the production
// bundles) and prints the sizes that the foundation issue bounds.
//
//   node scripts/package.mjs [--out FILE]                    the universal VSIX: no native code; Import
//                                                             from OS Keychain says it is unavailable
//   node scripts/package.mjs --target linux-x64 [--out FILE]  a platform VSIX that carries keytar's
//                                                             native module (dist/keytar.node)
//
// A platform VSIX is built on that platform: keytar.node is the one `npm ci` built (or downloaded) in
// node_modules for this machine, so --target must name this machine's platform and architecture. CI
// builds the other targets on their own runners (see CONTRIBUTING.md, Packaging).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const option = (flag) => {
  const index = process.argv.indexOf(flag);
  return index > 0 ? process.argv[index + 1] : undefined;
};
const target = option('--target');
const out = option('--out')
  ? resolve(option('--out'))
  : join(root, target ? `${name}-${target}-${version}.vsix` : `${name}-${version}.vsix`);

const KB = 1024;
// Ceilings that fail the build, not targets: the activation bundle's target (issue 12, `npm run bench`)
// is 40 KB, and bench/README.md says how far it is and why. keytar.node adds its own size.
const LIMITS = { vsix: 150 * KB, platformVsix: 250 * KB, bundle: 120 * KB, commands: 40 * KB, flows: 48 * KB };

const NATIVE_SOURCE = join(root, 'node_modules', 'keytar', 'build', 'Release', 'keytar.node');
const NATIVE = join(root, 'dist', 'keytar.node');

const fail = (message) => {
  console.error(`package: ${message}`);
  process.exit(1);
};

if (target) {
  const here = `${process.platform}-${process.arch}`;
  if (target !== here) {
    fail(`--target ${target} needs keytar built for ${target}; this machine is ${here}. Build that VSIX on a ${target} runner.`);
  }
  if (!existsSync(NATIVE_SOURCE)) {
    fail(`keytar's native module is missing (${NATIVE_SOURCE}); install libsecret-1-dev (Linux) and run npm ci`);
  }
  // Next to the bundle: the keychain helper loads dist/keytar.node first (src/flows/useKeys/importKeychain.ts).
  copyFileSync(NATIVE_SOURCE, NATIVE);
} else {
  rmSync(NATIVE, { force: true });
}

try {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', ...(target ? ['--target', target] : []), '--out', out],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
} finally {
  // dist/ stays as a universal build, whatever was packaged.
  rmSync(NATIVE, { force: true });
}

const size = (file) => statSync(join(root, file)).size;
const sizes = {
  vsix: statSync(out).size,
  bundle: size('dist/extension.js'),
  commands: size('dist/commands.js'),
  flows: size('dist/use-keys.js'),
  helper: size('dist/keychain-helper.js'),
};
const kb = (bytes) => `${(bytes / KB).toFixed(1)} KB`;
const vsixLimit = target ? LIMITS.platformVsix : LIMITS.vsix;
console.log(`VSIX: ${out} ${kb(sizes.vsix)} (limit ${kb(vsixLimit)}) ${target ?? 'universal'}`);
console.log(`dist/extension.js (production): ${kb(sizes.bundle)} (limit ${kb(LIMITS.bundle)})`);
console.log(`dist/commands.js (production, loaded on the first command): ${kb(sizes.commands)} (limit ${kb(LIMITS.commands)})`);
console.log(`dist/use-keys.js (production, loaded on first use): ${kb(sizes.flows)} (limit ${kb(LIMITS.flows)})`);
console.log(`dist/keychain-helper.js (production): ${kb(sizes.helper)}`);
if (target) console.log(`dist/keytar.node (${target}): ${kb(statSync(NATIVE_SOURCE).size)}`);
if (sizes.vsix > vsixLimit || sizes.bundle > LIMITS.bundle || sizes.commands > LIMITS.commands || sizes.flows > LIMITS.flows) {
  fail('over the size limit');
}
