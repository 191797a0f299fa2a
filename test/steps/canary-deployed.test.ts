import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openPrStep } from '../../src/steps/open-pr.js';
import { deployStep } from '../../src/steps/deploy.js';
import { canaryStep, type CanaryEvidence } from '../../src/steps/canary.js';
import type { MetricsProvider, SeriesQuery } from '../../src/metrics/provider.js';
import { createSimulatedProvider } from '../../src/metrics/simulated.js';
import type { StepResult } from '../../src/steps/types.js';
import type { TargetRecord } from '../../src/store/store.js';
import { startHarness, type Harness } from '../github/harness.js';
import { applyResult, makeContext, makeSpec, makeTarget, seedPackageRepo } from './context.js';

/** The canary of a deployed PR head: its window from the deployment's success, production as its baseline, inactive once judged. */

const MINUTE = 60_000;
const spec = makeSpec({
  steps: ['open-pr', 'await-checks', 'deploy', { kind: 'canary', options: { duration: '30m' } }, 'merge', { kind: 'bake', options: { environment: 'live' } }],
  canary: { lookback: '1h', step: '1m', metrics: [{ name: 'http_errors', direction: 'increase' }] },
});

let h: Harness;
let seen: SeriesQuery[];
let provider: MetricsProvider;
beforeEach(async () => {
  h = await startHarness();
  seen = [];
  const simulated = createSimulatedProvider({ seed: 3, truth: () => ({ regresses: false, kind: 'errors' }) });
  provider = {
    fetchSeries(q) {
      seen.push(q);
      return simulated.fetchSeries(q);
    },
  };
});
afterEach(async () => {
  await h.close();
});

/** A repository whose production environment ("live", the bake's) runs its default branch's head. */
async function deployedTarget(): Promise<{ target: TargetRecord; productionSha: string; productionId: number }> {
  const seeded = h.fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'package.json': '{\n  "name": "api",\n  "dependencies": {\n    "lodash": "^4.17.15"\n  }\n}\n' }, ci: { checks: ['ci/test'], outcome: 'pass', durationMs: 60_000 } });
  const production = await h.github.createDeployment({ repo: 'acme/api', ref: seeded.headSha, environment: 'live', description: 'CD', requiredContexts: [], payload: {}, transient: false, production: true });
  await h.github.createDeploymentStatus('acme/api', production.id, { state: 'success', description: 'live' });
  h.fake.state.advance(MINUTE);
  const opened = makeTarget('acme/api');
  const target = applyResult(opened, await openPrStep.run(makeContext({ kind: 'open-pr', spec, target: opened, deps: { github: h.github }, now: h.now() })));
  const started = await deployStep.run(makeContext({ kind: 'deploy', spec, target, deps: { github: h.github }, now: h.now() }));
  h.fake.state.advance(5 * MINUTE);
  await h.github.createDeploymentStatus('acme/api', started.patch!.deployment!.deploymentId!, { state: 'success', description: 'ready', environmentUrl: 'https://canary.api.example/' });
  const done = await deployStep.run(makeContext({ kind: 'deploy', spec, target, deps: { github: h.github }, now: h.now(), state: started.data }));
  return { target: applyResult(target, done), productionSha: seeded.headSha, productionId: production.id };
}

async function canary(target: TargetRecord, state: Record<string, unknown> = {}): Promise<StepResult> {
  return canaryStep.run({ ...makeContext({ kind: 'canary', spec, target, deps: { github: h.github }, now: h.now(), state, options: { duration: '30m' } }), deps: { github: h.github, metrics: { prometheus: provider } } });
}

describe('a canary Fleet deployed', () => {
  test('runs from the moment its deployment succeeded, is compared with production, and is marked inactive once judged', async () => {
    const { target, productionSha, productionId } = await deployedTarget();
    const readyAt = target.deployment!.readyAt!;
    expect(target.deployment).toMatchObject({ state: 'success', environment: 'canary' });
    // The step starts later than the deployment was ready: the window still starts at readyAt.
    h.fake.state.advance(10 * MINUTE);
    const waiting = await canary(target);
    expect(waiting).toMatchObject({ kind: 'wait', until: readyAt + 30 * MINUTE, data: { startedAt: readyAt } });
    h.fake.state.advance(30 * MINUTE);
    const judged = await canary(target, waiting.kind === 'wait' ? waiting.data : {});
    expect(judged.kind).toBe('done');
    const canaryQuery = seen.find((q) => q.track === 'canary')!;
    const baselineQuery = seen.find((q) => q.track === 'baseline')!;
    expect(canaryQuery).toMatchObject({ sha: target.headSha, environment: 'canary', deployment: String(target.deployment!.deploymentId), start: readyAt, end: readyAt + 30 * MINUTE, baselineSha: productionSha });
    expect(baselineQuery).toMatchObject({ sha: productionSha, environment: 'live', deployment: String(productionId), start: readyAt, end: readyAt + 30 * MINUTE });
    const evidence = (judged.patch!.signals!.canary as { evidence: CanaryEvidence }).evidence;
    expect(evidence).toMatchObject({ deployedByFleet: true, tracks: { canary: { sha: target.headSha, environment: 'canary', environmentUrl: 'https://canary.api.example/' }, baseline: { sha: productionSha, environment: 'live' } } });
    expect(judged.patch!.deployment).toMatchObject({ state: 'inactive', deploymentId: target.deployment!.deploymentId });
    expect(judged.events?.map((e) => e.kind)).toEqual(['canary.judged', 'deploy.deactivated']);
    const canaryDeployment = h.fake.state.deployments().find((d) => d.id === target.deployment!.deploymentId)!;
    expect(canaryDeployment.statuses.at(-1)).toMatchObject({ state: 'inactive' });
    // Production's own deployment is left alone.
    expect(h.fake.state.deployments().find((d) => d.id === productionId)!.statuses.at(-1)).toMatchObject({ state: 'success' });
  });

  test('a deactivation GitHub refuses is an event, never the canary failing', async () => {
    const { target } = await deployedTarget();
    h.fake.state.advance(31 * MINUTE);
    const gone = { ...target, deployment: { ...target.deployment!, deploymentId: 999_999 } };
    const judged = await canary(gone, { startedAt: target.deployment!.readyAt });
    expect(judged.kind).toBe('done');
    expect(judged.patch!.deployment).toBeUndefined();
    expect(judged.events?.[1]?.data).toMatchObject({ deploymentId: 999_999, reason: expect.stringContaining('999999') as unknown });
    expect(judged.events?.map((e) => e.kind)).toEqual(['canary.judged', 'deploy.deactivate-failed']);
  });

  test('without a deployment of its head, both tracks query the PR head and the evidence says Fleet did not deploy it', async () => {
    seedPackageRepo(h, 'web');
    const opened = makeTarget('acme/web');
    const target = applyResult(opened, await openPrStep.run(makeContext({ kind: 'open-pr', spec, target: opened, deps: { github: h.github }, now: h.now() })));
    const started = h.now();
    await canary(target);
    h.fake.state.advance(31 * MINUTE);
    const judged = await canary(target, { startedAt: started });
    expect(seen.every((q) => q.sha === target.headSha && q.environment === null && q.start === started)).toBe(true);
    const evidence = (judged.patch!.signals!.canary as { evidence: CanaryEvidence }).evidence;
    expect(evidence.deployedByFleet).toBe(false);
    expect(judged.events?.[0]?.data?.note).toMatch(/not deployed by Fleet/);
  });
});
