/**
 * Renders Slack messages as plain text for a terminal: what a person would read in the channel,
 * with buttons shown as [Label]. Pure; used by the headless demo.
 */

interface TextObject {
  type?: string;
  text?: string;
}

type Block = Record<string, unknown>;

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as TextObject).text === 'string') return (value as TextObject).text!;
  return '';
}

/** Channel ids and the names a reader sees for them (`C0FLEET001` → `fleet-payments`). */
export type ChannelNames = Readonly<Record<string, string>>;

/** Turns mrkdwn markup into what a reader sees: links as their label, mentions as @id, channels by name. */
export function plainMrkdwn(text: string, channels: ChannelNames = {}): string {
  return text
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<!subteam\^([A-Z0-9]+)(\|[^>]*)?>/g, '@$1')
    .replace(/<!date\^(\d+)\^[^|>]*(\|[^>]*)?>/g, (_, seconds: string) => `${new Date(Number(seconds) * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`)
    .replace(/<#([A-Z0-9]+)\|([^>]+)>/g, '#$2')
    .replace(/<#([A-Z0-9]+)>/g, (_, id: string) => `#${channels[id] ?? id}`)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function renderBlock(block: Block): string[] {
  switch (block.type) {
    case 'header':
      return [`== ${textOf(block.text)} ==`];
    case 'section': {
      const lines = [textOf(block.text)];
      // Slack lays fields out in two columns, each a label over its value: one field a "label value" pair here.
      if (Array.isArray(block.fields)) lines.push((block.fields as unknown[]).map((f) => textOf(f).replace(/\n+/g, ' ')).join('  ·  '));
      const accessory = block.accessory as Block | undefined;
      if (accessory?.type === 'button') lines.push(`[${textOf(accessory.text)}]`);
      return lines.filter((l) => l !== '');
    }
    case 'context':
      return [((block.elements as unknown[] | undefined) ?? []).map(textOf).join('  ')];
    case 'divider':
      return ['---'];
    case 'actions':
      return [((block.elements as Block[] | undefined) ?? []).map((e) => `[${textOf(e.text)}]`).join(' ')];
    case 'rich_text':
      return [];
    default:
      return [textOf(block.text)].filter((l) => l !== '');
  }
}

/**
 * A message's blocks as text lines (its fallback `text` when it has no blocks).
 *
 * @example renderMessage({ text: 'hi', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'Fleet' } }] }) // ['== Fleet ==']
 */
export function renderMessage(message: { text?: string; blocks?: unknown[] }, channels: ChannelNames = {}): string[] {
  const blocks = (message.blocks ?? []).filter((b): b is Block => typeof b === 'object' && b !== null);
  const lines = blocks.length > 0 ? blocks.flatMap(renderBlock) : [message.text ?? ''];
  return lines.flatMap((l) => plainMrkdwn(l, channels).split('\n'));
}

/** A whole thread as indented text: the root message, then each reply under it. */
export function renderThread(messages: readonly { text?: string; blocks?: unknown[]; ts: string }[], channels: ChannelNames = {}): string {
  return messages
    .map((m, i) => {
      const prefix = i === 0 ? '' : '    ';
      const body = renderMessage(m, channels).map((l) => `${prefix}${l}`);
      return [`${prefix}--- ${i === 0 ? 'message' : 'reply'} ${m.ts}`, ...body].join('\n');
    })
    .join('\n');
}
