import type { CampaignState } from '../../domain/states.js';
import { teamSummaryLine, type TeamFailuresInput } from './failures.js';
import { LIMITS, context, joinWithin, divider, escapeKeepingMentions, escapeText, fallback, formatDuration, header, link, mention, moreOf, plural, progressBar, section, type Block, type SlackMessage } from './text.js';

export type WaitKind = 'failing-checks' | 'pr-review' | 'gate' | 'needs-attention';

export interface DigestWait {
  kind: WaitKind;
  /** Who it waits for: user or user-group ids. */
  who: string[];
  repo?: string;
  detail: string;
  url?: string | null;
}

export interface DigestCampaign {
  id: string;
  name: string;
  state: CampaignState;
  owner: string;
  done: number;
  total: number;
  /** Targets that reached a final state since the previous digest. */
  doneSinceYesterday: number;
  failedSinceYesterday: number;
  waits: DigestWait[];
  /** The campaign's failed targets per team, the worst first. */
  failedByTeam?: TeamFailuresInput[];
  moreTeams?: number;
  /** PRs waiting for a required review, per team asked (a CODEOWNERS team, or a user), oldest first. */
  reviewsByTeam?: { team: string; prs: { repo: string; url: string | null; waitingMs: number }[]; more: number }[];
}

/** One team's line of PRs waiting for its review: `• @acme/payments: acme/api (2d 3h), acme/web (4h 0m)`. */
export function reviewTeamLine(team: NonNullable<DigestCampaign['reviewsByTeam']>[number]): string {
  const prs = team.prs.map((pr) => `${link(pr.url, pr.repo)} (${formatDuration(pr.waitingMs)})`);
  const more = team.more > 0 ? ` and ${team.more} more` : '';
  return `• ${escapeText(team.team)}: ${prs.join(', ')}${more}`;
}

export interface DigestInput {
  channel: string;
  /** The local day the digest covers, YYYY-MM-DD. */
  day: string;
  campaigns: DigestCampaign[];
  /** The GitHub budget used today, when known. */
  github?: { used: number; limit: number | null; notModified: number };
}

const WAIT_LABEL: Record<WaitKind, string> = {
  'failing-checks': 'failing checks',
  'pr-review': 'PR without review',
  gate: 'open gate',
  'needs-attention': 'needs attention',
};

/**
 * The daily digest of one channel: progress since yesterday, what waits for whom (with mentions),
 * and the GitHub budget used. Long lists are cut with a count so the message stays under limits.
 *
 * @example digestMessage({ channel: 'C1', day: '2024-05-02', campaigns: [], github: { used: 0, limit: 5000, notModified: 0 } })
 */
export function digestMessage(input: DigestInput): SlackMessage {
  const blocks: Block[] = [header(`Fleet digest for ${input.day}`)];
  if (input.campaigns.length === 0) blocks.push(section('No active campaigns in this channel.'));
  // Each campaign takes at most 3 blocks; keep room for the header and the budget line.
  const room = Math.floor((LIMITS.blocksPerMessage - 4) / 3);
  for (const c of input.campaigns.slice(0, room)) {
    blocks.push(
      section(
        `*${escapeText(c.name)}* (\`${escapeText(c.id)}\`, ${c.state}) owned by ${mention(c.owner)}\n` +
          `\`${progressBar(c.done, c.total, 15)}\` ${c.done}/${c.total} · since yesterday +${c.doneSinceYesterday} done, ${c.failedSinceYesterday} failed`,
      ),
    );
    if (c.waits.length || c.failedByTeam?.length || c.reviewsByTeam?.length) {
      const lines = c.waits.map((w) => {
        const who = w.who.length ? w.who.slice(0, 5).map(mention).join(' ') : 'nobody assigned';
        const what = w.repo ? `${link(w.url, w.repo)}: ` : '';
        return `• ${WAIT_LABEL[w.kind]} — ${what}${escapeKeepingMentions(w.detail)} → ${who}`;
      });
      // PRs waiting for a required review come first among what waits, per team asked.
      if (c.reviewsByTeam?.length) lines.unshift('*Waiting for review, by team*', ...c.reviewsByTeam.map(reviewTeamLine));
      // Failed targets per team share the section with what waits (each campaign keeps to three
      // blocks), with up to a third of its room so neither list crowds the other out.
      const failed: string[] = [];
      if (c.failedByTeam?.length) {
        failed.push('*Failed, by team*', ...c.failedByTeam.map((t) => teamSummaryLine(t)));
        if (c.moreTeams) failed.push(`_and ${c.moreTeams} more team${c.moreTeams === 1 ? '' : 's'}_`);
      }
      const pointer = `\`/fleet status ${escapeText(c.id)} failed\` lists every failure.`;
      const room = (lines.length ? Math.floor(LIMITS.sectionText / 3) : LIMITS.sectionText) - pointer.length - 1;
      const failedText = failed.length ? `${joinWithin(failed, room, 'teams')}\n${pointer}` : '';
      const waitText = lines.length ? joinWithin(lines, LIMITS.sectionText - failedText.length - 1, 'waiting') : '';
      blocks.push(section([waitText, failedText].filter(Boolean).join('\n')));
    }
    blocks.push(divider());
  }
  if (input.campaigns.length > room) blocks.push(section(`_… ${moreOf(input.campaigns.length - room, 'campaigns')}: type \`/fleet list\`_`));
  if (input.github) {
    const limit = input.github.limit === null ? '' : ` of ${input.github.limit}`;
    blocks.push(context([`GitHub budget used: ${input.github.used}${limit} ${input.github.used === 1 && !limit ? 'request' : 'requests'} (${input.github.notModified} answered from cache)`]));
  }
  const waiting = input.campaigns.reduce((n, c) => n + c.waits.length, 0);
  return { text: fallback(`Fleet digest ${input.day}: ${plural(input.campaigns.length, 'campaign')}, ${plural(waiting, 'item')} waiting`), blocks };
}
