/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk Block Kit JSON generically */
/**
 * Walks Block Kit JSON and lists every breach of Slack's published limits. Shared by the builder
 * tests and the handler tests.
 */
export function findLimitBreaches(blocks: unknown[], where: 'message' | 'view' = 'message'): string[] {
  const problems: string[] = [];
  const maxBlocks = where === 'view' ? 100 : 50;
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks > ${maxBlocks}`);
  const hasLoneSurrogate = (s: string) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
  const text = (t: unknown, max: number, label: string) => {
    const s = (t as { text?: unknown } | undefined)?.text;
    if (typeof s !== 'string') return;
    if (s.length > max) problems.push(`${label} has ${s.length} > ${max} characters`);
    if (s.length === 0) problems.push(`${label} is empty`);
    if (hasLoneSurrogate(s)) problems.push(`${label} splits a surrogate pair`);
  };
  for (const [i, raw] of blocks.entries()) {
    const b = raw as Record<string, any>;
    if (typeof b.block_id === 'string' && b.block_id.length > 255) problems.push(`block ${i} block_id too long`);
    if (b.type === 'section') {
      text(b.text, 3000, `section ${i}`);
      if (Array.isArray(b.fields)) {
        if (b.fields.length > 10) problems.push(`section ${i} has ${b.fields.length} fields`);
        b.fields.forEach((f: unknown, j: number) => text(f, 2000, `section ${i} field ${j}`));
      }
      if (!b.text && !b.fields) problems.push(`section ${i} has neither text nor fields`);
    }
    if (b.type === 'header') text(b.text, 150, `header ${i}`);
    if (b.type === 'context') {
      if (b.elements.length > 10) problems.push(`context ${i} has ${b.elements.length} elements`);
      b.elements.forEach((e: unknown, j: number) => text(e, 3000, `context ${i} element ${j}`));
    }
    if (b.type === 'actions') {
      if (b.elements.length > 25) problems.push(`actions ${i} has ${b.elements.length} elements`);
      for (const e of b.elements as Record<string, any>[]) {
        text(e.text, 75, `button in block ${i}`);
        if (typeof e.action_id === 'string' && e.action_id.length > 255) problems.push(`action_id too long in block ${i}`);
        if (typeof e.value === 'string' && e.value.length > 2000) problems.push(`button value too long in block ${i}`);
      }
    }
    if (b.type === 'input') text(b.label, 2000, `input label ${i}`);
  }
  return problems;
}
