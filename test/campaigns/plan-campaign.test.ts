import { describe, expect, test } from 'vitest';
import { chooseSample, createCampaignPlanner, defaultedDurations, estimatePreview, PREVIEW_SAMPLE_SIZE } from '../../src/campaigns/plan-campaign.js';
import { CampaignSpec, resolveSteps, type StepDefinition } from '../../src/domain/spec.js';
import type { Gateway } from '../../src/github/gateway.js';

describe('estimatePreview', () => {
  const steps: StepDefinition[] = [
    { kind: 'open-pr', options: {} },
    { kind: 'await-checks', options: { timeout: 5 * 60_000 } },
    { kind: 'bake', options: { duration: 30 * 60_000 } },
  ];

  test('counts the requests per step and per target, and explains the time by waves and pacing', () => {
    const { github, estimate } = estimatePreview({ steps, targets: 10, waveCount: 2, remaining: 4000 });
    // Per target: open-pr 11 + await-checks 5 + bake 0 (each reads the branch rules and classic protection), plus 3 CI health reads; one discovery read each, plus one.
    expect(github).toEqual({ requests: 201, contentRequests: 30, remaining: 4000 });
    // 2 × (30 min bake + 5 min CI) + 30 / 500 an hour = 70 + 3.6 min.
    expect(estimate.minutes).toBe(74);
    expect(estimate.explanation).toBe(
      "2 waves × about 35 min each (CI up to 5 min, the checks step's timeout; bake 30 min), " +
        'plus 3.6 min of pacing for 30 content-creating requests at 500 an hour; approvals at review gates add to this.',
    );
  });

  test("counts open-pr's labels and a draft's review request only when the spec asks, and no branch delete where GitHub deletes it", () => {
    const path = [{ kind: 'open-pr', options: {} }, { kind: 'merge', options: { deleteBranch: true } }] as const;
    const at = (pr: { labels: boolean; draft: boolean; reviewersFromCodeowners: boolean }, autoDeleting = 0) => estimatePreview({ steps: path, targets: 10, waveCount: 1, remaining: null, pr, autoDeleting }).github.contentRequests;
    // The PR and the merge, each PR; nothing else.
    expect(at({ labels: false, draft: false, reviewersFromCodeowners: true }, 10)).toBe(20);
    expect(at({ labels: true, draft: false, reviewersFromCodeowners: true }, 10)).toBe(30);
    expect(at({ labels: false, draft: true, reviewersFromCodeowners: true }, 10)).toBe(30);
    expect(at({ labels: false, draft: true, reviewersFromCodeowners: false }, 10)).toBe(20);
    // Four of the ten repositories delete head branches themselves: six deletes are Fleet's.
    expect(at({ labels: false, draft: false, reviewersFromCodeowners: true }, 4)).toBe(26);
    expect(estimatePreview({ steps: [path[0], { kind: 'merge', options: { deleteBranch: false } }], targets: 10, waveCount: 1, remaining: null, pr: { labels: false, draft: false, reviewersFromCodeowners: true }, autoDeleting: 0 }).github.contentRequests).toBe(20);
  });

  test('paces by the configured budget, and assumes no CI time without a checks step', () => {
    const { github, estimate } = estimatePreview({ steps: [{ kind: 'merge', options: {} }], targets: 3, waveCount: 1, remaining: null, contentPerHour: 3000 });
    expect(github).toEqual({ requests: 22, contentRequests: 6, remaining: null });
    expect(estimate.minutes).toBe(1);
    expect(estimate.explanation).toBe('1 wave × about 1 s each, plus 7 s of pacing for 6 content-creating requests at 3000 an hour; approvals at review gates add to this.');
  });
});

describe('the preview sample', () => {
  const repos = ['acme/a', 'acme/b', 'acme/c', 'acme/d', 'acme/e'].map((fullName) => ({ fullName, defaultBranch: 'main', archived: false, topics: [], language: 'TypeScript', deleteBranchOnMerge: false }));
  /** package.json per repository: lodash old, already new, absent, or broken. */
  const files: Record<string, string> = {
    'acme/a': '{"dependencies":{"lodash":"^4.17.20"}}',
    'acme/b': '{"dependencies":{"lodash":"^4.17.21"}}',
    'acme/c': '{"dependencies":{"react":"^18.0.0"}}',
    'acme/d': '{"dependencies": {',
    'acme/e': '{"dependencies":{"lodash":"^3.0.0"}}',
  };
  const calls: string[] = [];
  const gateway = {
    async getBranchSha(repo: string) {
      calls.push(`ref ${repo}`);
      return `sha-${repo}`;
    },
    async listTree(repo: string) {
      return [{ path: 'package.json', sha: `blob-${repo}`, type: 'blob', size: files[repo].length }];
    },
    async readFiles(repo: string) {
      return new Map([['package.json', files[repo]]]);
    },
  } as unknown as Gateway;
  const spec = CampaignSpec.parse({
    name: 'bump-lodash',
    owner: 'U0OWNER01',
    channel: 'C0FLEET01',
    targets: { repos: repos.map((r) => r.fullName) },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } },
    pr: { title: 'Bump lodash' },
    steps: ['open-pr', 'await-checks', { kind: 'bake', options: { duration: '20m' } }, 'canary'],
    canary: { metrics: [{ name: 'errors' }] },
  });

  test('chooseSample takes the first wave, then spreads over the later ones, up to the cap', () => {
    const waves = [{ index: 0, repos: ['o/a', 'o/b'] }, { index: 1, repos: ['o/c', 'o/d', 'o/e', 'o/f'] }, { index: 2, repos: ['o/g', 'o/h'] }];
    expect(chooseSample(waves, 4)).toEqual(['o/a', 'o/b', 'o/c', 'o/f']);
    expect(chooseSample(waves, 20)).toEqual(['o/a', 'o/b', 'o/c', 'o/d', 'o/e', 'o/f', 'o/g', 'o/h']);
    expect(chooseSample([{ index: 0, repos: Array.from({ length: 30 }, (_, i) => `o/r${i}`) }])).toHaveLength(PREVIEW_SAMPLE_SIZE);
  });

  test('runs the change on every sampled repository and counts those that need no change and those it fails on', async () => {
    calls.length = 0;
    const planner = createCampaignPlanner({ gateway });
    const sample = await planner.readSample(spec, repos, ['acme/b', 'acme/c', 'acme/a', 'acme/d']);
    expect(sample.sampled).toEqual(['acme/b', 'acme/c', 'acme/a', 'acme/d']);
    expect(sample.noChange).toEqual(['acme/b', 'acme/c']);
    expect(sample.failed).toEqual([{ repo: 'acme/d', reason: expect.stringContaining('package.json in acme/d is not valid JSON') }]);
    // The diff shown is of the first sampled repository that needs the change.
    expect(sample.sampleRepo).toBe('acme/a');
    expect(sample.sampleDiff).toContain('+{"dependencies":{"lodash":"^4.17.21"}}');
    expect(calls.sort()).toEqual(['ref acme/a', 'ref acme/b', 'ref acme/c', 'ref acme/d']);
  });

  test('the estimate uses the measured CI time and names the durations left at their defaults', () => {
    const { estimate } = estimatePreview({ steps: resolveSteps(spec), targets: 5, waveCount: 2, remaining: null, ciMinutes: [4, 6, 30], defaulted: defaultedDurations(spec) });
    expect(defaultedDurations(spec)).toEqual(['canary']);
    // 2 × (6 min CI + 20 min bake + 30 min canary) + pacing of 15 content requests (open-pr 3 each).
    expect(estimate.minutes).toBe(Math.ceil(2 * 56 + (15 / 500) * 60));
    expect(estimate.explanation).toBe(
      "2 waves × about 56 min each (CI about 6 min, the median of 3 repositories' latest runs; bake 20 min; canary 30 min), " +
        'plus 1.8 min of pacing for 15 content-creating requests at 500 an hour; approvals at review gates add to this. ' +
        'Canary 30 min is the default duration; set `duration` on that step in the spec to change it.',
    );
    const assumed = estimatePreview({ steps: resolveSteps(makeShortForm()), targets: 48, waveCount: 4, remaining: null, defaulted: defaultedDurations(makeShortForm()) });
    expect(assumed.estimate.explanation).toContain("CI assumed 10 min, as no repository's recent CI time is known; bake 1 h)");
    expect(assumed.estimate.explanation).toContain('Bake 1 h is the default duration; set `duration` on that step in the spec to change it.');
  });
});

function makeShortForm(): CampaignSpec {
  return CampaignSpec.parse({
    name: 'bump-lodash',
    owner: 'U0OWNER01',
    channel: 'C0FLEET01',
    targets: { org: 'acme' },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } },
    pr: { title: 'Bump lodash' },
    steps: ['open-pr', 'await-checks', 'compliance', 'gate', 'merge', 'bake'],
  });
}

describe('the preview sample over broad globs', () => {
  test('stops reading more repositories once the file budget is spent', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `acme/r${i}`);
    const repos = names.map((fullName) => ({ fullName, defaultBranch: 'main', archived: false, topics: [], language: 'TypeScript', deleteBranchOnMerge: false }));
    const tree = Array.from({ length: 60 }, (_, i) => ({ path: `src/f${i}.ts`, sha: `s${i}`, mode: '100644' }));
    const read: string[] = [];
    const gateway = {
      getBranchSha: async (repo: string) => `sha-${repo}`,
      listTree: async () => tree,
      readFiles: async (repo: string, entries: readonly { path: string }[]) => {
        read.push(repo);
        return new Map(entries.map((e) => [e.path, 'const a = 1;\n']));
      },
    } as unknown as Gateway;
    const spec = CampaignSpec.parse({
      name: 'rename-a',
      owner: 'U0OWNER01',
      channel: 'C0FLEET01',
      targets: { repos: names },
      change: { kind: 'replace', options: { paths: ['src/**/*.ts'], find: 'const a', replace: 'const b' } },
      pr: { title: 'Rename a' },
      steps: ['open-pr'],
    });
    const sample = await createCampaignPlanner({ gateway }).readSample(spec, repos, names);
    // 60 files a repository: the budget of 100 is spent by the second.
    expect(sample.sampled).toHaveLength(2);
    expect(read).toHaveLength(sample.sampled.length);
    expect(sample.noChange).toEqual([]);
  });
});
