import { createCampaignService } from '../campaigns/service.js';
import type { ConfidenceModel } from '../engine/confidence-model.js';
import { buildRootPost } from '../engine/notifications.js';
import { runTick } from '../engine/tick.js';
import type { Gateway } from '../github/gateway.js';
import { startFakeSlack } from '../sandbox/slack/server.js';
import { createOutboxClient, deliverOutbox } from '../slack/deliver-outbox.js';
import { createStepRegistry, type RegisteredStep } from '../steps/registry.js';
import type { Store } from '../store/store.js';
import { BENCH_APPROVER, BENCH_CHANNEL, BENCH_EPOCH, BENCH_OWNER, makeBenchSpec, openBenchStore } from './sandbox.js';

export interface SlackCallsResult {
  targets: number;
  /** Every Web API call the delivery made. */
  calls: number;
  posts: number;
  updates: number;
  rateLimited: number;
  byMethod: Record<string, number>;
  finalState: string;
  engineRounds: number;
}

const TOKEN = 'xoxb-bench-slack';

/**
 * The Slack traffic of one campaign: the real engine tick and the real outbox delivery drain a
 * campaign of `targets` repositories into the fake Slack (which enforces one post per second per
 * channel). The repository steps are scripted (1% fail, which posts needs-attention and failure
 * notices) because only the messages are measured here; wave 1 asks for an approval, which the
 * owner gives once the request is in Slack.
 */
export async function measureSlackCalls(options: { targets: number }): Promise<SlackCallsResult> {
  let clock = BENCH_EPOCH;
  const now = () => clock;
  const bench = openBenchStore('slack');
  const slack = await startFakeSlack({ signingSecret: 'bench', botToken: TOKEN, now });
  slack.setFaults({ methodLimits: { 'chat.postMessage': { perSecond: 1, perChannel: true } } });
  try {
    const store = bench.store;
    const failing = (repo: string) => Number(repo.slice(-5)) % 100 === 7;
    const steps: RegisteredStep<{ store: Store }>[] = [
      {
        kind: 'open-pr',
        run: async (ctx) =>
          failing(ctx.target.repo) ? { kind: 'failed', reason: 'the change does not apply', retryable: false } : { kind: 'done', patch: { prNumber: 1, prUrl: `https://github.example/${ctx.target.repo}/pull/1`, signals: { score: 96 } } },
      },
      { kind: 'await-checks', run: async () => ({ kind: 'done' }) },
      { kind: 'merge', run: async () => ({ kind: 'done', patch: { mergedSha: 'abc' } }) },
    ];
    const confidence: ConfidenceModel = {
      scoreTarget: (signals) => (typeof signals.score === 'number' ? signals.score : null),
      repoHistory: () => null,
      decideWave: (e) => ({ decision: e.wave === 0 ? 'review' : 'auto', confidence: e.wave === 0 ? 80 : 95, reason: 'scripted', explanation: { successes: e.successes, failures: e.failures } }),
      recordOutcome: () => undefined,
    };
    const repos = Array.from({ length: options.targets }, (_, i) => `acme/svc-${String(i).padStart(5, '0')}`);
    // Waves of 3, then up to 10%, 50% and 100% (the example specs' shape); bounds never go backwards on a small fleet.
    const b1 = Math.min(3, repos.length);
    const b2 = Math.max(b1, Math.round(repos.length * 0.1));
    const b3 = Math.max(b2, Math.round(repos.length * 0.5));
    const waves = [repos.slice(0, b1), repos.slice(b1, b2), repos.slice(b2, b3), repos.slice(b3)].filter((w) => w.length > 0);
    const spec = makeBenchSpec({ repos: repos.slice(0, 1), steps: ['open-pr', 'await-checks', 'merge'], waves: ['100%'], policy: { failureBudget: '5%' } });
    store.transaction(() => {
      const campaign = store.campaigns.insert({ id: 'c-slack', name: spec.name, specJson: JSON.stringify(spec), specSource: 'bench', changeKind: 'npm-dependency', owner: BENCH_OWNER, channel: BENCH_CHANNEL, state: 'running', waveCount: waves.length, now: clock });
      store.targets.insertMany('c-slack', waves.flatMap((list, wave) => list.map((repo) => ({ repo, wave }))), clock);
      store.outbox.enqueue(buildRootPost(campaign, clock));
    });
    // The approval touches no repository: a GitHub call here is a bug in the bench.
    const gateway = new Proxy({} as Gateway, {
      get(_, name) {
        if (name === 'then') return undefined;
        return () => {
          throw new Error(`unexpected GitHub call ${String(name)}`);
        };
      },
    });
    const service = createCampaignService({ store, catalog: { list: async () => [], load: async () => ({ spec, source: 'bench' }) }, gateway, admins: [], launchers: { users: [], groups: [] }, resolveGroupMembers: async () => [], now, wake: () => undefined });
    const client = createOutboxClient(TOKEN, slack.apiUrl);
    const sleep = async (ms: number) => {
      clock += ms;
    };
    let rounds = 0;
    for (; rounds < 400; rounds++) {
      clock += 30_000;
      await runTick({ store, registry: createStepRegistry(steps), deps: { store }, now, limits: { maxTargets: 250, concurrency: 8, stepTimeoutMs: 5_000 }, confidence });
      await deliverOutbox({ store, client, now, sleep });
      const open = store.gates.list('c-slack').find((g) => g.state === 'open');
      if (open && store.campaigns.get('c-slack')!.rootTs) await service.approve('c-slack', BENCH_APPROVER, open.id);
      const state = store.campaigns.get('c-slack')!.state;
      if ((state === 'completed' || state === 'halted') && store.outbox.pendingCount() === 0) break;
    }
    const stats = slack.stats();
    return {
      targets: options.targets,
      calls: Object.values(stats.calls).reduce((a, b) => a + b, 0),
      posts: stats.posts,
      updates: stats.updates,
      rateLimited: stats.rateLimited,
      byMethod: stats.calls,
      finalState: store.campaigns.get('c-slack')!.state,
      engineRounds: rounds + 1,
    };
  } finally {
    await slack.close();
    bench.close();
  }
}
