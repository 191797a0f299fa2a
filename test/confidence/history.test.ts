import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPooledPrior, decideWave, describeHistory } from '../../src/confidence/decide-wave.js';
import { learnPrior, readRepoHistory, recordCampaignEnd, recordCampaignHistory, recordOutcome } from '../../src/confidence/history.js';
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

describe('the prior pooled by what changed', () => {
  const lodash = { key: 'dependency:npm:lodash@4', label: 'lodash 4.x bumps' };

  it.each([
    // kind (all outcomes, the change's included), change's own → a0, b0, change weight, others' weight
    ['no own history: the kind, as before', { successes: 90, failures: 0, campaigns: 9 }, { successes: 0, failures: 0, campaigns: 0 }, 9, 1, 0, 8],
    ['a little own history: all of it, the kind fills the rest', { successes: 91, failures: 1, campaigns: 10 }, { successes: 1, failures: 1, campaigns: 1 }, 1 + 1 + 6, 1 + 1, 2, 6],
    ['much own history: 6 of the 8, the kind the last 2', { successes: 120, failures: 20, campaigns: 12 }, { successes: 20, failures: 20, campaigns: 4 }, 1 + 3 + 2, 1 + 3, 6, 2],
    ['only own history: all the room', { successes: 40, failures: 0, campaigns: 2 }, { successes: 40, failures: 0, campaigns: 2 }, 9, 1, 8, 0],
  ])('%s', (_, kind, change, a0, b0, weight, othersWeight) => {
    const prior = buildPooledPrior(kind, { ...lodash, ...change });
    expect(prior.a0).toBeCloseTo(a0, 10);
    expect(prior.b0).toBeCloseTo(b0, 10);
    expect(prior.a0 + prior.b0).toBeLessThanOrEqual(10 + 1e-9);
    expect(prior.change?.weight ?? 0).toBeCloseTo(weight, 10);
    expect(prior.change?.othersWeight ?? othersWeight).toBeCloseTo(othersWeight, 10);
  });

  it('says which history it used', () => {
    expect(describeHistory(buildPooledPrior({ successes: 22, failures: 2, campaigns: 3 }, { ...lodash, successes: 2, failures: 2, campaigns: 1 }))).toBe(
      'past lodash 4.x bumps (1 campaign) saw 2 of 4 targets succeed; other campaigns of this change kind saw 20 of 20 targets succeed and count for less',
    );
    expect(describeHistory(buildPooledPrior({ successes: 20, failures: 0, campaigns: 2 }, { ...lodash, successes: 0, failures: 0, campaigns: 0 }))).toBe('2 past campaigns of this change kind saw 20 of 20 targets succeed');
  });
});

describe('a campaign recorded as it stands', () => {
  const change = { key: 'dependency:npm:lodash@4', label: 'lodash 4.x bumps' };
  const campaign = (id: string) => store.campaigns.insert({ id, name: 'bump-lodash', specJson: '{}', specSource: 'test', changeKind: 'npm-dependency', owner: 'UOWNER1', channel: 'CCHAN1', state: 'running', waveCount: 1, now: 1 });
  const record = (id: string, outcomes: [number, string, boolean][], now = 2) =>
    recordCampaignHistory(store, { campaignId: id, changeKind: 'npm-dependency', change, outcomes: outcomes.map(([targetId, repo, succeeded]) => ({ targetId, repo, succeeded })), now });
  const counts = (key: string) => store.history.get('kind', key, 'npm-dependency');

  it('replaces what it recorded before: unchanged outcomes stay, changed ones move, vanished ones are taken back', () => {
    campaign('c-1');
    expect(record('c-1', [[1, 'acme/a', true], [2, 'acme/b', false], [3, 'acme/c', true]])).toEqual({ added: 3, changed: 0, removed: 0 });
    expect(record('c-1', [[1, 'acme/a', true], [2, 'acme/b', false], [3, 'acme/c', true]])).toEqual({ added: 0, changed: 0, removed: 0 });
    expect(counts('*')).toMatchObject({ successes: 2, failures: 1, campaigns: 1 });
    // Resumed: acme/b was retried and is under way again (no outcome), acme/c failed in bake, acme/d is new.
    expect(record('c-1', [[1, 'acme/a', true], [3, 'acme/c', false], [4, 'acme/d', true]])).toEqual({ added: 1, changed: 1, removed: 1 });
    expect(counts('*')).toMatchObject({ successes: 2, failures: 1, campaigns: 1 });
    expect(counts(change.key)).toMatchObject({ successes: 2, failures: 1, campaigns: 1 });
    expect(store.history.get('repo', 'acme/b', 'npm-dependency')).toMatchObject({ successes: 0, failures: 0 });
    expect(store.history.get('repo', 'acme/c', 'npm-dependency')).toMatchObject({ successes: 0, failures: 1 });
    // Nothing left (every outcome withdrawn): no longer a past campaign.
    record('c-1', []);
    expect(counts('*')).toMatchObject({ successes: 0, failures: 0, campaigns: 0 });
  });

  it("leaves a campaign's own outcomes out of the prior its own gates learn from", () => {
    campaign('c-1');
    campaign('c-2');
    record('c-1', [[1, 'acme/a', true], [2, 'acme/b', false]]);
    record('c-2', [[3, 'acme/a', true], [4, 'acme/b', true], [5, 'acme/c', true]]);
    expect(learnPrior(store, { changeKind: 'npm-dependency', change })).toMatchObject({ successes: 4, failures: 1, campaigns: 2 });
    const ownLeftOut = learnPrior(store, { changeKind: 'npm-dependency', change, excludeCampaign: 'c-1' });
    expect(ownLeftOut).toMatchObject({ a0: 4, b0: 1, successes: 3, failures: 0, campaigns: 1, change: { successes: 3, failures: 0, campaigns: 1 } });
  });
});
