import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isLicenseOk } from 'ovsx/lib/check-license';
import { readVSIXPackage } from 'ovsx/lib/zip';
import { KeychainProcess } from '../../src/core/import/keychain';
import { listZipEntries, readZipEntry } from '../support/zip';

const root = resolve(__dirname, '../../..');
const TARGET = 'linux-x64';

interface Built {
  vsix: string;
  entries: string[];
  /** What `vsce package` printed as warnings (on stderr, or as GitHub Actions annotations). */
  warnings: string[];
}

/** Runs scripts/package.mjs (which also checks the size limits) and lists the VSIX's extension files. */
function build(folder: string, file: string, ...args: string[]): Built {
  const vsix = join(folder, file);
  const result = spawnSync(process.execPath, [join(root, 'scripts/package.mjs'), '--out', vsix, ...args], { cwd: root, encoding: 'utf8' });
  assert.equal(result.status, 0, `package.mjs failed:\n${result.stdout}\n${result.stderr}`);
  for (const line of result.stdout.split('\n')) if (/^VSIX|limit\)$|keytar\.node/.test(line)) console.log(`      ${line}`);
  const warnings = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => /WARNING|::warning::/i.test(line));
  const entries = listZipEntries(vsix)
    .filter((name) => name.startsWith('extension/'))
    .map((name) => name.slice('extension/'.length));
  return { vsix, entries, warnings };
}

// The ES modules these tests share with scripts (TypeScript keeps these import()s as they are).
interface NoticesModule {
  ALLOWED: Record<string, string>;
  shippedPackages(): Promise<string[]>;
  noticesText(packages: string[]): string;
}
const notices = (): Promise<NoticesModule> => import(pathToFileURL(join(root, 'scripts', 'notices.mjs')).href) as Promise<NoticesModule>;

/** Unpacks the VSIX's dist/ and asks its keychain helper, with no D-Bus, to look in the keychain. */
async function keychainFrom(built: Built, folder: string): Promise<string> {
  const dist = join(folder, 'dist');
  mkdirSync(dist, { recursive: true });
  for (const name of built.entries.filter((e) => e.startsWith('dist/'))) {
    writeFileSync(join(folder, name), readZipEntry(built.vsix, `extension/${name}`));
  }
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: folder };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.DISPLAY;
  // As the extension does, but without the fallback to node_modules: only what the VSIX carries.
  const lookup = await new KeychainProcess({
    helperPath: join(dist, 'keychain-helper.js'),
    modulePaths: [join(dist, 'keytar.node')],
    env,
  }).find(['openai']);
  return lookup.ok ? 'ok' : lookup.unavailable.kind;
}

const ALWAYS = [
  'dist/extension.js',
  'dist/commands.js',
  'dist/use-keys.js',
  'dist/keychain-helper.js',
  'dist/l10n.js',
  'package.json',
  'package.nls.json',
  'readme.md',
  'changelog.md',
  'LICENSE.txt',
  'ThirdPartyNotices.txt',
  'l10n/bundle.l10n.json',
  'media/icon.png',
];

describe('the packaged VSIXs', function () {
  this.timeout(240_000);
  let folder: string;
  let universal: Built;
  let platform: Built;

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'provider-keys-vsix-'));
    universal = build(folder, 'provider-keys.vsix');
    platform = build(folder, `provider-keys-${TARGET}.vsix`, '--target', TARGET);
  });

  after(() => rmSync(folder, { recursive: true, force: true }));

  for (const [label, get, native] of [
    ['universal', () => universal, false],
    [TARGET, () => platform, true],
  ] as const) {
    describe(label, () => {
      it(`holds only the bundles, media, manifest, strings and documents${native ? ', and keytar.node' : ''}`, () => {
        const allowed = new RegExp(
          `^(dist/(extension|commands|use-keys|keychain-helper|l10n)\\.js${native ? '|dist/keytar\\.node' : ''}|media/[^/]+\\.(png|svg)|package\\.json|package\\.nls\\.json|readme\\.md|changelog\\.md|LICENSE\\.txt|ThirdPartyNotices\\.txt|l10n/bundle\\.l10n(\\.[a-z-]+)?\\.json)$`,
        );
        const { entries } = get();
        assert.deepEqual(
          entries.filter((name) => !allowed.test(name)),
          [],
        );
        for (const needed of [...ALWAYS, ...(native ? ['dist/keytar.node'] : [])]) assert.ok(entries.includes(needed), `missing ${needed}`);
      });

      it('packages without a warning from vsce', () => {
        assert.deepEqual(get().warnings, []);
      });

      it('passes the checks ovsx (the Open VSX CLI) makes before it uploads', async () => {
        const manifest = await readVSIXPackage(get().vsix);
        const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
        assert.deepEqual(
          { publisher: manifest.publisher, name: manifest.name, version: manifest.version },
          { publisher: own.publisher, name: own.name, version: own.version },
        );
      });

      it('has no sources, tests, source maps or node_modules', () => {
        for (const name of get().entries) {
          assert.ok(!/(^|\/)(src|test|stand-in|scripts|node_modules|out)\//.test(name), name);
          assert.ok(!name.endsWith('.map') && !name.endsWith('.ts'), name);
        }
      });
    });
  }

  it('ships only allowed third-party code, and ThirdPartyNotices.txt names each with its license', async () => {
    const { ALLOWED, shippedPackages, noticesText } = await notices();
    const shipped = await shippedPackages();
    assert.deepEqual(
      shipped.filter((name) => !(name in ALLOWED)),
      [],
      'a package ships that is not on the allow list (scripts/notices.mjs)',
    );
    const { dependencies = {}, optionalDependencies = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    assert.deepEqual(
      Object.keys({ ...dependencies, ...optionalDependencies }).filter((name) => !(name in ALLOWED)),
      [],
      'a production dependency is not on the allow list',
    );
    const inVsix = readZipEntry(platform.vsix, 'extension/ThirdPartyNotices.txt').toString('utf8');
    assert.equal(inVsix, noticesText(shipped), 'ThirdPartyNotices.txt is out of date: npm run notices');
    for (const name of shipped) assert.ok(inVsix.includes(`\n${name} `), `${name} is not named in ThirdPartyNotices.txt`);
  });

  it('names a license the registries accept (ovsx asks for one before it publishes)', async () => {
    assert.equal(await isLicenseOk(root), true);
  });

  it('keeps both within their size bounds; only keytar.node tells them apart', () => {
    const kb = (file: string): number => statSync(file).size / 1024;
    // The same ceilings as scripts/package.mjs (which fails the package step over them).
    assert.ok(kb(universal.vsix) < 150, `universal VSIX ${kb(universal.vsix).toFixed(1)} KB`);
    assert.ok(kb(platform.vsix) < 250, `${TARGET} VSIX ${kb(platform.vsix).toFixed(1)} KB`);
    assert.deepEqual(
      platform.entries.filter((e) => !universal.entries.includes(e)),
      ['dist/keytar.node'],
    );
    assert.deepEqual(
      universal.entries.filter((e) => !platform.entries.includes(e)),
      [],
    );
    for (const [file, limit] of [
      ['dist/extension.js', 120],
      ['dist/commands.js', 40],
      ['dist/use-keys.js', 48],
    ] as const) {
      const bytes = readZipEntry(universal.vsix, `extension/${file}`).length;
      assert.ok(bytes / 1024 < limit, `${file}: ${(bytes / 1024).toFixed(1)} KB (limit ${limit} KB)`);
      assert.equal(readZipEntry(platform.vsix, `extension/${file}`).length, bytes, `${file} differs between the two`);
    }
  });

  it(`marks the platform VSIX as ${TARGET} and the universal one as for every platform`, () => {
    const manifest = (built: Built): string => readZipEntry(built.vsix, 'extension.vsixmanifest').toString('utf8');
    assert.match(manifest(platform), new RegExp(`TargetPlatform="${TARGET}"`));
    assert.doesNotMatch(manifest(universal), /TargetPlatform=/);
  });

  it('the platform VSIX\'s keytar.node loads (no D-Bus here: "no secret service"); the universal one has none', async () => {
    assert.equal(await keychainFrom(platform, join(folder, 'unpacked-platform')), 'noSecretService');
    assert.equal(await keychainFrom(universal, join(folder, 'unpacked-universal')), 'moduleMissing');
  });
});
