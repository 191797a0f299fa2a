import type { types } from '@slack/bolt';

export { agree, plural } from '../../domain/words.js';

export type Block = types.KnownBlock;
export type Button = types.Button;

/** What every message builder returns: the notification text and the blocks. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/** Slack's published Block Kit limits, in one place so builders and tests agree. */
export const LIMITS = {
  blocksPerMessage: 50,
  blocksPerView: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  actionElements: 25,
  actionId: 255,
  blockId: 255,
  buttonValue: 2000,
  contextElements: 10,
  messageText: 4000,
} as const;

/**
 * Escapes the three characters Slack's mrkdwn treats as control characters, so a repository
 * name or a reason from a PR can never become a link, a mention or a broken message.
 *
 * @example escapeText('a <b> & c') // 'a &lt;b&gt; &amp; c'
 */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A well-formed user, user-group or channel mention as Slack writes it: `<@U…>`, `<!subteam^S…>`, `<#C…>`. */
const MENTION = /<(?:@[UW][A-Z0-9]+|!subteam\^S[A-Z0-9]+|#C[A-Z0-9]+)>/g;

/**
 * Escapes text like `escapeText` but leaves well-formed user, user-group and channel mentions as
 * they are, so a reason Fleet wrote ("paused by <@U123>") shows the person, not the markup.
 * Anything else in angle brackets (`<!channel>`, links, `<@nope>`) is escaped.
 *
 * @example escapeKeepingMentions('paused by <@U123> & <!here>') // 'paused by <@U123> &amp; &lt;!here&gt;'
 */
export function escapeKeepingMentions(text: string): string {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(MENTION)) {
    out += escapeText(text.slice(at, m.index)) + m[0];
    at = m.index + m[0].length;
  }
  return out + escapeText(text.slice(at));
}

/**
 * Cuts a string to at most `max` UTF-16 units without splitting a surrogate pair (emoji), adding
 * an ellipsis when it cut. Slack counts characters, and a lone surrogate makes invalid_blocks.
 *
 * @example truncate('abcdef', 4) // 'abc…'
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/**
 * Cuts already-escaped mrkdwn so no entity such as `&amp;` is split in half.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = truncate(text, max);
  const amp = cut.lastIndexOf('&', cut.length - 1);
  if (amp !== -1 && amp > cut.length - 7 && !cut.slice(amp).includes(';')) cut = `${cut.slice(0, amp)}…`;
  // Nor a mention or link such as `<@U123>`, which would show as raw markup once cut.
  const open = cut.lastIndexOf('<');
  if (open !== -1 && !cut.slice(open).includes('>')) cut = `${cut.slice(0, open)}…`;
  return cut;
}

/** A section of mrkdwn text, cut to Slack's 3,000-character limit. */
export function section(text: string, blockId?: string): Block {
  const block: types.SectionBlock = { type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(text || ' ', LIMITS.sectionText) } };
  if (blockId) block.block_id = truncate(blockId, LIMITS.blockId);
  return block;
}

/** A section of at most 10 short mrkdwn fields of at most 2,000 characters each. */
export function fields(items: string[]): Block {
  return {
    type: 'section',
    fields: items.slice(0, LIMITS.sectionFields).map((t) => ({ type: 'mrkdwn' as const, text: truncateMrkdwn(t || ' ', LIMITS.fieldText) })),
  };
}

/** A header (plain text, 150 characters at most). */
export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, LIMITS.headerText), emoji: true } };
}

export function context(texts: string[]): Block {
  return {
    type: 'context',
    elements: texts.slice(0, LIMITS.contextElements).map((t) => ({ type: 'mrkdwn' as const, text: truncateMrkdwn(t || ' ', LIMITS.sectionText) })),
  };
}

export function divider(): Block {
  return { type: 'divider' };
}

export interface ButtonInput {
  text: string;
  actionId: string;
  value?: string;
  style?: 'primary' | 'danger';
  url?: string;
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

export function button(b: ButtonInput): Button {
  const el: Button = {
    type: 'button',
    text: { type: 'plain_text', text: truncate(b.text, LIMITS.buttonText), emoji: true },
    action_id: truncate(b.actionId, LIMITS.actionId),
  };
  if (b.value !== undefined) el.value = truncate(b.value, LIMITS.buttonValue);
  if (b.style) el.style = b.style;
  if (b.url) el.url = b.url;
  if (b.confirm) {
    el.confirm = {
      title: { type: 'plain_text', text: truncate(b.confirm.title, 100) },
      text: { type: 'plain_text', text: truncate(b.confirm.text, 300) },
      confirm: { type: 'plain_text', text: truncate(b.confirm.confirm, 30) },
      deny: { type: 'plain_text', text: truncate(b.confirm.deny, 30) },
    };
  }
  return el;
}

/** An actions block; Slack allows 25 elements, so extra buttons are dropped rather than rejected. */
export function actions(buttons: Button[], blockId?: string): Block {
  const block: types.ActionsBlock = { type: 'actions', elements: buttons.slice(0, LIMITS.actionElements) };
  if (blockId) block.block_id = truncate(blockId, LIMITS.blockId);
  return block;
}

/**
 * A text progress bar that renders the same on every Slack client.
 *
 * @example progressBar(3, 10, 10) // '███░░░░░░░ 30%'
 */
export function progressBar(done: number, total: number, width = 20): string {
  if (total <= 0) return `${'░'.repeat(width)} 0%`;
  const share = Math.min(1, Math.max(0, done / total));
  const filled = Math.round(share * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${Math.floor(share * 100)}%`;
}

/** A user mention, or a user-group mention for `S…` ids. */
export function mention(id: string): string {
  if (/^S[A-Z0-9]+$/.test(id)) return `<!subteam^${id}>`;
  if (/^[UW][A-Z0-9]+$/.test(id)) return `<@${id}>`;
  return escapeText(id);
}

/** A link whose label is escaped; a URL that is not http(s) is shown as text, never linked. */
export function link(url: string | null | undefined, label: string): string {
  if (!url || !/^https?:\/\/[^\s<>|]+$/.test(url)) return escapeText(label);
  return `<${url}|${escapeText(label).replace(/\|/g, '¦')}>`;
}

/**
 * "… and N more <label>" with the label agreeing with N; `label` is the plural ("targets",
 * "repositories"), made singular for one.
 *
 * @example moreOf(1, 'targets') // 'and 1 more target'
 */
export function moreOf(count: number, label: string): string {
  const one = /ies$/.test(label) ? label.replace(/ies$/, 'y') : /[^s]s$/.test(label) ? label.slice(0, -1) : label;
  return `and ${count} more ${count === 1 ? one : label}`;
}

/**
 * Packs lines into as few sections as fit under the 3,000-character limit, stopping at `maxBlocks`
 * with a "… and N more" line so a 1,000-target list never overflows a message.
 */
export function packLines(lines: string[], maxBlocks: number, moreLabel = 'items'): Block[] {
  const blocks: Block[] = [];
  let current = '';
  for (let i = 0; i < lines.length; i++) {
    const line = truncateMrkdwn(lines[i], LIMITS.sectionText - 40);
    const next = current ? `${current}\n${line}` : line;
    if (next.length <= LIMITS.sectionText - 40) {
      current = next;
      continue;
    }
    if (blocks.length + 1 >= maxBlocks) {
      blocks.push(section(`${current}\n_… ${moreOf(lines.length - i, moreLabel)}_`));
      return blocks;
    }
    blocks.push(section(current));
    current = line;
  }
  if (current) blocks.push(section(current));
  return blocks;
}

/** Formats a duration in ms for people: "3d 4h", "12m", "40s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** The plain-text fallback must stay under Slack's 4,000 characters (it is what notifications show). */
export function fallback(text: string): string {
  return truncate(text, LIMITS.messageText);
}

/**
 * Joins lines with newlines while they fit in `max` characters; the lines that do not fit are
 * counted in a closing "… and N more <label>" line.
 */
export function joinWithin(lines: string[], max: number, label: string): string {
  const kept: string[] = [];
  let length = 0;
  const reserve = 40 + label.length;
  for (const [i, line] of lines.entries()) {
    if (length + line.length + 1 > max - reserve) {
      kept.push(`_… ${moreOf(lines.length - i, label)}_`);
      break;
    }
    kept.push(line);
    length += line.length + 1;
  }
  return kept.join('\n');
}
