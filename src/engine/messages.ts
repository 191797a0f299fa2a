import type { CampaignRecord, NewOutboxMessage, Store, TargetRecord } from '../store/store.js';
import type { TargetState } from './states.js';

/**
 * The Slack messages the engine queues, as outbox rows. Everything but the root message goes in
 * the campaign's thread (`threadOf: 'root'`); the root message is updated in place under one
 * coalesce key, so however many targets move in a tick, at most one update is pending.
 */

export function rootKey(campaignId: string): string {
  return `root:${campaignId}`;
}

function formatCounts(counts: Record<TargetState, number>): string {
  return (Object.entries(counts) as [TargetState, number][])
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${state} ${n}`)
    .join(', ');
}

function thread(campaign: CampaignRecord, text: string, now: number, extra: Record<string, unknown> = {}): NewOutboxMessage {
  return { campaignId: campaign.id, channel: campaign.channel, method: 'chat.postMessage', threadOf: 'root', payload: { text, ...extra }, now };
}

/** The root message's text for the campaign as it stands. */
export function describeRoot(store: Store, campaign: CampaignRecord): string {
  const counts = store.targets.counts(campaign.id);
  const reason = campaign.stateReason ? ` (${campaign.stateReason})` : '';
  return `Campaign ${campaign.name} [${campaign.id}] by <@${campaign.owner}>: ${campaign.state}${reason}, wave ${campaign.currentWave + 1} of ${campaign.waveCount}. ${formatCounts(counts) || 'no targets'}.`;
}

/** The first post of a campaign; the notify job records its ts as the campaign's root. */
export function buildRootPost(store: Store, campaign: CampaignRecord, now: number): NewOutboxMessage {
  return { campaignId: campaign.id, channel: campaign.channel, method: 'chat.postMessage', threadOf: null, payload: { text: describeRoot(store, campaign), root: true }, now };
}

/** Queues an in-place update of the root message, replacing any update still pending. */
export function enqueueRootUpdate(store: Store, campaign: CampaignRecord, now: number): void {
  store.outbox.enqueue({
    campaignId: campaign.id,
    channel: campaign.channel,
    method: 'chat.update',
    threadOf: 'root',
    payload: { text: describeRoot(store, campaign) },
    coalesceKey: rootKey(campaign.id),
    now,
  });
}

export function buildNeedsAttention(campaign: CampaignRecord, target: TargetRecord, reason: string, now: number): NewOutboxMessage {
  const pr = target.prUrl ? ` (${target.prUrl})` : '';
  return thread(campaign, `${target.repo}${pr} needs attention: ${reason}. Use Retry or Skip.`, now, {
    actions: [
      { action: 'retry', campaignId: campaign.id, repo: target.repo },
      { action: 'skip', campaignId: campaign.id, repo: target.repo },
    ],
  });
}

export function buildRollbackOffer(campaign: CampaignRecord, wave: number, target: TargetRecord, reason: string, now: number): NewOutboxMessage {
  return thread(campaign, `${target.repo} failed after merge in wave ${wave + 1}: ${reason}. The campaign is paused; revert the wave's merged changes?`, now, {
    actions: [{ action: 'revert-wave', campaignId: campaign.id, wave }],
  });
}

export function buildWaveStarted(campaign: CampaignRecord, wave: number, targets: number, now: number): NewOutboxMessage {
  return thread(campaign, `Wave ${wave + 1} of ${campaign.waveCount} started: ${targets} repositories.`, now);
}

export function buildWaveFinished(campaign: CampaignRecord, wave: number, counts: Record<TargetState, number>, now: number): NewOutboxMessage {
  return thread(campaign, `Wave ${wave + 1} of ${campaign.waveCount} finished: ${formatCounts(counts)}.`, now);
}

export function buildGateRequest(campaign: CampaignRecord, gateId: number, wave: number, confidence: number, reason: string, now: number): NewOutboxMessage {
  return thread(campaign, `Wave ${wave + 1} needs approval: confidence ${Math.round(confidence)}. ${reason}`, now, {
    actions: [
      { action: 'approve', campaignId: campaign.id, gateId },
      { action: 'reject', campaignId: campaign.id, gateId },
    ],
  });
}

export function buildGateDecided(campaign: CampaignRecord, wave: number, state: string, by: string, now: number): NewOutboxMessage {
  const who = by === 'engine' ? 'automatically' : `by <@${by}>`;
  return thread(campaign, `The gate of wave ${wave + 1} was ${state} ${who}.`, now);
}

export function buildStateNotice(campaign: CampaignRecord, text: string, now: number): NewOutboxMessage {
  return thread(campaign, text, now);
}

export function buildFinalSummary(store: Store, campaign: CampaignRecord, now: number): NewOutboxMessage {
  return thread(campaign, `Campaign ${campaign.name} ${campaign.state}: ${formatCounts(store.targets.counts(campaign.id))}.`, now);
}
