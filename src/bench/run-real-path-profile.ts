import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { measureRealPath, type RealPath } from './real-path-profile.js';

/**
 * `node dist/src/bench/run-real-path-profile.js [--targets N] [--rounds N] [--path open-pr|full] [--out FILE]`;
 * with `node --cpu-prof --cpu-prof-dir DIR` in front, the profile of the real path.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { targets: { type: 'string' }, rounds: { type: 'string' }, path: { type: 'string' }, out: { type: 'string' } },
  });
  const targets = Number(values.targets ?? 50);
  const rounds = Number(values.rounds ?? 3);
  if (!Number.isInteger(targets) || targets < 1 || !Number.isInteger(rounds) || rounds < 1) {
    process.stderr.write('--targets and --rounds must be whole numbers of 1 or more.\n');
    return 2;
  }
  if (values.path !== undefined && values.path !== 'open-pr' && values.path !== 'full') {
    process.stderr.write(`--path is open-pr or full (got ${values.path}).\n`);
    return 2;
  }
  const paths: RealPath[] | undefined = values.path === undefined ? undefined : [values.path];
  const result = await measureRealPath({ targets, rounds, ...(paths ? { paths } : {}) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (values.out) writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

process.exitCode = await main();
