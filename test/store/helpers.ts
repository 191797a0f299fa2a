import { afterEach, beforeEach } from 'vitest';
import type { Db } from '../../src/store/database.js';
import type { CampaignRecord, Store } from '../../src/store/store.js';
import { openTempStore, type TempStore } from '../../src/store/temp-store.js';

/** Inserts the draft campaign the store tests build on. */
export function newCampaign(store: Store, id = 'c-1'): CampaignRecord {
  return store.campaigns.insert({
    id,
    name: 'bump-lodash',
    specJson: '{}',
    specSource: 'test',
    changeKind: 'npm-dependency',
    owner: 'U1',
    channel: 'C1',
    state: 'draft',
    waveCount: 2,
    now: 1000,
  });
}

/** A migrated store in a fresh temporary file for each test of the file, closed and removed after it. */
export function useTempStore(prefix: string): { readonly store: Store; readonly db: Db; readonly file: string } {
  let temp: TempStore | undefined;
  beforeEach(() => {
    temp = openTempStore(prefix);
  });
  afterEach(() => {
    temp?.close();
    temp = undefined;
  });
  const current = (): TempStore => {
    if (!temp) throw new Error('useTempStore: the store exists only inside a test');
    return temp;
  };
  return {
    get store() {
      return current().store;
    },
    get db() {
      return current().db;
    },
    get file() {
      return current().file;
    },
  };
}
