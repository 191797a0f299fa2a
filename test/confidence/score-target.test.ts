import { describe, expect, it } from 'vitest';
import { parseTargetSignals, scoreTarget } from '../../src/confidence/score-target.js';
import { buildDiffSizeSignal, buildHistorySignal, scoreDiffSize } from '../../src/confidence/signals.js';

describe('scoreTarget', () => {
  it('is the weighted mean of all five signals', () => {
    const result = scoreTarget({
      checks: { value: 1, evidence: {} },
      canary: { value: 0.97, evidence: { verdict: 'pass', score: 97 } },
      compliance: { value: 1, evidence: {} },
      diffSize: { value: 0.9, evidence: { changedLines: 100 } },
      history: { value: 0.8, evidence: { successes: 3, failures: 0 } },
    });
    // 0.3·1 + 0.3·0.97 + 0.15·1 + 0.1·0.9 + 0.15·0.8 = 0.3 + 0.291 + 0.15 + 0.09 + 0.12 = 0.951 → 95.1
    expect(result.score).toBeCloseTo(95.1, 10);
    expect(result.gated).toBe(false);
    expect(result.factors.map((f) => f.weight)).toEqual([0.3, 0.3, 0.15, 0.1, 0.15]);
    expect(result.factors[1].contribution).toBeCloseTo(29.1, 10);
    expect(result.reason).toContain('weakest: repository history 0.80');
  });

  it('shares the weights of absent signals among the present ones', () => {
    const result = scoreTarget({ checks: { value: 1, evidence: {} }, diffSize: { value: 0.5, evidence: {} } });
    // Present weights 0.3 and 0.1 sum to 0.4: checks 0.75, diff size 0.25 → 75 + 12.5 = 87.5
    expect(result.score).toBeCloseTo(87.5, 10);
    const checks = result.factors.find((f) => f.signal === 'checks')!;
    expect(checks.weight).toBeCloseTo(0.75, 12);
    expect(result.factors.find((f) => f.signal === 'canary')).toMatchObject({ present: false, weight: 0, value: null, contribution: 0 });
    expect(result.reason).toContain('not yet known: canary analysis, compliance, repository history');
  });

  it('honours custom weights', () => {
    const result = scoreTarget({ checks: { value: 1, evidence: {} }, canary: { value: 0.8, evidence: {} } }, { weights: { checks: 1, canary: 3 } });
    // (1·1 + 3·0.8) / 4 = 0.85
    expect(result.score).toBeCloseTo(85, 10);
  });

  it('gates on a compliance violation', () => {
    const result = scoreTarget({
      checks: { value: 1, evidence: {} },
      compliance: { value: 0.5, evidence: { violations: [{ rule: 'codeowners', message: 'no owner for infra/' }] } },
    });
    expect(result).toMatchObject({ score: 0, gated: true, gate: { signal: 'compliance' } });
    expect(result.reason).toBe('Compliance violation: codeowners: no owner for infra/.');
  });

  it('gates on a required check that this change broke, not on a pre-existing failure', () => {
    const caused = scoreTarget({ checks: { value: 0.5, evidence: { failed: ['build', 'lint'], preExisting: ['lint'] } } });
    expect(caused).toMatchObject({ score: 0, gated: true, gate: { signal: 'checks' } });
    expect(caused.reason).toContain('build');
    expect(caused.reason).not.toContain('lint');

    const preExisting = scoreTarget({ checks: { value: 1, evidence: { failed: ['lint'], preExisting: ['lint'] } } });
    expect(preExisting.gated).toBe(false);
    expect(preExisting.score).toBeCloseTo(100, 10);
  });

  it('gates on checks the step reports as failing because of the change', () => {
    const result = scoreTarget({ checks: { value: 0.5, evidence: { failing: ['test'], preExisting: ['lint'] } } });
    expect(result).toMatchObject({ gated: true, reason: 'Required check failing because of this change: test.' });
  });

  it('measures the diff size on the documented curve when the evidence counts the lines', () => {
    // 300 lines → 0.5 whatever value the step wrote; alone, the signal is the whole score.
    expect(scoreTarget({ diffSize: { value: 0.9, evidence: { lines: 300 } } }).score).toBeCloseTo(50, 10);
    expect(scoreTarget({ diffSize: { value: 0.9, evidence: { changedLines: 100 } } }).score).toBeCloseTo(90, 10);
    expect(scoreTarget({ diffSize: { value: 0.7, evidence: {} } }).score).toBeCloseTo(70, 10);
  });

  it('gates a canary at or below the marginal threshold, from options or from the evidence', () => {
    expect(scoreTarget({ canary: { value: 0.75, evidence: {} } }).gated).toBe(true);
    expect(scoreTarget({ canary: { value: 0.76, evidence: {} } }).gated).toBe(false);
    expect(scoreTarget({ canary: { value: 0.85, evidence: { thresholds: { pass: 95, marginal: 85 } } } }).gated).toBe(true);
    expect(scoreTarget({ canary: { value: 0.85, evidence: {} } }, { marginal: 90 }).reason).toBe(
      'Canary score 85 is at or below the marginal threshold 90.',
    );
  });

  it('scores 0 without signals and says so', () => {
    expect(scoreTarget({})).toMatchObject({ score: 0, gated: false, reason: 'No confidence signals collected yet.' });
  });

  it('rejects a signal outside [0, 1]', () => {
    expect(() => scoreTarget({ checks: { value: 1.5, evidence: {} } })).toThrow();
  });
});

describe('parseTargetSignals', () => {
  it('drops invalid signals and keeps the rest', () => {
    const { signals, invalid } = parseTargetSignals({ checks: { value: 2 }, canary: { value: 0.9 }, other: 1 });
    expect(invalid).toEqual(['checks']);
    expect(signals.canary?.value).toBe(0.9);
    expect(signals.checks).toBeUndefined();
  });

  it('treats a non-object as no signals', () => {
    expect(parseTargetSignals('nonsense')).toEqual({ signals: {}, invalid: [] });
  });
});

describe('diff size and history signals', () => {
  it('follows the documented curve 1 / (1 + (lines / 300)^2)', () => {
    expect(scoreDiffSize(0)).toBe(1);
    expect(scoreDiffSize(100)).toBeCloseTo(0.9, 12); // 1 / (1 + 1/9)
    expect(scoreDiffSize(300)).toBeCloseTo(0.5, 12);
    expect(scoreDiffSize(900)).toBeCloseTo(0.1, 12); // 1 / (1 + 9)
    expect(buildDiffSizeSignal(300).evidence.changedLines).toBe(300);
  });

  it('smooths the history with Laplace', () => {
    expect(buildHistorySignal(0, 0).value).toBe(0.5);
    expect(buildHistorySignal(3, 0).value).toBe(0.8); // 4 / 5
    expect(buildHistorySignal(1, 2).value).toBe(0.4); // 2 / 5
  });
});
