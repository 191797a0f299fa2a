import { parseTargetSignals } from '../confidence/score-target.js';
import type { DigestCampaign, DigestNotification, DigestWait, ReviewsWaiting } from '../domain/notifications.js';
import type { CampaignRecord, Store } from '../store/store.js';
import { readSpec, readSteps } from './campaign-spec.js';
import { failuresByTeam } from './failures.js';
import { isFinalTargetState } from '../domain/states.js';
import { countDone, countStopped, readAbortRecord } from './abort-report.js';

/** A channel's digest time: its local hour and time zone (settings key `digest:<channel>`). */
export interface DigestSetting {
  hour: number;
  timeZone: string;
}

const DEFAULT_SETTING: DigestSetting = { hour: 9, timeZone: 'UTC' };
const DAY_MS = 86_400_000;
const FINISHED_KINDS = ['target.succeeded', 'target.failed', 'target.skipped', 'target.reverted'];
/** Teams, and PRs per team, the digest shows of the reviews waited for. */
const REVIEW_TEAMS_SHOWN = 10;
const REVIEW_PRS_PER_TEAM = 5;

export function readDigestSetting(store: Store, channel: string): DigestSetting {
  const value = store.settings.get<Partial<DigestSetting>>(`digest:${channel}`);
  return { hour: typeof value?.hour === 'number' ? value.hour : DEFAULT_SETTING.hour, timeZone: typeof value?.timeZone === 'string' ? value.timeZone : DEFAULT_SETTING.timeZone };
}

function readLocal(now: number, timeZone: string): { day: string; hour: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(now));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return { day: `${get('year')}-${get('month')}-${get('day')}`, hour: Number(get('hour')) % 24 };
}

function collectWaits(store: Store, campaign: CampaignRecord): DigestWait[] {
  const waits: DigestWait[] = [];
  const spec = readSpec(campaign);
  const steps = readSteps(campaign);
  for (const gate of store.gates.list(campaign.id)) {
    if (gate.state !== 'open') continue;
    const who = gate.kind === 'wave' ? [campaign.owner, ...spec.approvers.users, ...spec.approvers.groups] : [campaign.owner];
    waits.push({ kind: 'gate', who: [...new Set(who)], detail: gate.kind === 'wave' ? `approval to continue after wave ${gate.wave + 1}` : `rollback offer for wave ${gate.wave + 1}` });
  }
  for (const t of store.targets.list(campaign.id)) {
    if (isFinalTargetState(t.state)) continue;
    if (t.state === 'needs-attention') {
      waits.push({ kind: 'needs-attention', who: [campaign.owner], repo: t.repo, detail: t.stateReason, url: t.prUrl });
      continue;
    }
    const checks = parseTargetSignals(t.signals).signals.checks;
    if (checks && checks.value < 1) {
      waits.push({ kind: 'failing-checks', who: [campaign.owner], repo: t.repo, detail: t.stateReason || 'required checks failing', url: t.prUrl });
      continue;
    }
    if (t.prNumber !== null && t.mergedSha === null && steps[t.stepIndex]?.kind === 'compliance') {
      waits.push({ kind: 'pr-review', who: [campaign.owner], repo: t.repo, detail: t.stateReason || 'waiting for a review', url: t.prUrl });
    }
  }
  return waits;
}

/**
 * The PRs waiting for a required review (the merge step's review wait, `steps/review-gate.ts`), per
 * team asked: the team with most PRs first, each team's PRs the longest waiting first.
 */
function collectReviewWaits(store: Store, campaign: CampaignRecord, now: number): ReviewsWaiting[] {
  const steps = readSteps(campaign);
  const byTeam = new Map<string, { repo: string; url: string | null; waitingMs: number }[]>();
  for (const t of store.targets.list(campaign.id)) {
    if (t.state !== 'waiting' || t.mergedSha !== null || steps[t.stepIndex]?.kind !== 'merge') continue;
    const review = store.steps.get(t.id, t.stepIndex)?.data.review as { since?: unknown; asked?: unknown } | undefined;
    if (!review || typeof review.since !== 'number' || !Array.isArray(review.asked)) continue;
    const asked = review.asked.filter((a): a is string => typeof a === 'string');
    for (const team of asked.length ? asked : ['no code owner on record']) {
      byTeam.set(team, [...(byTeam.get(team) ?? []), { repo: t.repo, url: t.prUrl, waitingMs: Math.max(0, now - review.since) }]);
    }
  }
  return [...byTeam]
    .sort(([a, pa], [b, pb]) => pb.length - pa.length || a.localeCompare(b))
    .slice(0, REVIEW_TEAMS_SHOWN)
    .map(([team, prs]) => {
      const sorted = prs.sort((a, b) => b.waitingMs - a.waitingMs || a.repo.localeCompare(b.repo));
      return { team, prs: sorted.slice(0, REVIEW_PRS_PER_TEAM), more: Math.max(0, sorted.length - REVIEW_PRS_PER_TEAM) };
    });
}

/**
 * The digest of one channel as of `now`, as a notification record: what moved in the last day,
 * what waits for whom, and the GitHub budget used today. `slack/` renders it.
 *
 * @example buildDigest(store, 'C024BE91L', Date.now()).campaigns.length
 */
export function buildDigest(store: Store, channel: string, now: number): DigestNotification {
  const { timeZone } = readDigestSetting(store, channel);
  const since = now - DAY_MS;
  const campaigns: DigestCampaign[] = store.campaigns
    .list({ channel })
    .filter((c) => !['completed', 'aborted'].includes(c.state) || c.updatedAt >= since)
    .map((c) => {
      const counts = store.targets.counts(c.id);
      const finished = store.events.list({ campaignId: c.id, since, kinds: FINISHED_KINDS });
      // Failed targets, per team; those that need a person are in `waits` already.
      const { teams: failedByTeam, moreTeams } = failuresByTeam(store, c.id, store.targets.inState(c.id, 'failed'));
      const reviewsByTeam = collectReviewWaits(store, c, now);
      return {
        id: c.id,
        name: c.name,
        state: c.state,
        owner: c.owner,
        // Done work: the targets an abort stopped are not done (abort-report.ts).
        done: countDone(counts, countStopped(store, c, readAbortRecord(store, c)).total),
        total: Object.values(counts).reduce((a, b) => a + b, 0),
        doneSinceYesterday: finished.length,
        failedSinceYesterday: finished.filter((e) => e.kind === 'target.failed').length,
        waits: collectWaits(store, c),
        ...(failedByTeam.length ? { failedByTeam, moreTeams } : {}),
        ...(reviewsByTeam.length ? { reviewsByTeam } : {}),
      };
    });
  const utcDay = new Date(now).toISOString().slice(0, 10);
  const requests = store.github.requestsOn(utcDay);
  return {
    kind: 'digest',
    channel,
    day: readLocal(now, timeZone).day,
    campaigns,
    github: { used: requests.counted, limit: store.github.rate('core')?.limit ?? null, notModified: requests.notModified },
  };
}

/** Queues a channel's digest now (`/fleet digest`), whether or not today's was posted. */
export function postDigestNow(store: Store, channel: string, now: number): void {
  store.outbox.enqueue({ channel, record: buildDigest(store, channel, now), now });
}

/**
 * Queues the daily digest of every channel with campaigns whose local digest hour has come,
 * once per local day (the claim is taken in the same transaction as the message). Returns the
 * channels posted to.
 *
 * @example runDigests(store, Date.now()) // ['C024BE91L'] at 09:00 in the channel's time zone
 */
export function runDigests(store: Store, now: number): string[] {
  const channels = [...new Set(store.campaigns.list().map((c) => c.channel))];
  const posted: string[] = [];
  for (const channel of channels) {
    const setting = readDigestSetting(store, channel);
    const local = readLocal(now, setting.timeZone);
    if (local.hour < setting.hour) continue;
    const claimed = store.transaction(() => {
      if (!store.digests.claim(channel, local.day, now)) return false;
      postDigestNow(store, channel, now);
      return true;
    });
    if (claimed) posted.push(channel);
  }
  return posted;
}
