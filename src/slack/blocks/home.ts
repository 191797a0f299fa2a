import type { types } from '@slack/bolt';
import type { CampaignState } from '../../domain/states.js';
import { LIMITS, context, divider, escapeText, header, mention, progressBar, section, type Block } from './text.js';

export interface HomeCampaign {
  id: string;
  name: string;
  state: CampaignState;
  owner: string;
  done: number;
  total: number;
  openGate: boolean;
}

export interface HomeViewInput {
  user: string;
  frozen: boolean;
  isAdmin: boolean;
  campaigns: HomeCampaign[];
}

/**
 * The App Home tab (for views.publish): the freeze switch state and the active campaigns, the
 * ones waiting for a gate first.
 *
 * @example homeView({ user: 'U1', frozen: false, isAdmin: false, campaigns: [] })
 */
export function homeView(input: HomeViewInput): types.HomeView {
  const blocks: Block[] = [header('Fleet'), section(`Hello ${mention(input.user)}. Type \`/fleet help\` for every command.`)];
  if (input.frozen) blocks.push(section(':ice_cube: *Freeze is on*: no step runs anywhere until an admin types `/fleet freeze off`.'));
  blocks.push(divider());
  const sorted = [...input.campaigns].sort((a, b) => Number(b.openGate) - Number(a.openGate));
  const room = LIMITS.blocksPerView - blocks.length - 2;
  if (sorted.length === 0) blocks.push(section('No campaigns yet. Start one with `/fleet start`.'));
  for (const c of sorted.slice(0, room)) {
    const gate = c.openGate ? ' :raised_hand: gate open' : '';
    blocks.push(
      section(`*${escapeText(c.name)}* \`${escapeText(c.id)}\` · ${c.state}${gate} · ${mention(c.owner)}\n\`${progressBar(c.done, c.total, 15)}\` ${c.done}/${c.total}`),
    );
  }
  if (sorted.length > room) blocks.push(context([`… and ${sorted.length - room} more: type \`/fleet list\``]));
  return { type: 'home', blocks };
}
