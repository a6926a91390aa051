// What the Visual Studio Marketplace and Open VSX read from package.json to show the extension's page: every
// field they use is present and well formed, so a release never publishes a page with a hole in it.
// (`vsce package` without warnings and ovsx's own checks are in test/package/vsix.test.ts.)
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../contract/helpers';

interface Manifest {
  [field: string]: unknown;
  name: string;
  version: string;
  publisher: string;
  displayName: string;
  description: string;
  icon: string;
  galleryBanner?: { color?: string; theme?: string };
  categories: string[];
  keywords: string[];
  engines: { vscode: string };
  repository?: { type: string; url: string };
  bugs?: { url: string };
}

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
// The categories the Marketplace offers (https://code.visualstudio.com/api/references/extension-manifest).
const CATEGORIES = [
  'AI',
  'Azure',
  'Chat',
  'Data Science',
  'Debuggers',
  'Education',
  'Extension Packs',
  'Formatters',
  'Keymaps',
  'Language Packs',
  'Linters',
  'Machine Learning',
  'Notebooks',
  'Programming Languages',
  'SCM Providers',
  'Snippets',
  'Testing',
  'Themes',
  'Visualization',
  'Other',
];

describe('package.json, as the registries read it', () => {
  it('names the extension, its publisher and a semantic version', () => {
    assert.match(manifest.name, /^[a-z0-9][a-z0-9-]*$/);
    assert.match(manifest.publisher, /^[a-z0-9][a-z0-9-]*$/);
    assert.match(manifest.version, /^\d+\.\d+\.\d+$/);
    assert.ok(manifest.displayName.length > 0 && manifest.displayName.length <= 50, manifest.displayName);
    assert.ok(manifest.description.length >= 40 && manifest.description.length <= 200, manifest.description);
  });

  it('has a 128 × 128 PNG icon and a gallery banner', () => {
    const png = readFileSync(path.join(REPO_ROOT, manifest.icon));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
    assert.match(manifest.galleryBanner?.color ?? '', /^#[0-9a-f]{6}$/i);
    assert.ok(['dark', 'light'].includes(manifest.galleryBanner?.theme ?? ''));
  });

  it('is in known categories, with at most 30 keywords', () => {
    assert.ok(manifest.categories.length > 0);
    assert.deepEqual(
      manifest.categories.filter((c) => !CATEGORIES.includes(c)),
      [],
    );
    assert.ok(manifest.keywords.length > 0 && manifest.keywords.length <= 30);
  });

  it('links its repository, issues, home page and questions; free, under a license', () => {
    const github = /^https:\/\/github\.com\/[^/]+\/[^/]+/;
    assert.equal(manifest.repository?.type, 'git');
    assert.match(manifest.repository?.url ?? '', github);
    assert.match(manifest.bugs?.url ?? '', github);
    assert.match(String(manifest.homepage), github);
    assert.match(String(manifest.qna), github);
    assert.equal(manifest.pricing, 'Free');
    assert.equal(manifest.license, 'MIT');
    assert.ok(readFileSync(path.join(REPO_ROOT, 'LICENSE'), 'utf8').startsWith('MIT License'));
  });

  it('claims the VS Code its types are for: @types/vscode is the engines floor', () => {
    const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    const types = lock.packages['node_modules/@types/vscode']?.version ?? '';
    assert.equal(manifest.engines.vscode, `^${types}`);
  });

  it('has a CHANGELOG section for its version, in the Keep a Changelog form the release notes are cut from', () => {
    const changelog = readFileSync(path.join(REPO_ROOT, 'CHANGELOG.md'), 'utf8');
    const versions = [...changelog.matchAll(/^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$/gm)].map(([, version, date]) => ({
      version,
      date,
    }));
    assert.equal(versions[0]?.version, 'Unreleased', 'the first section is [Unreleased]');
    const released = versions.find((v) => v.version === manifest.version);
    assert.ok(released?.date, `a dated "## [${manifest.version}] - YYYY-MM-DD" section`);
    const headings = [...changelog.matchAll(/^### (.+)$/gm)].map(([, heading]) => heading!);
    for (const heading of headings) {
      assert.ok(['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'].includes(heading), heading);
    }
    assert.match(changelog, new RegExp(`^\\[${manifest.version.replace(/\./g, '\\.')}\\]: https://github\\.com/`, 'm'), 'its link');
  });
});
