import { z } from 'zod';

/**
 * The `/fleet` command line, parsed into a typed command or a sentence saying what was wrong and
 * what to type instead. Pure: no Slack, no service.
 */

const CampaignId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a campaign id such as `c-7f3a` (see `/fleet list`)');
const SpecName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/, 'a spec name from the catalog, such as `bump-lodash`');
/** Which targets `/fleet status <id>` lists: those that need attention (the default), the failures, or all. */
export const StatusView = z.enum(['attention', 'failed', 'all'], { message: '`failed`, `attention` or `all`' });
export type StatusView = z.infer<typeof StatusView>;
const Repo = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'a repository as `owner/name`');

export const FleetCommand = z.discriminatedUnion('name', [
  z.object({ name: z.literal('help') }),
  z.object({ name: z.literal('start'), spec: SpecName.optional() }),
  z.object({ name: z.literal('preview'), spec: SpecName }),
  z.object({ name: z.literal('list') }),
  z.object({ name: z.literal('status'), id: CampaignId, view: StatusView.optional() }),
  z.object({ name: z.literal('pause'), id: CampaignId }),
  z.object({ name: z.literal('resume'), id: CampaignId }),
  z.object({ name: z.literal('abort'), id: CampaignId }),
  z.object({ name: z.literal('approve'), id: CampaignId }),
  z.object({ name: z.literal('retry'), id: CampaignId, repo: Repo }),
  z.object({ name: z.literal('skip'), id: CampaignId, repo: Repo }),
  z.object({ name: z.literal('freeze'), on: z.boolean() }),
  z.object({ name: z.literal('digest') }),
]);
export type FleetCommand = z.infer<typeof FleetCommand>;
export type FleetCommandName = FleetCommand['name'];

export type ParseResult = { ok: true; command: FleetCommand } | { ok: false; error: string };

/** Argument names per subcommand, in order; `?` marks an optional one. */
const ARGUMENTS: Record<FleetCommandName, readonly string[]> = {
  help: [],
  start: ['spec?'],
  preview: ['spec'],
  list: [],
  status: ['id', 'view?'],
  pause: ['id'],
  resume: ['id'],
  abort: ['id'],
  approve: ['id'],
  retry: ['id', 'repo'],
  skip: ['id', 'repo'],
  freeze: ['on'],
  digest: [],
};
export const SUBCOMMANDS = Object.keys(ARGUMENTS) as FleetCommandName[];

const PLACEHOLDER: Record<string, string> = { spec: '<spec>', id: '<id>', repo: '<repo>', on: 'on|off', view: 'failed|attention|all' };

function usage(name: FleetCommandName): string {
  const args = ARGUMENTS[name].map((a) => (a === 'view?' ? `[${PLACEHOLDER.view}]` : a.endsWith('?') ? `[${a.slice(0, -1)}]` : PLACEHOLDER[a]));
  return `/fleet ${[name, ...args].join(' ')}`;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/** The closest subcommand within two edits (or sharing a 3-letter prefix), if any. */
export function suggestSubcommand(word: string): FleetCommandName | undefined {
  const lower = word.toLowerCase();
  let best: { name: FleetCommandName; d: number } | undefined;
  for (const name of SUBCOMMANDS) {
    const d = lower.length >= 3 && name.startsWith(lower) ? 0.5 : distance(lower, name);
    if (d <= 2 && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** Shows what a person typed without letting it break the reply (backticks, mentions). */
function quote(word: string): string {
  return `\`${word.slice(0, 60).replace(/[`<>&]/g, '')}\``;
}

/**
 * Parses the text after `/fleet`.
 *
 * @example parseCommand('pause c-7f3a') // { ok: true, command: { name: 'pause', id: 'c-7f3a' } }
 * @example parseCommand('pasue c-1').ok // false, "Unknown subcommand `pasue`. Did you mean `pause`? ..."
 */
export function parseCommand(text: string): ParseResult {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [first, ...args] = words;
  if (first === undefined) return { ok: true, command: { name: 'help' } };
  const name = first.toLowerCase();
  if (!(SUBCOMMANDS as string[]).includes(name)) {
    const suggestion = suggestSubcommand(name);
    const hint = suggestion ? ` Did you mean \`${suggestion}\`?` : '';
    return { ok: false, error: `Unknown subcommand ${quote(first)}.${hint} Type \`/fleet help\` for the list.` };
  }
  const sub = name as FleetCommandName;
  const expected = ARGUMENTS[sub];
  const required = expected.filter((a) => !a.endsWith('?')).length;
  if (args.length < required) {
    const missing = expected[args.length];
    return { ok: false, error: `\`/fleet ${sub}\` needs ${PLACEHOLDER[missing] ?? missing}. Type \`${usage(sub)}\`.` };
  }
  if (args.length > expected.length) {
    return { ok: false, error: `\`/fleet ${sub}\` takes ${expected.length === 0 ? 'no arguments' : `only ${expected.length === 1 ? 'one argument' : `${expected.length} arguments`}`}; ${quote(args.slice(expected.length).join(' '))} is extra. Type \`${usage(sub)}\`.` };
  }
  const raw: Record<string, unknown> = { name: sub };
  for (const [i, arg] of args.entries()) {
    const key = expected[i].replace('?', '');
    if (key === 'on') {
      const v = arg.toLowerCase();
      if (v !== 'on' && v !== 'off') return { ok: false, error: `\`/fleet freeze\` takes \`on\` or \`off\`, not ${quote(arg)}. Type \`/fleet freeze on\` or \`/fleet freeze off\`.` };
      raw.on = v === 'on';
      continue;
    }
    if (key === 'view') {
      raw.view = arg.toLowerCase();
      continue;
    }
    raw[key] = arg;
  }
  const result = FleetCommand.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue.path[0] ?? 'argument');
    const given = typeof raw[key] === 'string' ? raw[key] : '';
    return { ok: false, error: `${quote(given)} is not ${issue.message}. Type \`${usage(sub)}\`.` };
  }
  return { ok: true, command: result.data };
}
