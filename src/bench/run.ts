import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { BenchFlags, MEASUREMENTS, resolveConfig } from './options.js';
import { formatReport } from './report.js';
import { runBench } from './run-bench.js';

/** `npm run bench -- [--out FILE] [--only ack,tick,...] [--quick] [--seed N]` */
async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { out: { type: 'string' }, only: { type: 'string' }, quick: { type: 'boolean' }, seed: { type: 'string' }, world: { type: 'string' }, help: { type: 'boolean' } },
  });
  const parsed = BenchFlags.safeParse(values);
  if (!parsed.success) {
    process.stderr.write(`${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n')}\nType \`npm run bench -- --help\` for the flags.\n`);
    return 2;
  }
  if (parsed.data.help) {
    process.stdout.write(
      [
        'npm run bench -- [--out FILE] [--only LIST] [--quick] [--seed N] [--world today|calibrated]',
        '  --out    also write the figures as JSON to FILE',
        `  --only   a comma-separated subset of: ${MEASUREMENTS.join(', ')}`,
        '  --quick  a tiny configuration of every measurement (seconds)',
        '  --seed   the seed of the generated fleets (default 2024)',
        "  --world  the rates the decision-quality fleets are generated with: today's or the calibrated ones (default calibrated)",
        '',
      ].join('\n'),
    );
    return 0;
  }
  const config = resolveConfig(parsed.data);
  const result = await runBench(config, {
    log: (line) => process.stderr.write(`${line}\n`),
    machine: { cpus: cpus().length, node: process.version, loadAverage: loadavg().map((l) => Math.round(l * 100) / 100) },
  });
  process.stdout.write(`${formatReport(result)}\n`);
  if (parsed.data.out) writeFileSync(parsed.data.out, `${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
