import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { AddressInfo } from 'node:net';
import { ACTION } from '../../slack/blocks/action-ids.js';

/**
 * The ack benchmark's baseline, a process of its own (`node dist/src/sandbox/slack/bare-bolt.js`): a
 * Bolt app with the receiver Fleet uses (`HTTPReceiver` on `/slack/events`, responses after the
 * ack) whose `/fleet` command and Approve button only ack. Listens on 127.0.0.1 at a free port,
 * prints `{"port":…}` once it listens, and stops on SIGTERM. Its signing secret and bot token come
 * from SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN, as Fleet's do.
 */

async function main(): Promise<void> {
  const signingSecret = process.env.SLACK_SIGNING_SECRET ?? '';
  const botToken = process.env.SLACK_BOT_TOKEN ?? '';
  if (signingSecret === '' || botToken === '') throw new Error('SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN must be set.');
  const receiver = new HTTPReceiver({ signingSecret, endpoints: '/slack/events', processBeforeResponse: false, logLevel: LogLevel.ERROR });
  const app = new App({ receiver, logLevel: LogLevel.ERROR, authorize: async () => ({ botToken }) });
  app.command('/fleet', async ({ ack }) => {
    await ack();
  });
  app.action(ACTION.approve, async ({ ack }) => {
    await ack();
  });
  const server = await receiver.start({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  process.once('SIGTERM', () => {
    receiver.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
