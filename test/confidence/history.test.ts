import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideWave } from '../../src/confidence/decide-wave.js';
import { learnPrior, readRepoHistory, recordCampaignEnd, recordOutcome } from '../../src/confidence/history.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { createStore, type Store } from '../../src/store/store.js';

let dir: string;
let db: Db;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-history-'));
  db = openDatabase(join(dir, 'fleet.db'));
  store = createStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const WAVES = [3, 3, 12, 12];

/** Runs one clean campaign of 30 targets through its wave gates; returns the decisions taken. */
function runCleanCampaign(kind: string, n: number): string[] {
  const prior = learnPrior(store, kind);
  const decisions: string[] = [];
  let successes = 0;
  let repo = 0;
  WAVES.forEach((size, wave) => {
    for (let i = 0; i < size; i++) {
      recordOutcome(store, { changeKind: kind, repo: `acme/r${repo++}`, succeeded: true, now: n * 1000 + repo });
      successes++;
    }
    if (wave < WAVES.length - 1) {
      decisions.push(decideWave({ wave, successes, failures: 0, targetScores: Array<number>(size).fill(95), prior, targetCount: 30 }).decision);
    }
  });
  recordCampaignEnd(store, { changeKind: kind, now: n * 1000 });
  return decisions;
}

describe('learned history', () => {
  it('starts from the uniform prior', () => {
    expect(learnPrior(store, 'npm-dependency')).toEqual({ a0: 1, b0: 1, campaigns: 0, successes: 0, failures: 0, capped: false });
  });

  it('records outcomes per repository and per kind', () => {
    recordOutcome(store, { changeKind: 'json-set', repo: 'acme/api', succeeded: true, now: 1 });
    recordOutcome(store, { changeKind: 'json-set', repo: 'acme/api', succeeded: false, now: 2 });
    recordOutcome(store, { changeKind: 'json-set', repo: 'acme/web', succeeded: true, now: 3 });
    recordCampaignEnd(store, { changeKind: 'json-set', now: 4 });
    // (1 + 1) / (2 + 2) = 0.5 for acme/api; the kind saw 2 successes and 1 failure: Beta(3, 2).
    expect(readRepoHistory(store, 'acme/api', 'json-set')).toEqual({ value: 0.5, evidence: { successes: 1, failures: 1 } });
    expect(learnPrior(store, 'json-set')).toEqual({ a0: 3, b0: 2, campaigns: 1, successes: 2, failures: 1, capped: false });
    expect(learnPrior(store, 'yaml-set').campaigns).toBe(0);
  });

  it("makes a team's tenth campaign of a kind need fewer approvals than its first", () => {
    const first = runCleanCampaign('npm-dependency', 1);
    for (let n = 2; n <= 9; n++) runCleanCampaign('npm-dependency', n);
    const tenth = runCleanCampaign('npm-dependency', 10);
    const prior = learnPrior(store, 'npm-dependency');
    expect(prior).toMatchObject({ campaigns: 10, successes: 300, capped: true });
    expect(prior.a0 + prior.b0).toBeCloseTo(10, 10);

    const approvals = (ds: string[]) => ds.filter((d) => d === 'review').length;
    // First: Beta(4,1) → 75.6 review; Beta(7,1) → 83.5 review; Beta(19,1) → 91.8 auto.
    expect(first).toEqual(['review', 'review', 'auto']);
    // Tenth (prior Beta(9,1)): Beta(12,1) → 88.8 review; Beta(15,1) → 90.4 auto; auto.
    expect(tenth).toEqual(['review', 'auto', 'auto']);
    expect(approvals(tenth)).toBeLessThan(approvals(first));
  });

  it('still asks a person when a canary fails in a well-known kind', () => {
    for (let n = 1; n <= 9; n++) runCleanCampaign('npm-dependency', n);
    const prior = learnPrior(store, 'npm-dependency');
    // Beta(9 + 2, 1 + 1) = Beta(11, 2): 10th percentile 0.713; wave mean (95 + 95 + 0) / 3 = 63.3;
    // combined ≈ 67.3 → review. Without history: Beta(3, 2) → 32.0, combined 47.7 → halt.
    const seasoned = decideWave({ wave: 0, successes: 2, failures: 1, targetScores: [95, 95, 0], prior, targetCount: 30 });
    expect(seasoned.confidence).toBeCloseTo(67.3, 1);
    expect(seasoned.decision).toBe('review');
    expect(decideWave({ wave: 0, successes: 2, failures: 1, targetScores: [95, 95, 0], targetCount: 30 }).decision).toBe('halt');
  });

  it('never lets history outvote a failing campaign', () => {
    for (let n = 1; n <= 10; n++) runCleanCampaign('npm-dependency', n);
    const prior = learnPrior(store, 'npm-dependency');
    const d = decideWave({ wave: 0, successes: 1, failures: 2, targetScores: [95, 0, 0], prior, policy: { failureBudget: 10 } });
    expect(d.decision).toBe('halt');
  });
});
