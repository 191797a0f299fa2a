import { section, context, type SlackMessage } from './text.js';

/** Each subcommand with its usage, shared by the help text and the parser's suggestions. */
export const COMMAND_USAGE = [
  ['help', 'show this list'],
  ['start [spec]', 'start a campaign from the catalog; with no spec, a form opens'],
  ['preview <spec>', 'dry run: waves, a sample diff, GitHub budget and time estimate'],
  ['list', 'campaigns and their state'],
  ['status <id> [failed|attention|all]', 'one campaign in detail, with the targets that need attention (the default), that failed, or all'],
  ['pause <id>', 'stop starting new steps'],
  ['resume <id>', 'carry on after a pause or a halt'],
  ['abort <id>', 'stop for good (asks first)'],
  ['approve <id>', "approve the campaign's open gate"],
  ['retry <id> <repo>', 'run a target that needs attention again'],
  ['skip <id> <repo>', 'leave a target out'],
  ['freeze on|off', 'the global kill switch (admins)'],
  ['digest', "this channel's digest, now"],
] as const;

/**
 * The `/fleet help` reply.
 *
 * @example helpMessage().blocks.length // 2
 */
export function helpMessage(): SlackMessage {
  const lines = COMMAND_USAGE.map(([usage, what]) => `\`/fleet ${usage}\` — ${what}`);
  return {
    text: 'Fleet commands: type /fleet help',
    blocks: [section(`*Fleet* runs one change across many repositories, in waves.\n${lines.join('\n')}`), context(['Only the owner, the approvers and admins can act on a campaign.'])],
  };
}
