import type { CampaignService, CampaignStatus } from '../campaigns/service-types.js';
import type { DigestInput } from './blocks/digest.js';
import type { ActorCheck } from './check-actor.js';
import type { StatusInput } from './blocks/status.js';
import type { FleetLogger } from './logger.js';

/** What the listeners need; everything is passed in by the composition root. */
export interface ListenerDeps {
  service: CampaignService;
  /** Slack user ids of Fleet's admins (shown the admin parts of App Home). */
  admins: string[];
  logger: FleetLogger;
  now: () => number;
  /** Refuses (and records) an action a person may not take, before Fleet asks them to confirm it. */
  checkActor: ActorCheck;
  /**
   * The digest of a channel as data (with progress since yesterday and the GitHub budget), e.g.
   * `(channel) => buildDigest(store, channel, now())`; without it, one is made from the service.
   */
  buildDigest?: (channel: string) => Promise<DigestInput> | DigestInput;
}

export function toStatusInput(s: CampaignStatus): StatusInput {
  return {
    id: s.id,
    name: s.name,
    state: s.state,
    stateReason: s.stateReason,
    owner: s.owner,
    launchedBy: s.launchedBy,
    currentWave: s.currentWave,
    waveCount: s.waveCount,
    counts: s.counts,
    done: s.done,
    confidence: s.confidence,
    openGate: s.openGate ? { id: s.openGate.id, wave: s.openGate.wave } : null,
    needsAttention: s.needsAttention,
    view: s.view,
    targets: s.targets,
  };
}

/** A digest from what the service knows: progress and what waits, without the GitHub budget. */
export function digestFromService(deps: ListenerDeps, channel: string): DigestInput {
  const day = new Date(deps.now()).toISOString().slice(0, 10);
  const active = deps.service.list().filter((c) => c.channel === channel && c.state !== 'completed' && c.state !== 'aborted');
  return {
    channel,
    day,
    campaigns: active.map((c) => {
      const status = deps.service.status(c.id);
      const total = Object.values(c.counts).reduce((n, v) => n + v, 0);
      // Done work, as the service counts it (an abort's stopped targets are not done).
      const done = c.done;
      const waits = [
        ...(status.openGate ? [{ kind: 'gate' as const, who: [status.owner, ...status.spec.approvers.users, ...status.spec.approvers.groups], detail: `approve merging wave ${status.openGate.wave + 1}: /fleet approve ${c.id}` }] : []),
        ...status.needsAttention.map((t) => ({ kind: 'needs-attention' as const, who: [status.owner], repo: t.repo, detail: t.reason, url: t.prUrl })),
      ];
      return { id: c.id, name: c.name, state: c.state, owner: c.owner, done, total, doneSinceYesterday: 0, failedSinceYesterday: 0, waits };
    }),
  };
}
