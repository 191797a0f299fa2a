import type { types } from '@slack/bolt';
import type { CampaignState } from '../../domain/states.js';
import { ACTION, encodeValue } from './action-ids.js';
import { LIMITS, actions, button, context, divider, escapeText, header, link, mention, progressBar, section, type Block, type Button } from './text.js';

export interface HomeCampaign {
  id: string;
  name: string;
  state: CampaignState;
  owner: string;
  done: number;
  total: number;
  openGate: boolean;
}

/** An open wave gate the person may decide. */
export interface HomeApproval {
  campaignId: string;
  name: string;
  channel: string;
  gateId: number;
  wave: number;
  waveCount: number;
  confidence: number | null;
}

/** A target that needs a person, in a campaign the person may act on. */
export interface HomeTarget {
  campaignId: string;
  name: string;
  channel: string;
  repo: string;
  reason: string;
  prUrl: string | null;
}

/** A campaign the person owns. */
export interface HomeOwned {
  id: string;
  name: string;
  state: CampaignState;
  channel: string;
  done: number;
  total: number;
}

/** What waits for the person who opened Home (`CampaignService.waitingFor`). */
export interface HomeWaiting {
  approvals: HomeApproval[];
  targets: HomeTarget[];
  owned: HomeOwned[];
}

export interface HomeViewInput {
  user: string;
  frozen: boolean;
  isAdmin: boolean;
  campaigns: HomeCampaign[];
  waiting?: HomeWaiting;
}

/** Items each "waits for me" section shows before "and N more". */
const SHOWN = 8;

function more(n: number, what: string): Block[] {
  return n > 0 ? [context([`… and ${n} more ${what}: type \`/fleet list\`, then \`/fleet status <id>\``])] : [];
}

function where(channel: string, campaignId: string): string {
  return `in <#${channel}> · \`/fleet status ${escapeText(campaignId)}\``;
}

/** The three sections of what waits for the person, each item with its buttons (two blocks an item). */
function waitingBlocks(w: HomeWaiting): Block[] {
  const blocks: Block[] = [];
  blocks.push(section(`*Approvals waiting for you* (${w.approvals.length})`));
  if (w.approvals.length === 0) blocks.push(context(['Nothing waits for your approval.']));
  for (const a of w.approvals.slice(0, SHOWN)) {
    const value = encodeValue({ c: a.campaignId, g: a.gateId });
    const confidence = a.confidence === null ? '' : ` at confidence *${Math.round(a.confidence)}/100*`;
    blocks.push(section(`:raised_hand: *${escapeText(a.name)}* \`${escapeText(a.campaignId)}\`: wave ${a.wave + 1} of ${a.waveCount} waits for approval${confidence}\n${where(a.channel, a.campaignId)}`));
    blocks.push(
      actions(
        [button({ text: 'Approve', actionId: ACTION.approve, value, style: 'primary' }), button({ text: 'Reject', actionId: ACTION.reject, value, style: 'danger' })],
        `home-gate:${a.campaignId}:${a.gateId}`,
      ),
    );
  }
  blocks.push(...more(w.approvals.length - SHOWN, 'approvals'));
  blocks.push(divider());

  blocks.push(section(`*Targets that need you* (${w.targets.length})`));
  if (w.targets.length === 0) blocks.push(context(['No target needs you.']));
  for (const t of w.targets.slice(0, SHOWN)) {
    const value = encodeValue({ c: t.campaignId, r: t.repo });
    const pr = t.prUrl ? ` · ${link(t.prUrl, 'pull request')}` : '';
    const reason = t.reason ? `: ${escapeText(t.reason)}` : '';
    blocks.push(section(`:warning: *${escapeText(t.repo)}* in *${escapeText(t.name)}* needs attention${reason}${pr}\n${where(t.channel, t.campaignId)}`));
    blocks.push(
      actions([button({ text: 'Retry', actionId: ACTION.retry, value, style: 'primary' }), button({ text: 'Skip', actionId: ACTION.skip, value })], `home-target:${t.campaignId}:${t.repo}`),
    );
  }
  blocks.push(...more(w.targets.length - SHOWN, 'targets'));
  blocks.push(divider());

  blocks.push(section(`*Your campaigns* (${w.owned.length})`));
  if (w.owned.length === 0) blocks.push(context(['You own no campaigns.']));
  for (const c of w.owned.slice(0, SHOWN)) {
    blocks.push(section(`*${escapeText(c.name)}* \`${escapeText(c.id)}\` · ${c.state} · \`${progressBar(c.done, c.total, 15)}\` ${c.done}/${c.total} done\n${where(c.channel, c.id)}`));
    const value = encodeValue({ c: c.id });
    const buttons: Button[] = [];
    if (c.state === 'running' || c.state === 'awaiting-approval') buttons.push(button({ text: 'Pause', actionId: ACTION.pause, value }));
    if (c.state === 'paused' || c.state === 'halted') buttons.push(button({ text: 'Resume', actionId: ACTION.resume, value, style: 'primary' }));
    if (buttons.length) blocks.push(actions(buttons, `home-campaign:${c.id}`));
  }
  blocks.push(...more(w.owned.length - SHOWN, 'campaigns of yours'));
  blocks.push(divider());
  return blocks;
}

/**
 * The App Home tab (for views.publish): the freeze switch state; what waits for the person (the
 * approvals they may give, the targets that need them, the campaigns they own, each with its
 * buttons); then every campaign, the ones waiting for a gate first. Within 100 blocks.
 *
 * @example homeView({ user: 'U1', frozen: false, isAdmin: false, campaigns: [] })
 */
export function homeView(input: HomeViewInput): types.HomeView {
  const blocks: Block[] = [header('Fleet'), section(`Hello ${mention(input.user)}. Type \`/fleet help\` for every command.`)];
  if (input.frozen) blocks.push(section(':ice_cube: *Freeze is on*: no step runs anywhere until an admin types `/fleet freeze off`.'));
  blocks.push(divider());
  if (input.waiting) blocks.push(...waitingBlocks(input.waiting), section('*All campaigns*'));
  const sorted = [...input.campaigns].sort((a, b) => Number(b.openGate) - Number(a.openGate));
  const room = LIMITS.blocksPerView - blocks.length - 2;
  if (sorted.length === 0) blocks.push(section('No campaigns yet. Start one with `/fleet start`.'));
  for (const c of sorted.slice(0, room)) {
    const gate = c.openGate ? ' :raised_hand: gate open' : '';
    blocks.push(
      section(`*${escapeText(c.name)}* \`${escapeText(c.id)}\` · ${c.state}${gate} · ${mention(c.owner)}\n\`${progressBar(c.done, c.total, 15)}\` ${c.done}/${c.total} done`),
    );
  }
  if (sorted.length > room) blocks.push(context([`… and ${sorted.length - room} more: type \`/fleet list\``]));
  return { type: 'home', blocks };
}
