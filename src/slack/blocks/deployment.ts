import type { NotificationOf } from '../../domain/notifications.js';
import { escapeText, fallback, link, section, type SlackMessage } from './text.js';

/**
 * One line in the thread for a canary deployment: "Deployed <sha7> of <repo> to <env>: <link>",
 * or the failure with the CD system's description and its log.
 *
 * @example deploymentMessage({ kind: 'deployment', outcome: 'succeeded', repo: 'acme/api', sha, environment: 'canary', environmentUrl: 'https://…', ... })
 */
export function deploymentMessage(record: NotificationOf<'deployment'>): SlackMessage {
  const sha = escapeText(record.sha.slice(0, 7));
  const repo = escapeText(record.repo);
  const env = escapeText(record.environment);
  const pr = record.prUrl ? ` (${link(record.prUrl, 'pull request')})` : '';
  if (record.outcome === 'succeeded') {
    const where = record.environmentUrl ? `: ${link(record.environmentUrl, record.environmentUrl)}` : '';
    return {
      text: fallback(`Deployed ${record.sha.slice(0, 7)} of ${record.repo} to ${record.environment}${record.environmentUrl ? `: ${record.environmentUrl}` : ''}`),
      blocks: [section(`:rocket: Deployed \`${sha}\` of *${repo}*${pr} to \`${env}\`${where}`)],
    };
  }
  const why = record.description ? `: ${escapeText(record.description)}` : '';
  const log = record.logUrl ? ` · ${link(record.logUrl, 'log')}` : '';
  return {
    text: fallback(`The deployment of ${record.sha.slice(0, 7)} of ${record.repo} to ${record.environment} failed${record.description ? `: ${record.description}` : ''}${record.logUrl ? ` (log: ${record.logUrl})` : ''}`),
    blocks: [section(`:x: The deployment of \`${sha}\` of *${repo}*${pr} to \`${env}\` failed${why}${log}`)],
  };
}
