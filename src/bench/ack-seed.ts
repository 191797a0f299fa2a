import { gateRequest } from '../slack/blocks/gate.js';
import { toBreakdown } from '../engine/notifications.js';
import { openDatabase } from '../store/database.js';
import { createStore, type Store } from '../store/store.js';
import { BENCH_APPROVER, BENCH_CHANNEL, BENCH_OWNER, makeBenchSpec } from './sandbox.js';

/** A campaign waiting on a person at its wave-1 gate, and the message that asks for it. */
export interface AwaitingGate {
  campaignId: string;
  gateId: number;
  /** The approval request's ts in the fake Slack (the message an Approve click comes from). */
  messageTs: string;
  /** The request's blocks, sent back in the click's payload as Slack sends the message it sits on. */
  blocks: unknown[];
}

/** Posts a message as the bot through the fake Slack's Web API and returns its ts. */
export type PostMessage = (args: { channel: string; text: string; blocks?: unknown[]; thread_ts?: string }) => Promise<string>;

export interface AckSeedInput {
  file: string;
  /** Campaigns, each of `targets` repositories, waiting at the gate of their first wave. */
  campaigns: number;
  targets: number;
  now: number;
  post: PostMessage;
}

/** What a gate decided by Fleet's confidence metric carries, so Details and status have real content. */
const CONFIDENCE = {
  confidence: 72,
  successes: 9,
  failures: 1,
  reason: 'one target needs attention; the rest passed their checks',
  factors: [
    { name: 'ci', label: 'CI', value: 90, weight: 0.5, contribution: 45, detail: '9 of 10 passed' },
    { name: 'canary', label: 'Canary', value: 54, weight: 0.5, contribution: 27, detail: 'no data yet' },
  ],
  prior: { a0: 2, b0: 1, campaigns: 0 },
  posterior: { a: 11, b: 2 },
};

function repoName(campaign: number, i: number): string {
  return `acme/ack-${String(campaign).padStart(2, '0')}-${String(i).padStart(4, '0')}`;
}

/**
 * Seeds a Fleet database file as a running Fleet would have left it: `campaigns` campaigns of
 * `targets` targets in three waves (10, 5, the rest), each awaiting approval of wave 1 — nine of
 * its ten pull requests open and parked at the gate, one needing attention — with its root message
 * and approval request posted in the fake Slack (`post`) and their ts recorded. The campaigns are
 * what `/fleet list` and `/fleet status <id>` read; each round of the ack benchmark clicks Approve
 * on one of them. None is due for the advance job until its gate is approved.
 */
export async function seedAckDatabase(input: AckSeedInput): Promise<AwaitingGate[]> {
  const db = openDatabase(input.file);
  const store = createStore(db);
  try {
    const gates: AwaitingGate[] = [];
    for (let c = 0; c < input.campaigns; c++) gates.push(await seedOne(store, input, c));
    return gates;
  } finally {
    db.close();
  }
}

async function seedOne(store: Store, input: AckSeedInput, c: number): Promise<AwaitingGate> {
  const { now } = input;
  const repos = Array.from({ length: input.targets }, (_, i) => repoName(c, i));
  const id = `c-ack${String(c).padStart(2, '0')}`;
  const spec = makeBenchSpec({ name: `bench-ack-${c}`, repos, steps: ['open-pr', 'gate', 'merge'], waves: [10, 5, '100%'] });
  const waveOf = (i: number) => (i < 10 ? 0 : i < 15 ? 1 : 2);
  const rootTs = await input.post({ channel: BENCH_CHANNEL, text: `Campaign ${spec.name} (${id}): wave 1 of 3 waits for approval` });
  const gateId = store.transaction(() => {
    store.campaigns.insert({ id, name: spec.name, specJson: JSON.stringify(spec), specSource: 'bench', changeKind: spec.change.kind, owner: BENCH_OWNER, launchedBy: BENCH_OWNER, channel: BENCH_CHANNEL, state: 'awaiting-approval', waveCount: 3, now });
    const campaign = store.campaigns.get(id)!;
    store.campaigns.update(id, campaign.version, { rootTs }, now);
    store.targets.insertMany(id, repos.map((repo, i) => ({ repo, wave: waveOf(i) })), now);
    for (const [i, target] of store.targets.list(id, 0).entries()) {
      const pr = 100 + i;
      const opened = { stepIndex: 1, prNumber: pr, prUrl: `https://github.com/${target.repo}/pull/${pr}`, branch: 'fleet/bench-ack', headSha: `${(i + 1).toString(16).padStart(40, 'a')}` };
      const patch = i === 9 ? { ...opened, state: 'needs-attention' as const, stateReason: 'checks failed: test' } : { ...opened, state: 'waiting' as const, dueAt: now + 86_400_000 };
      store.targets.update(target.id, target.version, patch, now);
    }
    return store.gates.open({ campaignId: id, wave: 0, kind: 'wave', decision: 'review', confidence: CONFIDENCE, now }).id;
  });
  const message = gateRequest({ campaignId: id, gateId, wave: 0, waveCount: 3, confidence: toBreakdown({ confidence: CONFIDENCE, decision: 'review' }), approvers: [BENCH_APPROVER] });
  const messageTs = await input.post({ channel: BENCH_CHANNEL, text: message.text, blocks: message.blocks, thread_ts: rootTs });
  store.gates.setMessageTs(gateId, messageTs);
  return { campaignId: id, gateId, messageTs, blocks: message.blocks };
}
