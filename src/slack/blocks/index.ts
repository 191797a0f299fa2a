export * from './action-ids.js';
export * from './campaign.js';
export * from './digest.js';
export * from './gate.js';
export * from './help.js';
export * from './home.js';
export * from './preview.js';
export { LIMITS, agree, escapeKeepingMentions, escapeText, plural, truncate, progressBar, type Block, type SlackMessage } from './text.js';
export * from './status.js';
