import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCampaignService } from '../../src/campaigns/service.js';
import { CampaignSpec } from '../../src/domain/spec.js';
import type { ConfidenceModel } from '../../src/engine/confidence-model.js';
import { buildRootPost } from '../../src/engine/notifications.js';
import { runTick } from '../../src/engine/tick.js';
import type { Gateway } from '../../src/github/gateway.js';
import { startFakeSlack, type FakeSlack } from '../../src/sandbox/slack/server.js';
import { createOutboxClient, deliverOutbox } from '../../src/slack/deliver-outbox.js';
import { createStepRegistry, type RegisteredStep } from '../../src/steps/registry.js';
import { openDatabase } from '../../src/store/database.js';
import { createStore, type Store } from '../../src/store/store.js';

/**
 * How many Slack calls a 1,000-repository campaign makes: the real engine tick and the real
 * delivery drive scripted steps (1% of targets fail) against the fake Slack, which enforces one
 * post per second per channel. The design's promise: tens of posts, not thousands.
 */

const TOKEN = 'xoxb-traffic';
const CHANNEL = 'C0FLEET001';
const OWNER = 'U0OWNER01';
const TARGETS = 1000;

let dir: string;
let store: Store;
let slack: FakeSlack;
let clock = Date.UTC(2026, 0, 5, 9, 0, 0);
const now = () => clock;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-traffic-'));
  store = createStore(openDatabase(join(dir, 'fleet.db')));
  slack = await startFakeSlack({ signingSecret: 'traffic', botToken: TOKEN, now });
  slack.setFaults({ methodLimits: { 'chat.postMessage': { perSecond: 1, perChannel: true } } });
});

afterAll(async () => {
  await slack?.close();
  store?.db.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Deps {
  store: Store;
}

const failing = (repo: string) => Number(repo.slice(-4)) % 100 === 7;
const steps: RegisteredStep<Deps>[] = [
  {
    kind: 'open-pr',
    async run(ctx) {
      if (failing(ctx.target.repo)) return { kind: 'failed', reason: 'the change does not apply', retryable: false };
      return { kind: 'done', patch: { prNumber: 1, prUrl: `https://github.example/${ctx.target.repo}/pull/1`, signals: { score: 96 } } };
    },
  },
  { kind: 'await-checks', run: async () => ({ kind: 'done' }) },
  { kind: 'merge', run: async () => ({ kind: 'done', patch: { mergedSha: 'abc' } }) },
];

/** Wave 1 asks for a review (an approval round trip in Slack); later waves proceed on their own. */
const confidence: ConfidenceModel = {
  scoreTarget: (signals) => (typeof signals.score === 'number' ? signals.score : null),
  repoHistory: () => null,
  decideWave: (e) => ({ decision: e.wave === 0 ? 'review' : 'auto', confidence: e.wave === 0 ? 80 : 95, reason: 'scripted', explanation: { successes: e.successes, failures: e.failures } }),
  recordOutcome: () => undefined,
};

const gateway = new Proxy({} as Gateway, {
  get(_, name) {
    if (name === 'then') return undefined;
    return () => {
      throw new Error(`unexpected GitHub call ${String(name)}`);
    };
  },
});

test('a 1,000-repository campaign makes tens of Slack posts, not thousands', async () => {
  const spec = CampaignSpec.parse({
    name: 'bump-lodash',
    owner: OWNER,
    channel: CHANNEL,
    targets: { org: 'acme' },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '4.17.21' } },
    pr: { title: 'Bump lodash' },
    steps: ['open-pr', 'await-checks', 'merge'],
  });
  const repos = Array.from({ length: TARGETS }, (_, i) => `acme/service-${String(i).padStart(4, '0')}`);
  const waves = [repos.slice(0, 3), repos.slice(3, 100), repos.slice(100, 500), repos.slice(500)];
  store.transaction(() => {
    const campaign = store.campaigns.insert({ id: 'c-big', name: spec.name, specJson: JSON.stringify(spec), specSource: 'test', changeKind: 'npm-dependency', owner: OWNER, launchedBy: 'U0LAUNCH1', channel: CHANNEL, state: 'running', waveCount: waves.length, now: clock });
    store.targets.insertMany('c-big', waves.flatMap((list, wave) => list.map((repo) => ({ repo, wave }))), clock);
    store.outbox.enqueue(buildRootPost(campaign, clock));
  });
  const service = createCampaignService({ store, catalog: { list: async () => [], load: async () => ({ spec, source: 'test' }) }, gateway, admins: [], launchers: { users: [], groups: [] }, resolveGroupMembers: async () => [], now, wake: () => undefined });
  const registry = createStepRegistry<Deps>(steps);
  const client = createOutboxClient(TOKEN, slack.apiUrl);
  const sleep = async (ms: number) => {
    clock += ms;
  };

  let rounds = 0;
  for (; rounds < 400; rounds++) {
    clock += 30_000;
    await runTick({ store, registry, deps: { store }, now, limits: { maxTargets: 250, concurrency: 8, stepTimeoutMs: 5_000 }, confidence });
    await deliverOutbox({ store, client, now, sleep });
    const open = store.gates.list('c-big').find((g) => g.state === 'open');
    if (open && store.campaigns.get('c-big')!.rootTs) await service.approve('c-big', OWNER, open.id);
    if (store.campaigns.get('c-big')!.state === 'completed' && store.outbox.pendingCount() === 0) break;
  }
  const stats = slack.stats();
  const campaign = store.campaigns.get('c-big')!;
  console.log(
    `1,000-target campaign: ${stats.posts} posts (root + thread), ${stats.updates} root/gate updates, ${stats.rateLimited} rate-limited, ` +
      `${(stats.calls['conversations.history'] ?? 0) + (stats.calls['conversations.replies'] ?? 0)} look-ups, over ${rounds + 1} engine rounds; final state ${campaign.state}`,
  );
  expect(campaign.state).toBe('completed');
  expect(store.targets.counts('c-big')).toMatchObject({ succeeded: 990, failed: 10 });
  expect(stats.rateLimited).toBe(0);
  expect(stats.posts).toBeLessThan(100);
  // Root updates are coalesced to at most one per engine round.
  expect(stats.updates).toBeLessThanOrEqual(rounds + 1 + store.gates.list('c-big').length);
  expect(store.outbox.list({ state: 'dead' })).toHaveLength(0);
  const rootTs = campaign.rootTs!;
  expect(slack.thread(CHANNEL, rootTs).length).toBe(stats.posts);
});
