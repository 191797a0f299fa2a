import { isExecutable } from './executable.js';

/**
 * Debian's bubblewrap for the sandbox tests. Tests guard themselves with
 * `describe.skipIf(!bwrapAvailable)` and call `explainBwrapMissing()` so a run without it says
 * why those tests did not run (.ci/run installs it, so CI always runs them).
 */

export const BWRAP_PATH = '/usr/bin/bwrap';

export const bwrapAvailable = isExecutable(BWRAP_PATH);

export const bwrapMissingReason = `bubblewrap is not installed at ${BWRAP_PATH}: run \`apt-get update && apt-get install -y bubblewrap\` to run the sandbox tests.`;

/** Print why sandbox tests are not running, once per test file. */
export function explainBwrapMissing(suite: string): void {
  if (bwrapAvailable) return;
  console.warn(`[${suite}] skipped: ${bwrapMissingReason}`);
}
