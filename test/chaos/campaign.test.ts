import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { runCampaign } from '../../src/chaos/campaign-run.js';

/**
 * The short form of `npm run chaos`: a smaller campaign, fewer kills. The app runs as a child
 * process from dist/ (npm test builds first), so the kills are real SIGKILLs of a real process.
 */
const built = new URL('../../dist/src/chaos/app-process.js', import.meta.url);

describe('a campaign over the sandbox', () => {
  test('survives SIGKILLs at random moments: every target final, one PR each, no merge twice, no approval lost, no Slack post twice', async () => {
    expect(existsSync(built), 'dist/src/chaos/app-process.js is missing: run `npm run build` first').toBe(true);
    const report = await runCampaign({ repos: 30, kills: 5, killAfterMs: { min: 300, max: 2_500 }, seed: 11, limitMs: 110_000 });
    expect(report.failures).toEqual([]);
    expect(report.kills).toBe(5);
    expect(report.finalState).toBe('completed');
    expect(report.pullRequests).toBeGreaterThan(0);
    expect(report.merged).toBe(report.pullRequests);
    expect(report.approvalsRecorded).toBeGreaterThan(0);
    expect(report.secretsInLog).toBe(0);
  }, 130_000);

  test('completes under GitHub 5xx, 429, secondary limits and dropped connections and Slack 429 and 5xx, losing and duplicating nothing', async () => {
    expect(existsSync(built), 'dist/src/chaos/app-process.js is missing: run `npm run build` first').toBe(true);
    // The child retries GitHub in 20 ms units (FLEET_CHAOS_FAST); with one request in five failing
    // and Slack answering 429 with Retry-After, the run takes 80–110 s inside the full suite on a
    // 2-core machine, so its limit leaves room above that. The full run (`npm run chaos`) puts the
    // same fault mix on 200 repositories.
    const report = await runCampaign({
      repos: 12,
      kills: 0,
      killAfterMs: { min: 0, max: 0 },
      githubFaults: { errorRate: 0.2, rateLimitRate: 0.05, secondaryRate: 0.03, dropRate: 0.03, seed: 5 },
      slackFaults: { rateLimitRate: 0.15, errorRate: 0.1, retryAfterSeconds: 1, seed: 5 },
      seed: 12,
      limitMs: 170_000,
    });
    expect(report.failures).toEqual([]);
    expect(report.finalState).toBe('completed');
    expect(Object.values(report.githubFaults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(report.slackRateLimited + report.slackServerErrors).toBeGreaterThan(0);
  }, 190_000);
});
