import { WebClient } from '@slack/web-api';

/**
 * The Slack Web API client for everything but the outbox (which has its own, without retries):
 * user-group look-ups, and the tools that post as the app. `apiUrl` points it at the stand-in.
 *
 * @example const client = createSlackClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL);
 */
export function createSlackClient(token: string, apiUrl?: string | null): WebClient {
  return new WebClient(token, apiUrl ? { slackApiUrl: apiUrl } : {});
}
