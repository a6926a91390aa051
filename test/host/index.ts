// Entry point that VS Code loads inside the extension host (`extensionTestsPath`): runs every
// out/test/host/**/*.test.js with mocha and rejects when a test fails, which makes VS Code exit with 1.
//
// Output: in desktop VS Code started by @vscode/test-electron, the extension host's console already
// reaches the terminal. In code-server it does not (it goes to the browser's console), so
// scripts/run-host-tests.mjs passes a file path in PROVIDER_KEYS_TEST_REPORT; everything mocha's
// reporter prints, and what tests print with `log` below, is then also appended to that file, which
// the runner prints as it grows.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';
import * as vscode from 'vscode';

const TEST_FILE = /\.test\.js$/;

function findTestFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTestFiles(full));
    else if (entry.isFile() && TEST_FILE.test(entry.name)) found.push(full);
  }
  return found.sort();
}

/**
 * Prints a line with the test report: use it, not console.log, in host tests. In code-server the
 * extension host's console goes to the browser (VS Code locks the console methods against patching),
 * so only what passes through mocha's reporter sink reaches the terminal.
 */
export function log(...args: unknown[]): void {
  Mocha.reporters.Base.consoleLog(...args);
}

/** Copies everything mocha's reporter prints (and `log`) into `reportFile`; returns the undo. */
function teeReporter(reportFile: string): () => void {
  const Base = Mocha.reporters.Base;
  const original = Base.consoleLog;
  Base.consoleLog = (...args: unknown[]) => {
    try {
      fs.appendFileSync(reportFile, format(...args) + '\n');
    } catch {
      // The runner then finds no report and fails the run; a test must not fail because of it.
    }
    original(...args);
  };
  return () => {
    Base.consoleLog = original;
  };
}

/** Runs the host tests in this folder (and below). */
export function run(): Promise<void> {
  return runTestsIn(__dirname, { grepMustMatch: true });
}

/**
 * Runs every *.test.js under `dir` with mocha, reporting through the runner's report file. With
 * PROVIDER_KEYS_HOST_GREP set and no test title matching it: an error when `grepMustMatch` (the first run, so a
 * mistyped title does not pass with nothing run), else a line saying this run has nothing to do.
 */
export async function runTestsIn(dir: string, options: { grepMustMatch?: boolean } = {}): Promise<void> {
  const reportFile = process.env.PROVIDER_KEYS_TEST_REPORT;
  const restore = reportFile ? teeReporter(reportFile) : () => undefined;
  let failures: number;
  try {
    // diff: false because node:assert already puts a diff into its messages.
    // PROVIDER_KEYS_HOST_GREP runs only the tests whose title matches (while working on one suite).
    const grep = process.env.PROVIDER_KEYS_HOST_GREP;
    const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 20_000, reporter: 'spec', diff: false, ...(grep ? { grep } : {}) });
    // The runner's log names the VS Code each run was on (the host tests run on the newest and on the oldest).
    log(`VS Code ${vscode.version} (${vscode.env.appName}, ${vscode.env.appHost})`);
    const files = findTestFiles(dir);
    if (files.length === 0) throw new Error(`no *.test.js files under ${dir}`);
    for (const file of files) mocha.addFile(file);
    await mocha.loadFilesAsync();
    if (grep && !hasTestMatching(mocha.suite, grep)) {
      if (options.grepMustMatch) throw new Error(`no host test title contains PROVIDER_KEYS_HOST_GREP="${grep}"`);
      log(`no test in ${path.basename(dir)} matches PROVIDER_KEYS_HOST_GREP="${grep}": nothing to run here`);
      return;
    }
    failures = await new Promise<number>((resolve) => mocha.run(resolve));
  } catch (error) {
    log('Could not run the host tests:', error instanceof Error ? (error.stack ?? error.message) : String(error));
    throw error;
  } finally {
    restore();
  }
  if (failures > 0) throw new Error(`${failures} host test${failures === 1 ? '' : 's'} failed.`);
}

/** Whether a test's full title contains `grep`, as mocha's string grep matches (a plain substring). */
function hasTestMatching(suite: Mocha.Suite, grep: string): boolean {
  return suite.tests.some((test) => test.fullTitle().includes(grep)) || suite.suites.some((child) => hasTestMatching(child, grep));
}
