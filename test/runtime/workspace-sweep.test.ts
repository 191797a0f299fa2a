import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { workspaceKey } from '../../src/github/step-support.js';
import { sweepWorkspaces } from '../../src/runtime/advance-job.js';
import { openTempStore, type TempStore } from '../../src/store/temp-store.js';
import { createWorkspacePool } from '../../src/workspace/workspaces.js';
import { startHarness, type Harness } from '../github/harness.js';

/** The advance job's sweep: a finished target's checkout goes, however it ended; one in flight stays. */
describe('sweepWorkspaces', () => {
  let h: Harness;
  let t: TempStore;
  let root: string;
  beforeEach(async () => {
    h = await startHarness();
    t = openTempStore('sweep');
    root = mkdtempSync(join(tmpdir(), 'fleet-sweep-'));
    for (const name of ['a', 'b']) h.fake.state.seedRepo({ owner: 'acme', name, files: { 'README.md': `# ${name}\n` } });
  });
  afterEach(async () => {
    await h.close();
    t.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('keeps the folders of targets in flight and removes those of finished ones', async () => {
    const now = Date.UTC(2026, 0, 5, 9);
    t.store.campaigns.insert({ id: 'c-1', name: 'x', specJson: '{}', specSource: 'test', changeKind: 'run', owner: 'U1', channel: 'C1', state: 'running', waveCount: 1, now });
    t.store.targets.insertMany('c-1', [{ repo: 'acme/a', wave: 0 }, { repo: 'acme/b', wave: 0 }], now);
    const pool = createWorkspacePool({ root, max: 2, maxMb: 100 });
    const dirs: Record<string, string> = {};
    for (const repo of ['acme/a', 'acme/b']) {
      const ws = await pool.acquire({ key: workspaceKey('c-1', repo), remote: h.github.gitRemote(repo), sha: (await h.github.getBranchSha(repo, 'main'))!, branch: 'main' });
      dirs[repo] = ws.dir;
      await ws.release();
    }
    const b = t.store.targets.findByRepo('c-1', 'acme/b')!;
    t.store.targets.update(b.id, b.version, { state: 'skipped' }, now);

    await sweepWorkspaces(t.store, pool);
    expect(existsSync(dirs['acme/a'])).toBe(true);
    expect(existsSync(dirs['acme/b'])).toBe(false);
    expect(t.store.targets.unfinished()).toEqual([{ campaignId: 'c-1', repo: 'acme/a' }]);
  });
});
