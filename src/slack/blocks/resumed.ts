import { escapeText } from './text.js';

export interface ResumedInput {
  id: string;
  name: string;
  state: string;
  stateReason: string;
  currentWave: number;
}

/** Fleet's own sentences, escaped, with the user mentions Fleet wrote in them left to render. */
function plain(text: string): string {
  return escapeText(text).replace(/&lt;@([UW][A-Z0-9]+)&gt;/g, '<@$1>');
}

/**
 * The reply to a resume: what the campaign does now. A halted campaign is weighed again at once,
 * so the reply says when it waits for an approval (and why) or was halted again.
 *
 * @example resumedText({ id: 'c-1', name: 'bump', state: 'running', stateReason: '', currentWave: 0 }) // ':arrow_forward: Resumed *bump* (`c-1`).'
 */
export function resumedText(c: ResumedInput): string {
  const head = `:arrow_forward: Resumed *${escapeText(c.name)}* (\`${escapeText(c.id)}\`)`;
  const wave = c.currentWave + 1;
  if (c.state === 'awaiting-approval') {
    const why = c.stateReason.replace(new RegExp(`^wave ${wave} needs (an )?approval: `, 'i'), '');
    return `${head}. Wave ${wave} waits for an approval in the campaign's thread${why ? `: ${plain(why)}` : ''}.`;
  }
  if (c.state === 'halted') return `${head}, but Fleet halted it again${c.stateReason ? `: ${plain(c.stateReason)}` : ''}.`;
  return `${head}.`;
}
