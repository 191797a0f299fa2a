import { afterEach, describe, expect, test } from 'vitest';
import { hasEffect, moveCampaign } from '../../src/engine/move-campaign.js';
import { openTempStore, type TempStore } from '../../src/store/temp-store.js';
import { newCampaign } from '../store/helpers.js';

let temp: TempStore | undefined;
afterEach(() => {
  temp?.close();
  temp = undefined;
});

function open() {
  temp = openTempStore('move-campaign');
  return temp.store;
}

describe('moveCampaign', () => {
  test('takes the next state from the machine and returns its effects', () => {
    const store = open();
    const draft = newCampaign(store);
    const running = store.campaigns.update(draft.id, draft.version, { state: 'running' }, 2000)!;
    const moved = moveCampaign(store, running, { type: 'gate-review' }, 'wave 1 needs approval', 3000);
    expect(moved?.campaign.state).toBe('awaiting-approval');
    expect(moved?.campaign.stateReason).toBe('wave 1 needs approval');
    expect(hasEffect(moved!.effects, 'open-gate')).toBe(true);
    expect(hasEffect(moved!.effects, 'cancel-gate')).toBe(false);
    const halted = moveCampaign(store, moved!.campaign, { type: 'halt', reason: 'budget' }, 'budget', 4000);
    expect(halted?.campaign.state).toBe('halted');
    expect(hasEffect(halted!.effects, 'cancel-gate')).toBe(true);
  });

  test('an event the machine refuses changes nothing', () => {
    const store = open();
    const draft = newCampaign(store);
    const completed = store.campaigns.update(draft.id, draft.version, { state: 'completed' }, 2000)!;
    expect(moveCampaign(store, completed, { type: 'halt', reason: 'late' }, 'late', 3000)).toBeUndefined();
    expect(store.campaigns.get(draft.id)).toEqual(completed);
  });

  test('a campaign another writer changed first is left to that writer', () => {
    const store = open();
    const draft = newCampaign(store);
    const running = store.campaigns.update(draft.id, draft.version, { state: 'running' }, 2000)!;
    const paused = store.campaigns.update(running.id, running.version, { state: 'paused', stateReason: 'by a person' }, 2500)!;
    expect(moveCampaign(store, running, { type: 'all-targets-final' }, '', 3000)).toBeUndefined();
    expect(store.campaigns.get(draft.id)).toEqual(paused);
  });

  test('a finished rollback halts the campaign, as the wave pass always did', () => {
    const store = open();
    const draft = newCampaign(store);
    const rolling = store.campaigns.update(draft.id, draft.version, { state: 'rolling-back' }, 2000)!;
    expect(moveCampaign(store, rolling, { type: 'rollback-done' }, '1 of 1 merged changes reverted', 3000)?.campaign.state).toBe('halted');
  });
});
