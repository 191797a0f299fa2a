import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createCampaignPlanner } from '../../src/campaigns/plan-campaign.js';
import { CampaignSpec } from '../../src/domain/spec.js';
import type { RepoInfo } from '../../src/github/gateway.js';
import { previewMessage } from '../../src/slack/blocks/preview.js';
import { createWorkspacePool, type WorkspacePool } from '../../src/workspace/workspaces.js';
import { startHarness, type Harness } from '../github/harness.js';

/**
 * `/fleet preview` with workspaces: the sample's change runs in real checkouts cloned from the
 * fake GitHub's git routes, every diff and every failure (with the command's output) is shown,
 * and a time budget stops the sampling and says so.
 */

let h: Harness;
let root: string;
let pool: WorkspacePool;

beforeEach(async () => {
  h = await startHarness();
  root = mkdtempSync(join(tmpdir(), 'fleet-preview-ws-'));
  pool = createWorkspacePool({ root, max: 4, maxMb: 1024 });
  h.fake.state.seedRepo({ owner: 'acme', name: 'a', files: { 'package.json': '{\n  "dependencies": { "lodash": "4.17.15" }\n}\n' } });
  h.fake.state.seedRepo({ owner: 'acme', name: 'b', files: { 'package.json': '{\n  "dependencies": { "lodash": "4.17.21" }\n}\n' } });
  h.fake.state.seedRepo({ owner: 'acme', name: 'c', files: { 'README.md': '# c\n' } });
  h.fake.state.seedRepo({ owner: 'acme', name: 'd', files: { 'package.json': '{\n  "dependencies": { "lodash": "4.17.15", "x": "1" }\n}\n' } });
});
afterEach(async () => {
  await h.close();
  rmSync(root, { recursive: true, force: true });
});

function specWith(commands: unknown[]): CampaignSpec {
  return CampaignSpec.parse({
    name: 'bump-lodash',
    owner: 'U0OWNER01',
    channel: 'C0FLEET01',
    targets: { repos: ['acme/a', 'acme/b', 'acme/c', 'acme/d'] },
    change: { kind: 'run', options: { commands } },
    pr: { title: 'Bump lodash' },
    steps: ['open-pr', 'merge'],
  });
}

const REPOS: RepoInfo[] = ['acme/a', 'acme/b', 'acme/c', 'acme/d'].map((fullName) => ({ fullName, defaultBranch: 'main', archived: false, topics: [], language: null, deleteBranchOnMerge: false }));

describe('the preview in workspaces', () => {
  test("each sampled target's diff or failure, with the failing command's output; the checkouts are removed", async () => {
    const planner = createCampaignPlanner({ gateway: h.github, workspaces: pool });
    const spec = specWith([{ run: 'test -f package.json || { echo "no package.json in this repository"; exit 2; }; sed -i "s/4.17.15/4.17.21/" package.json' }]);
    const sample = await planner.readSample(spec, REPOS, ['acme/a', 'acme/b', 'acme/c', 'acme/d']);
    expect(sample.sampled).toEqual(['acme/a', 'acme/b', 'acme/c', 'acme/d']);
    expect(sample.noChange).toEqual(['acme/b']);
    expect(sample.failed).toEqual([{ repo: 'acme/c', reason: expect.stringContaining('no package.json in this repository') }]);
    expect(sample.diffs.map((d) => d.repo)).toEqual(['acme/a', 'acme/d']);
    for (const d of sample.diffs) expect(d.diff).toContain('+  "dependencies": { "lodash": "4.17.21"');
    expect(sample.stoppedBy).toBeUndefined();
    // Nothing was written to GitHub, and no checkout is left.
    expect(h.fake.requestLog.filter((r) => r.method !== 'GET' && !r.route.endsWith('git-upload-pack'))).toEqual([]);
    expect(readdirSync(root)).toEqual([]);

    const message = previewMessage({ name: 'bump-lodash', targets: 4, sampled: 4, noChange: 1, failed: sample.failed, waves: [{ index: 0, repos: sample.sampled }], sampleRepo: sample.sampleRepo, sampleDiff: sample.sampleDiff, diffs: sample.diffs, github: { requests: 1, contentRequests: 0, remaining: null }, estimate: { minutes: 1, explanation: '' } });
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('Diff for `acme/a`');
    expect(text).toContain('Diff for `acme/d`');
    expect(text).toContain('The change fails on `acme/c`');
    expect(text).toContain('no package.json in this repository');
  });

  test('the time budget stops the sampling and the preview says so', async () => {
    const planner = createCampaignPlanner({ gateway: h.github, workspaces: pool, previewBudgetMs: 300 });
    const spec = specWith([{ run: 'sleep 2; sed -i "s/4.17.15/4.17.21/" package.json' }]);
    const started = Date.now();
    const sample = await planner.readSample(spec, REPOS, ['acme/a', 'acme/b', 'acme/c', 'acme/d']);
    expect(Date.now() - started).toBeLessThan(1900);
    expect(sample.stoppedBy).toMatch(/time budget of 300 ms ran out after 0 of 4/);
    expect(sample.sampled).toEqual([]);
    const message = previewMessage({ name: 'bump-lodash', targets: 4, sampled: 0, noChange: 0, failed: [], waves: [], sampleRepo: null, sampleDiff: '', diffs: [], stoppedBy: sample.stoppedBy, github: { requests: 1, contentRequests: 0, remaining: null }, estimate: { minutes: 1, explanation: '' } });
    expect(JSON.stringify(message.blocks)).toContain('Sampling stopped early');
    // The commands still running finish on their own and their checkouts go then.
    for (let i = 0; i < 100 && readdirSync(root).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(root)).toEqual([]);
  }, 20_000);
});
