import { CampaignSpec, resolveSteps } from '../../src/domain/spec.js';
import type { CampaignRecord, TargetRecord } from '../../src/store/store.js';
import type { StepContext, StepResult, TargetFacts } from '../../src/steps/types.js';
import type { GitHubStepDeps } from '../../src/github/gateway.js';
import { STEP_OPTIONS, type StepKind } from '../../src/domain/step-options.js';
import type { SeedRepoInput } from '../../src/sandbox/github/server.js';
import type { Harness } from '../github/harness.js';

/** The package.json the steps' test repositories start from: lodash below the campaign's version. */
export const PACKAGE_JSON = '{\n  "name": "api",\n  "dependencies": {\n    "lodash": "^4.17.15"\n  }\n}\n';

/**
 * Seeds `acme/<name>` in the harness's fake: PACKAGE_JSON and a source file, CI that runs `ci/test`
 * and passes in a minute; `input` replaces any of it (files, protection, rulesets, CI).
 *
 * @example seedPackageRepo(h, 'api', { protection: { requiredChecks: ['ci/test'] } }) // 'acme/api'
 */
export function seedPackageRepo(h: Harness, name: string, input: Partial<SeedRepoInput> = {}): string {
  h.fake.state.seedRepo({ owner: 'acme', name, files: { 'package.json': PACKAGE_JSON, 'src/index.ts': 'export {};\n' }, ci: { checks: ['ci/test'], outcome: 'pass', durationMs: 60_000 }, ...input });
  return `acme/${name}`;
}

export function makeSpec(overrides: Record<string, unknown> = {}): CampaignSpec {
  return CampaignSpec.parse({
    name: 'bump-lodash',
    description: 'Moves every service to the patched lodash.',
    owner: 'U0OWNER1',
    channel: 'C0CHAN01',
    targets: { repos: ['acme/api'] },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } },
    pr: { title: 'Bump lodash in {{repo}}', body: '{{description}} (campaign {{campaign}})', labels: ['fleet', 'dependencies'] },
    steps: ['open-pr', 'await-checks', 'compliance', 'merge'],
    ...overrides,
  });
}

export function makeCampaign(spec: CampaignSpec, id = 'c-1'): CampaignRecord {
  return {
    id,
    name: spec.name,
    specJson: JSON.stringify(spec),
    specSource: 'test',
    changeKind: spec.change.kind,
    owner: spec.owner,
    launchedBy: spec.owner,
    channel: spec.channel,
    rootTs: null,
    state: 'running',
    stateReason: '',
    currentWave: 0,
    waveCount: 1,
    version: 1,
    createdAt: 0,
    updatedAt: 0,
  };
}

export function makeTarget(repo: string, facts: Partial<TargetRecord> = {}): TargetRecord {
  return {
    id: 1,
    campaignId: 'c-1',
    repo,
    wave: 0,
    state: 'running',
    stateReason: '',
    stepIndex: 0,
    dueAt: 0,
    attempts: 0,
    prNumber: null,
    prUrl: null,
    branch: null,
    headSha: null,
    mergedSha: null,
    deployment: null,
    score: null,
    signals: {},
    risk: {},
    version: 1,
    createdAt: 0,
    updatedAt: 0,
    ...facts,
  };
}

/** What the engine does with a result: keep the step's data, apply the patch to the target. */
export function applyResult(target: TargetRecord, result: StepResult): TargetRecord {
  const patch: TargetFacts = result.patch ?? {};
  const { signals, ...facts } = patch;
  return { ...target, ...facts, signals: { ...target.signals, ...(signals ?? {}) } };
}

export function makeContext<K extends StepKind>(input: {
  kind: K;
  spec: CampaignSpec;
  target: TargetRecord;
  deps: GitHubStepDeps;
  now: number;
  state?: Record<string, unknown>;
  options?: Record<string, unknown>;
}): StepContext<never, GitHubStepDeps> {
  const options = STEP_OPTIONS[input.kind].parse(input.options ?? {});
  const steps = resolveSteps(input.spec);
  return {
    campaign: makeCampaign(input.spec),
    spec: input.spec,
    target: input.target,
    step: steps.find((s) => s.kind === input.kind) ?? { kind: input.kind, options },
    stepIndex: 0,
    options: options as never,
    state: input.state ?? {},
    deps: input.deps,
    now: input.now,
  };
}
