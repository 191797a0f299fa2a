import { describe, expect, test } from 'vitest';
import { estimatePreview } from '../../src/campaigns/plan-campaign.js';
import type { StepDefinition } from '../../src/domain/spec.js';

describe('estimatePreview', () => {
  const steps: StepDefinition[] = [
    { kind: 'open-pr', options: {} },
    { kind: 'await-checks', options: { timeout: 5 * 60_000 } },
    { kind: 'bake', options: { duration: 30 * 60_000 } },
  ];

  test('counts the requests per step and per target, and explains the time by waves and pacing', () => {
    const { github, estimate } = estimatePreview({ steps, targets: 10, waveCount: 2, remaining: 4000 });
    // Per target: open-pr 12 + await-checks 4 + bake 0, plus 3 CI health reads; one discovery read each, plus one.
    expect(github).toEqual({ requests: 201, contentRequests: 70, remaining: 4000 });
    // 2 × (30 min bake + 5 min CI) + 70 / 500 an hour = 70 + 8.4 min.
    expect(estimate.minutes).toBe(79);
    expect(estimate.explanation).toBe(
      "2 waves × about 35 min each (CI up to 5 min, the checks step's timeout; canary and bake 30 min), " +
        'plus 8.4 min of pacing for 70 content-creating requests at 500 an hour; approvals at review gates add to this.',
    );
  });

  test('paces by the configured budget, and assumes no CI time without a checks step', () => {
    const { github, estimate } = estimatePreview({ steps: [{ kind: 'merge', options: {} }], targets: 3, waveCount: 1, remaining: null, contentPerHour: 3000 });
    expect(github).toEqual({ requests: 22, contentRequests: 6, remaining: null });
    expect(estimate.minutes).toBe(1);
    expect(estimate.explanation).toBe('1 wave × about 1 s each (canary and bake 1 s), plus 7 s of pacing for 6 content-creating requests at 3000 an hour; approvals at review gates add to this.');
  });
});
