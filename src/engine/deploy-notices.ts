import type { CampaignRecord, NewOutboxMessage, TargetRecord } from '../store/store.js';
import type { StepEvent } from '../steps/types.js';

/**
 * The thread's line for a canary deployment's outcome, from the deploy brick's `deploy.succeeded`
 * or `deploy.failed` event. Only the canary wave (wave 0) is told one line per target: it is small
 * and its deployments are what a person watches. Later waves keep quiet here: their failures are
 * in the wave's end message with their reasons (the CD's description), so a campaign of 1,000
 * repositories still posts tens of messages.
 *
 * @example buildDeployNotice(campaign, target, { kind: 'deploy.succeeded', data: { environment: 'canary', sha, environmentUrl } }, now)
 */
export function buildDeployNotice(campaign: CampaignRecord, target: TargetRecord, event: StepEvent, now: number): NewOutboxMessage | undefined {
  if (event.kind !== 'deploy.succeeded' && event.kind !== 'deploy.failed') return undefined;
  if (target.wave !== 0) return undefined;
  const data = event.data ?? {};
  const text = (key: string) => (typeof data[key] === 'string' && data[key] !== '' ? data[key] : null);
  return {
    campaignId: campaign.id,
    channel: campaign.channel,
    threadOf: 'root',
    record: {
      kind: 'deployment',
      campaignId: campaign.id,
      repo: target.repo,
      wave: target.wave,
      outcome: event.kind === 'deploy.succeeded' ? 'succeeded' : 'failed',
      environment: text('environment') ?? 'canary',
      sha: text('sha') ?? target.headSha ?? '',
      environmentUrl: text('environmentUrl'),
      logUrl: text('logUrl'),
      description: text('description'),
      prUrl: target.prUrl,
    },
    now,
  };
}
