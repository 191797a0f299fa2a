import { CampaignSpec } from '../../src/domain/spec.js';
import type { ConfidenceModel, WaveEvidence, WaveVerdict } from '../../src/engine/confidence-model.js';
import { readRootView } from '../../src/engine/notifications.js';
import { renderNotification, type RenderedNotification } from '../../src/slack/render-notification.js';
import type { OutboxRecord, Store } from '../../src/store/store.js';
import { openTempStore as openTemp, type TempStore } from '../../src/store/temp-store.js';

export type { TempStore };

/** A migrated store in a temporary folder, removed on close. */
export function openTempStore(): TempStore {
  return openTemp('engine');
}

/**
 * An outbox row as it would go to Slack: the record rendered as delivery renders it (a root
 * record from the campaign as it is now). Engine tests assert what people would read.
 */
export function renderRow(store: Store, m: OutboxRecord): RenderedNotification & { text: string; blocks: unknown } {
  if (!m.record) throw new Error(`outbox row ${m.id} holds no valid notification`);
  const campaign = m.record.kind === 'root' ? store.campaigns.get(m.record.campaignId) : undefined;
  const rendered = renderNotification(m.record, campaign ? { rootView: readRootView(store, campaign) } : {});
  return { ...rendered, text: String(rendered.args.text), blocks: rendered.args.blocks };
}

export function makeSpec(overrides: Record<string, unknown> = {}): CampaignSpec {
  return CampaignSpec.parse({
    name: 'bump-lodash',
    owner: 'UOWNER1',
    approvers: { users: ['UAPPROVER1'], groups: ['SGROUP1'] },
    channel: 'CCHAN1',
    targets: { repos: ['acme/a', 'acme/b'] },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '4.17.21' } },
    pr: { title: 'Bump lodash' },
    steps: ['open-pr', 'gate', 'merge'],
    waves: [1, '100%'],
    ...overrides,
  });
}

/** Inserts a running campaign with its targets planned into the given waves. */
export function seedCampaign(store: Store, options: { id?: string; spec?: CampaignSpec; waves: string[][]; now?: number; state?: 'running' | 'paused' }): string {
  const id = options.id ?? 'c-test';
  const spec = options.spec ?? makeSpec();
  const now = options.now ?? 1_000;
  store.transaction(() => {
    store.campaigns.insert({ id, name: spec.name, specJson: JSON.stringify(spec), specSource: 'test', changeKind: spec.change.kind, owner: spec.owner, channel: spec.channel, state: options.state ?? 'running', waveCount: options.waves.length, now });
    store.targets.insertMany(id, options.waves.flatMap((repos, wave) => repos.map((repo) => ({ repo, wave }))), now);
  });
  return id;
}

/** A confidence model with a fixed wave decision, recording what it was asked. */
export function createFixedConfidence(decision: WaveVerdict['decision'] | ((e: WaveEvidence) => WaveVerdict['decision']) = 'auto') {
  const asked: WaveEvidence[] = [];
  const recorded: string[] = [];
  const model: ConfidenceModel = {
    scoreTarget: (signals) => (typeof signals.score === 'number' ? signals.score : null),
    repoHistory: () => null,
    decideWave(evidence) {
      asked.push(evidence);
      const d = typeof decision === 'function' ? decision(evidence) : decision;
      return { decision: d, confidence: d === 'auto' ? 95 : d === 'review' ? 75 : 20, reason: `test decision ${d}`, explanation: { successes: evidence.successes } };
    },
    recordOutcome(campaign) {
      recorded.push(campaign.id);
    },
  };
  return { model, asked, recorded };
}
