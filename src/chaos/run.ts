import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeError } from '../errors.js';
import { startAppHarness } from './app-harness.js';
import { runCampaign, type CampaignRunReport } from './campaign-run.js';
import { runIntruders, type IntruderReport } from './intruders.js';
import { PROPERTY_CHECKS, type PropertyReport } from './properties.js';

/**
 * `npm run chaos`: the full reliability and security run over the sandbox on 127.0.0.1.
 * Crash and restart (200 targets, at least 20 SIGKILLs), faults in GitHub and Slack, 10,000
 * generated bad inputs per boundary, and the intruder checks. Prints the figures and exits 1
 * when anything was lost, duplicated, crashed or let through.
 *
 * `--quick` runs the shorter form the test suite uses; `--out FILE` writes the figures as JSON.
 */

interface ChaosFigures {
  crash: CampaignRunReport;
  faults: CampaignRunReport;
  properties: PropertyReport[];
  intruders: IntruderReport;
  failures: string[];
  /** The whole run, wall clock. */
  durationMs: number;
}

function readOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      repos: { type: 'string' },
      kills: { type: 'string' },
      seed: { type: 'string', default: '1' },
      only: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('npm run chaos -- [--quick] [--runs 10000] [--repos 200] [--kills 20] [--seed 1] [--only crash,faults,properties,intruders] [--out figures.json]\n');
    process.exit(0);
  }
  const whole = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) {
      process.stderr.write(`--${name} must be a whole number (got "${text}").\n`);
      process.exit(2);
    }
    return n;
  };
  return {
    runs: whole('runs', values.runs, values.quick ? 500 : 10_000),
    repos: whole('repos', values.repos, values.quick ? 40 : 200),
    kills: whole('kills', values.kills, values.quick ? 5 : 20),
    seed: whole('seed', values.seed, 1),
    only: new Set((values.only ?? 'crash,faults,properties,intruders').split(',')),
    out: values.out,
  };
}

/** The fault mix of the faults run: GitHub 5xx on a fifth of requests, 429s, secondary limits and drops; Slack 429s and 5xx. */
export const FAULT_MIX = {
  github: { errorRate: 0.2, rateLimitRate: 0.05, secondaryRate: 0.03, dropRate: 0.03 },
  slack: { rateLimitRate: 0.15, errorRate: 0.1, retryAfterSeconds: 1 },
} as const;

/** The injected GitHub faults by kind, from the counts per status (0 is a dropped connection, 403 a secondary limit). */
function describeGithubFaults(statuses: Readonly<Record<string, number>>): string {
  const count = (test: (status: number) => boolean) => Object.entries(statuses).reduce((n, [status, k]) => (test(Number(status)) ? n + k : n), 0);
  const total = count(() => true);
  if (total === 0) return 'none';
  return `${total} (5xx ${count((s) => s >= 500)}, 429 ${count((s) => s === 429)}, secondary limits ${count((s) => s === 403)}, dropped connections ${count((s) => s === 0)})`;
}

async function main(): Promise<number> {
  const options = readOptions(process.argv.slice(2));
  const started = Date.now();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const figures: Partial<ChaosFigures> = {};
  const failures: string[] = [];
  const limitMs = Math.max(300_000, options.repos * 4_000);

  if (options.only.has('properties')) {
    say(`\n== Bad input: ${options.runs} generated cases per boundary`);
    const h = await startAppHarness();
    figures.properties = [];
    try {
      // One failing check does not keep the others from running.
      for (const check of PROPERTY_CHECKS) {
        try {
          const p = await check.run(h, { runs: options.runs, seed: options.seed });
          figures.properties.push(p);
          say(`  ${p.name}: ${p.cases} cases, ${p.viaApp} through the app over HTTP`);
        } catch (error) {
          // fast-check puts the property's own error in `cause`, and fetch its network error in the next one.
          const causes: string[] = [];
          for (let c = error instanceof Error ? error.cause : undefined; c instanceof Error; c = c.cause) causes.push(c.message);
          const why = causes.length > 0 ? ` (${causes.join(': ')})` : '';
          failures.push(`properties, ${check.name}: ${describeError(error)}${why}`);
          say(`  ${check.name}: FAILED: ${describeError(error)}${why}`);
        }
      }
    } finally {
      await h.close();
    }
  }

  if (options.only.has('intruders')) {
    say('\n== Intruders');
    const h = await startAppHarness();
    try {
      const r = await runIntruders(h);
      figures.intruders = r;
      say(`  forged/stale/future Slack requests refused: ${r.forgedSlackRefused}; replays of a signed Approve: ${r.replays} (${r.replaysRefused} refused), decisions recorded: ${r.replayDecisions}; replayed /fleet start refused: ${r.replayedStartsRefused}; 2 MB bodies refused: ${r.oversizedBodiesRefused}`);
      say(`  outsider attempts: ${r.outsiderAttempts}, refused: ${r.outsiderRefused}, recorded: ${r.refusalsRecorded}`);
      say(`  forged webhooks refused: ${r.forgedWebhooksRefused}; catalog escapes refused: ${r.catalogEscapesRefused}; codemod escapes refused: ${r.codemodEscapesRefused}; secrets a codemod found: ${r.codemodSecretsFound}; backtracking expressions stopped: ${r.hostileRegexStopped}`);
      say(`  log lines read: ${r.logLines}, secrets in them: ${r.secretsInLog}`);
      failures.push(...r.failures.map((f) => `intruders: ${f}`));
    } finally {
      await h.close();
    }
  }

  const describe = (r: CampaignRunReport) => {
    say(`  ${r.targets} targets, campaign ${r.finalState} in ${Math.round(r.durationMs / 1000)} s; targets ${JSON.stringify(r.targetStates)}`);
    say(`  kills ${r.kills}, restarts ${r.restarts}; PRs ${r.pullRequests}, merged ${r.merged}; approvals clicked ${r.approvalsClicked}, recorded ${r.approvalsRecorded}; Slack posts ${r.slackPosts}`);
    say(`  GitHub requests ${r.githubRequests}, faults injected ${describeGithubFaults(r.githubFaults)}; Slack 429s ${r.slackRateLimited}, 5xx ${r.slackServerErrors}; secrets in ${r.logLines} log lines: ${r.secretsInLog}`);
    for (const f of r.failures) say(`  LOST OR DUPLICATED: ${f}`);
  };

  if (options.only.has('crash')) {
    say(`\n== Crash and restart: ${options.repos} repositories, ${options.kills} SIGKILLs`);
    figures.crash = await runCampaign({ repos: options.repos, kills: options.kills, killAfterMs: { min: 300, max: 4_000 }, seed: options.seed, limitMs, say: (l) => say(`  ${l}`) });
    describe(figures.crash);
    failures.push(...figures.crash.failures.map((f) => `crash: ${f}`));
  }

  if (options.only.has('faults')) {
    say(`\n== Faults: ${options.repos} repositories; GitHub ${JSON.stringify(FAULT_MIX.github)}; Slack ${JSON.stringify(FAULT_MIX.slack)}`);
    figures.faults = await runCampaign({
      repos: options.repos,
      kills: 0,
      killAfterMs: { min: 0, max: 0 },
      githubFaults: { ...FAULT_MIX.github, seed: options.seed },
      slackFaults: { ...FAULT_MIX.slack, seed: options.seed },
      seed: options.seed + 1,
      limitMs,
    });
    describe(figures.faults);
    failures.push(...figures.faults.failures.map((f) => `faults: ${f}`));
  }

  figures.failures = failures;
  figures.durationMs = Date.now() - started;
  const runs = [figures.crash, figures.faults].filter((r): r is CampaignRunReport => r !== undefined);
  const kills = runs.reduce((n, r) => n + r.kills, 0);
  const faults = runs.reduce((n, r) => n + Object.values(r.githubFaults).reduce((a, b) => a + b, 0) + r.slackRateLimited + r.slackServerErrors, 0);
  const inputs = (figures.properties ?? []).reduce((n, p) => n + p.cases, 0);
  const i = figures.intruders;
  const refused = i ? i.forgedSlackRefused + i.outsiderRefused + i.forgedWebhooksRefused + i.catalogEscapesRefused + i.codemodEscapesRefused + i.hostileRegexStopped : 0;
  say(`\nIn ${Math.round(figures.durationMs / 1000)} s: ${kills} SIGKILLs survived, ${faults} faults injected, ${inputs} bad inputs tried, ${refused} intrusions stopped.`);
  if (options.out) writeFileSync(options.out, `${JSON.stringify(figures, null, 2)}\n`);
  say(failures.length === 0 ? '\nNothing lost, duplicated, crashed or let through.' : `\n${failures.length} problems:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${describeError(error)}\n`);
    process.exit(1);
  },
);
