import { describe, expect, it } from 'vitest';
import { newCampaign, useTempStore } from './helpers.js';

const temp = useTempStore('store-targets');

describe('targets', () => {
  it('finds due targets only in running campaigns and reached waves', () => {
    const c = newCampaign(temp.store);
    temp.store.targets.insertMany(c.id, [{ repo: 'a/one', wave: 0 }, { repo: 'a/two', wave: 1 }], 1000);
    expect(temp.store.targets.due(5000, 10)).toHaveLength(0);
    temp.store.campaigns.update(c.id, c.version, { state: 'running' }, 1000);
    expect(temp.store.targets.due(5000, 10).map((t) => t.repo)).toEqual(['a/one']);
    const counts = temp.store.targets.counts(c.id);
    expect(counts.pending).toBe(2);
  });

  it('reads one state of a campaign without the others', () => {
    const c = newCampaign(temp.store);
    const other = temp.store.campaigns.insert({ id: 'c-other', name: 'x', specJson: '{}', specSource: 't', changeKind: 'json-set', owner: 'U1', channel: 'C1', state: 'running', waveCount: 2, now: 1 });
    temp.store.targets.insertMany(c.id, [{ repo: 'a/one', wave: 1 }, { repo: 'a/two', wave: 0 }, { repo: 'a/three', wave: 0 }], 1000);
    temp.store.targets.insertMany(other.id, [{ repo: 'a/one', wave: 0 }], 1000);
    for (const t of [temp.store.targets.findByRepo(c.id, 'a/one')!, temp.store.targets.findByRepo(c.id, 'a/three')!, temp.store.targets.findByRepo(other.id, 'a/one')!]) {
      temp.store.targets.update(t.id, t.version, { state: 'needs-attention', stateReason: 'why' }, 2000);
    }
    expect(temp.store.targets.inState(c.id, 'needs-attention').map((t) => t.repo)).toEqual(['a/three', 'a/one']);
    expect(temp.store.targets.inState(c.id, 'pending').map((t) => t.repo)).toEqual(['a/two']);
  });

  it('rejects a duplicate repository in one campaign', () => {
    const c = newCampaign(temp.store);
    expect(() => temp.store.targets.insertMany(c.id, [{ repo: 'a/one', wave: 0 }, { repo: 'a/one', wave: 1 }], 1)).toThrow(/UNIQUE/);
  });
});

describe('waking a target', () => {
  it('makes a waiting target due without taking its version, and leaves a running one alone', () => {
    const c = newCampaign(temp.store);
    temp.store.targets.insertMany(c.id, [{ repo: 'a/one', wave: 0 }, { repo: 'a/two', wave: 0 }], 1000);
    const waiting = temp.store.targets.findByRepo(c.id, 'a/one')!;
    const w = temp.store.targets.update(waiting.id, waiting.version, { state: 'waiting', dueAt: 9_000 }, 1000)!;
    const running = temp.store.targets.findByRepo(c.id, 'a/two')!;
    const r = temp.store.targets.update(running.id, running.version, { state: 'running', dueAt: 9_000 }, 1000)!;
    expect(temp.store.targets.wake(w.id, 2_000)).toBe(true);
    expect(temp.store.targets.wake(r.id, 2_000)).toBe(false);
    const woken = temp.store.targets.get(w.id)!;
    expect(woken).toMatchObject({ dueAt: 2_000, version: w.version });
    // the tick that read the target before the wake still wins its optimistic update
    expect(temp.store.targets.update(w.id, w.version, { state: 'succeeded' }, 3_000)?.state).toBe('succeeded');
    expect(temp.store.targets.get(r.id)?.dueAt).toBe(9_000);
  });
});

describe('releasing leases at start', () => {
  it('makes leased targets due now and takes their version, and leaves waiting ones alone', () => {
    const c = newCampaign(temp.store);
    temp.store.targets.insertMany(c.id, [{ repo: 'a/leased', wave: 0 }, { repo: 'a/waiting', wave: 0 }, { repo: 'a/due', wave: 0 }], 1000);
    const lease = (repo: string, state: 'running' | 'waiting', dueAt: number) => {
      const t = temp.store.targets.findByRepo(c.id, repo)!;
      return temp.store.targets.update(t.id, t.version, { state, dueAt }, 1000)!;
    };
    const leased = lease('a/leased', 'running', 120_000);
    const waiting = lease('a/waiting', 'waiting', 120_000);
    const due = lease('a/due', 'running', 1_500);
    expect(temp.store.targets.releaseLeases(2_000)).toEqual([{ id: leased.id, campaignId: c.id, repo: 'a/leased' }]);
    expect(temp.store.targets.get(leased.id)).toMatchObject({ state: 'running', dueAt: 2_000, version: leased.version + 1 });
    // a worker of the dead process that still held the old version cannot write its result
    expect(temp.store.targets.update(leased.id, leased.version, { state: 'succeeded' }, 3_000)).toBeUndefined();
    expect(temp.store.targets.get(waiting.id)).toMatchObject({ dueAt: 120_000, version: waiting.version });
    expect(temp.store.targets.get(due.id)).toMatchObject({ dueAt: 1_500, version: due.version });
  });
});

describe('step state', () => {
  it('counts the runs of a step, keeps when it first started and records when it finished', () => {
    const c = newCampaign(temp.store);
    temp.store.targets.insertMany(c.id, [{ repo: 'a/one', wave: 0 }], 1000);
    const target = temp.store.targets.findByRepo(c.id, 'a/one')!;
    temp.store.steps.save({ targetId: target.id, stepIndex: 0, kind: 'open-pr', status: 'waiting', data: { pr: 7 }, now: 2_000 });
    expect(temp.store.steps.get(target.id, 0)).toMatchObject({ status: 'waiting', data: { pr: 7 }, reason: '', runs: 1, startedAt: 2_000, finishedAt: null });
    temp.store.steps.save({ targetId: target.id, stepIndex: 0, kind: 'open-pr', status: 'done', data: { pr: 7, merged: false }, reason: 'opened', now: 3_000, finished: true });
    temp.store.steps.save({ targetId: target.id, stepIndex: 1, kind: 'await-checks', status: 'running', data: {}, now: 3_000 });
    expect(temp.store.steps.get(target.id, 0)).toMatchObject({ status: 'done', data: { pr: 7, merged: false }, reason: 'opened', runs: 2, startedAt: 2_000, finishedAt: 3_000 });
    expect(temp.store.steps.list(target.id).map((s) => s.kind)).toEqual(['open-pr', 'await-checks']);
    expect(temp.store.steps.get(target.id, 2)).toBeUndefined();
  });
});
