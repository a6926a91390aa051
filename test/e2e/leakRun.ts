// The leak scan as the end-to-end run uses it: after everything has stopped, search the run's whole
// temporary folder (code-server's user data with its settings, logs, globalStorage and
// workspaceStorage; the browser profile with its IndexedDB and localStorage; the workspace; HOME, XDG
// and TMPDIR folders; the VSIX, raw and entry by entry) and the test output (test-results/e2e/) for
// the run's canaries. Before that, one more canary is planted in each place, in each encoding, so the
// scan is seen to find what is there: it cannot pass by looking nowhere.
//
// Two things are left out, exactly: the values written to SecretStorage's encrypted store, and the
// files that hold a key by design (the workspace's `.env` that Import from Environment reads), each by
// its full path and only while its bytes are exactly what the run wrote.
import { basename, dirname, join, relative } from 'node:path';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { type PlantPlace, type Planting, checkPlanted, makeCanary, plant, plantNamed } from './leakPlant';
import { type Canary, needlesFor, scan, summarize } from './leakScan';

export interface LeakRunOptions {
  /** The run's temporary folder: everything code-server, the extension host and the browser wrote. */
  base: string;
  /** The test output folder. */
  results: string;
  canaries: Readonly<Record<string, Canary>>;
  /** Every value written to localStorage['secrets.provider']: bytes the scan leaves out (its occurrences only). */
  secretsValues: ReadonlySet<string>;
  /** Files under `base` that hold a key by design, with the bytes the run wrote: skipped, and checked unchanged. */
  keyFiles?: ReadonlyArray<{ path: string; content: Buffer }>;
  /** More folders to plant the canary in (to show that the scan reaches them), beside the usual ones. */
  places?: readonly PlantPlace[];
  say(message: string): void;
  shout(message: string): void;
}

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

export function runLeakScan(options: LeakRunOptions): { ok: boolean } {
  const { base, results, say, shout } = options;
  const resultsLabel = `test-results/${basename(results)}`;
  const began = performance.now();
  const names = [...Object.keys(options.canaries), 'the planted canary'];
  const planted = makeCanary('sk-proj-', 'PLANTED');
  const canaries = [...Object.values(options.canaries), planted];
  const plantedIndex = canaries.length - 1;
  // Chromium keeps a localStorage value as Latin-1 or as UTF-16LE, whichever fits.
  const exclude = [...options.secretsValues].flatMap((value) => [Buffer.from(value, 'latin1'), Buffer.from(value, 'utf16le')]);

  const places: PlantPlace[] = [
    { dir: join(base, 'user-data', 'User', 'globalStorage'), label: 'user-data/User/globalStorage' },
    { dir: join(base, 'browser', 'Default'), label: 'browser/Default' },
    { dir: join(base, 'workspace'), label: 'workspace' },
    { dir: join(base, 'tmp'), label: 'tmp' },
    { dir: join(base, 'user-data', 'logs'), label: 'user-data/logs' },
    { dir: join(results, 'planted'), label: `${resultsLabel}/planted` },
    ...(options.places ?? []),
  ];
  const plantings: Planting[] = plant(planted, places, exclude[0]);
  const keyFiles = options.keyFiles ?? [];
  // A file of the same name in another folder is searched: the skip is by path, not by name.
  const keyFilePlaces = keyFiles.map(({ path }) => ({
    dir: join(dirname(path), 'planted-same-name'),
    label: relative(base, join(dirname(path), 'planted-same-name')),
  }));
  keyFiles.forEach(({ path }, index) => plantings.push(plantNamed(planted, keyFilePlaces[index]!, basename(path))));
  places.push(...keyFilePlaces);
  const roots = readdirSync(base)
    .sort()
    .map((name) => ({ label: name, path: join(base, name) }));
  roots.push({ label: resultsLabel, path: results });
  let report;
  try {
    report = scan({ roots, canaries, exclude, skipFiles: keyFiles.map((file) => file.path) });
  } finally {
    for (const planting of plantings) {
      const place = places.find((p) => planting.file.startsWith(`${p.label}/`));
      if (place) rmSync(join(place.dir, planting.file.slice(place.label.length + 1).replace(/!.*$/, '')), { force: true });
    }
    rmSync(join(results, 'planted'), { recursive: true, force: true });
    for (const place of keyFilePlaces) rmSync(place.dir, { recursive: true, force: true });
  }

  const patterns = needlesFor(canaries).length;
  const prefixes = [...new Set(canaries.map((c) => c.publicPrefix))].join(', ');
  say(
    `leak scan: ${canaries.length - 1} canary keys (and 1 planted); ${patterns} patterns: each key and every 8-character window of it ` +
      `(except inside the public prefixes ${prefixes}) as plain text, base64 and base64url at 3 alignments, hex, URL and UTF-16LE`,
  );
  for (const root of report.perRoot) {
    say(`  ${root.root.padEnd(28)} ${String(root.files).padStart(5)} files ${megabytes(root.bytes).padStart(10)}`);
  }
  say(
    `  ${'total'.padEnd(28)} ${String(report.files).padStart(5)} files ${megabytes(report.bytes).padStart(10)} (list: ${resultsLabel}/leak-scan.txt)`,
  );
  writeFileSync(join(results, 'leak-scan.txt'), report.listing.map((entry) => `${entry.bytes}\t${entry.file}`).join('\n') + '\n');

  let ok = true;
  const missed = checkPlanted(plantings, report.hits, plantedIndex);
  if (missed.length > 0) {
    ok = false;
    shout(`  SELF-CHECK FAILED: the planted canary was not found in ${missed.map((m) => `${m.file} (${m.encoding})`).join(', ')}`);
  } else {
    say(
      `  self-check: the planted canary was found in all ${plantings.length} places and encodings it was put (${[...new Set(plantings.map((p) => p.encoding))].join(', ')}; a single window; a zip entry; right after an excluded value${keyFiles.length > 0 ? '; in a file of the same name as a skipped one' : ''})`,
    );
  }
  if (options.secretsValues.size === 0) {
    ok = false;
    shout(
      '  SecretStorage was never written (no localStorage["secrets.provider"] value seen): the run did not store a key, or the exclusion looks in the wrong place',
    );
  } else {
    say(
      `  excluded: ${report.excluded} matches inside the ${options.secretsValues.size} values written to localStorage["secrets.provider"] (SecretStorage's encrypted store), nothing else`,
    );
  }
  for (const { path, content } of keyFiles) {
    const label = relative(base, path);
    let now: Buffer | undefined;
    try {
      now = readFileSync(path);
    } catch {
      // gone: reported below
    }
    if (!now || !now.equals(content)) {
      ok = false;
      shout(
        `  ${label} is not byte-for-byte what the run wrote (${now ? `${now.length} bytes, was ${content.length}` : 'gone'}): something wrote to a file that holds a key`,
      );
    } else if (!report.skipped.some((s) => s.file === label)) {
      ok = false;
      shout(`  ${label} was never reached, so its exclusion is untested`);
    } else {
      say(`  skipped: ${label} (${content.length} bytes, holds a key by design; byte-for-byte as written), no other file`);
    }
  }
  if (report.skipped.length !== keyFiles.length) {
    ok = false;
    shout(`  skipped ${report.skipped.length} files, expected ${keyFiles.length}: ${report.skipped.map((s) => s.file).join(', ')}`);
  }
  if (report.unreadable.length > 0) {
    ok = false;
    shout(`  could not read (so not searched): ${report.unreadable.join(', ')}`);
  }
  const leaks = report.hits.filter((hit) => hit.canary !== plantedIndex);
  if (leaks.length > 0) {
    ok = false;
    shout(`  LEAKS: ${leaks.length} matches of the run's keys outside SecretStorage:`);
    for (const line of summarize(leaks, names).slice(0, 40)) shout(`    ${line}`);
  } else {
    say(`  hits: none (${((performance.now() - began) / 1000).toFixed(1)} s)`);
  }
  return { ok };
}
