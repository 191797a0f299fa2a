import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { openTempStore, type TempStore } from '../../src/store/temp-store.js';

let temp: TempStore;
let store: Store;

beforeEach(() => {
  temp = openTempStore('store-outbox');
  store = temp.store;
});
afterEach(() => {
  temp.close();
});

describe('outbox', () => {
  it('coalesces pending updates with the same key and keeps order', () => {
    store.outbox.enqueue({ channel: 'C1', method: 'chat.postMessage', payload: { text: 'a' }, now: 1 });
    store.outbox.enqueue({ channel: 'C1', method: 'chat.update', payload: { text: 'v1' }, coalesceKey: 'root:c-1', now: 2 });
    store.outbox.enqueue({ channel: 'C1', method: 'chat.update', payload: { text: 'v2' }, coalesceKey: 'root:c-1', now: 3 });
    const ready = store.outbox.ready(10, 10);
    expect(ready.map((m) => m.payload.text)).toEqual(['a', 'v2']);
  });
});
