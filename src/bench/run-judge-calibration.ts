import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatCalibration, measureJudgeCalibration } from './judge-calibration.js';

/** `npm run bench:judge -- [--quick] [--runs N] [--seed N] [--out FILE]` */
function main(): number {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { quick: { type: 'boolean' }, runs: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(
      [
        'npm run bench:judge -- [--quick] [--runs N] [--seed N] [--out FILE]',
        '  --quick  50 canaries per cell instead of 500 (seconds)',
        '  --runs   canaries per cell (metric × ρ × length × healthy/regression)',
        '  --seed   the seed of the generated series (default 2024)',
        '  --out    write the report as JSON to FILE (the table goes to stdout)',
        '',
      ].join('\n'),
    );
    return 0;
  }
  const runs = values.runs !== undefined ? Number(values.runs) : values.quick ? 50 : 500;
  const seed = values.seed !== undefined ? Number(values.seed) : 2024;
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`--runs must be a positive integer (got ${values.runs}).\n`);
    return 2;
  }
  if (!Number.isInteger(seed)) {
    process.stderr.write(`--seed must be an integer (got ${values.seed}).\n`);
    return 2;
  }
  const report = measureJudgeCalibration({ runs, seed });
  process.stdout.write(`${formatCalibration(report)}\n\n${JSON.stringify(report.aims, null, 2)}\n(${report.runs} canaries per cell, seed ${report.seed}, ${(report.elapsedMs / 1000).toFixed(1)} s)\n`);
  if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  return 0;
}

process.exit(main());
