import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAppHarness, type AppHarness } from '../../src/chaos/app-harness.js';
import { checkBlockActions, checkCommandText, checkModalSubmissions, checkSpecYaml, checkWebhooks } from '../../src/chaos/properties.js';

/** `npm run chaos` runs 10,000 cases per check; the test suite a few hundred (FLEET_PROPERTY_RUNS overrides). */
const runs = Number(process.env.FLEET_PROPERTY_RUNS ?? 500);

let h: AppHarness;
beforeAll(async () => {
  h = await startAppHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('bad input of every kind is answered with a clear error and changes nothing', () => {
  test('/fleet command text', async () => {
    const report = await checkCommandText(h, { runs });
    expect(report.cases).toBeGreaterThanOrEqual(runs);
    expect(report.viaApp).toBeGreaterThan(0);
  }, 120_000);

  test('campaign specs as YAML', async () => {
    const report = await checkSpecYaml({ runs });
    expect(report.cases).toBeGreaterThanOrEqual(runs);
  }, 120_000);

  test('start-modal submissions', async () => {
    const report = await checkModalSubmissions(h, { runs });
    expect(report.viaApp).toBeGreaterThan(0);
  }, 120_000);

  test('block-action payloads', async () => {
    const report = await checkBlockActions(h, { runs });
    expect(report.viaApp).toBeGreaterThan(0);
  }, 120_000);

  test('GitHub webhook bodies, signed and unsigned', async () => {
    const report = await checkWebhooks(h, { runs });
    expect(report.viaApp).toBeGreaterThan(0);
  }, 120_000);

  test('nothing reached GitHub and no secret reached the log', () => {
    expect(h.githubCalls.filter((c) => c !== 'listOrgRepos' && c !== 'getRepos')).toEqual([]);
    const log = h.logLines.join('\n');
    for (const secret of Object.values(h.secrets)) expect(log).not.toContain(secret);
  });
});
