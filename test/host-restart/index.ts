// The second extension-host run, in the same profile as the first: as after a window reload or an
// extension-host crash. scripts/run-host-tests.mjs starts it once the first run has passed.
import { runTestsIn } from '../host/index';

export function run(): Promise<void> {
  return runTestsIn(__dirname);
}
