import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { FakeSlack } from '../../../src/sandbox/slack/server.js';

const startModal = {
  type: 'modal' as const,
  callback_id: 'fleet_start',
  title: { type: 'plain_text' as const, text: 'Start a campaign' },
  submit: { type: 'plain_text' as const, text: 'Start' },
  blocks: [
    {
      type: 'input' as const,
      block_id: 'spec',
      label: { type: 'plain_text' as const, text: 'Spec' },
      element: { type: 'plain_text_input' as const, action_id: 'spec_value', placeholder: { type: 'plain_text' as const, text: 'lodash.yaml' } },
    },
    {
      type: 'input' as const,
      block_id: 'policy',
      optional: true,
      label: { type: 'plain_text' as const, text: 'Approval policy' },
      element: {
        type: 'static_select' as const,
        action_id: 'policy_value',
        options: [
          { text: { type: 'plain_text' as const, text: 'Automatic above 90' }, value: 'auto' },
          { text: { type: 'plain_text' as const, text: 'Always ask' }, value: 'review' },
        ],
      },
    },
  ],
};

/** A small app in the shape of Fleet's: a /fleet command, buttons and a modal, all through the fake. */
export function registerListeners(bolt: App): void {
  bolt.command('/fleet', async ({ command, ack, respond, client }) => {
    await ack();
    if (command.text === 'start') {
      await client.views.open({ trigger_id: command.trigger_id, view: startModal });
      return;
    }
    if (command.text === 'sync') {
      return;
    }
    if (command.text === 'abort') {
      await respond({
        response_type: 'ephemeral',
        text: 'Abort c1?',
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: 'Abort *c1*? Open pull requests will be closed.' } },
          { type: 'actions', block_id: 'abort', elements: [{ type: 'button', action_id: 'abort_confirm', style: 'danger', text: { type: 'plain_text', text: 'Abort c1' }, value: 'c1' }] },
        ],
      });
      return;
    }
    await respond({ response_type: 'ephemeral', text: `You asked for *${command.text}*, <@${command.user_id}>.` });
    const root = await client.chat.postMessage({
      channel: command.channel_id,
      text: 'Campaign lodash-4.17.21 is waiting for approval',
      metadata: { event_type: 'fleet_campaign', event_payload: { campaign_id: 'c1' } },
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'lodash 4.17.21 :rocket:' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*lodash-4.17.21* wave 1 needs approval from <!subteam^S0PLATFRM>. See <https://example.com/c1|the dashboard>.' } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Confidence*\n82 (review)' },
            { type: 'mrkdwn', text: '*Wave 0*\n5/5 merged, `0` failed' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Owner <@U0OWNER01> · _canary 97_ · ~ETA 3d~ ETA 2d' }] },
        { type: 'divider' },
        {
          type: 'actions',
          block_id: 'gate',
          elements: [
            {
              type: 'button',
              action_id: 'gate_approve',
              text: { type: 'plain_text', text: 'Approve' },
              style: 'primary',
              value: 'c1:1',
              confirm: {
                title: { type: 'plain_text', text: 'Approve wave 1?' },
                text: { type: 'mrkdwn', text: 'Wave 1 opens *40* pull requests.' },
                confirm: { type: 'plain_text', text: 'Approve' },
                deny: { type: 'plain_text', text: 'Not yet' },
              },
            },
            { type: 'button', action_id: 'gate_reject', text: { type: 'plain_text', text: 'Reject' }, style: 'danger', value: 'c1:1' },
          ],
        },
      ],
    });
    await client.chat.postMessage({ channel: command.channel_id, thread_ts: root.ts!, text: 'Wave 0: 5 of 5 repositories merged. ```payments-api  #412 merged\nledger      #88  merged```' });
  });
  bolt.action('gate_approve', async ({ ack, body, respond, client, action }) => {
    await ack();
    const value = action.type === 'button' ? action.value : undefined;
    if (body.type !== 'block_actions' || !body.channel || !body.message) return;
    await respond({ replace_original: true, text: `Approved ${value} by <@${body.user.id}>` });
    await client.chat.postMessage({ channel: body.channel.id, thread_ts: body.message.ts, text: `Wave 1 approved by <@${body.user.id}>` });
  });
  bolt.action('abort_confirm', async ({ ack, respond, body }) => {
    await ack();
    if (body.type !== 'block_actions' || body.container.is_ephemeral !== true) return;
    await respond({ replace_original: true, text: `c1 aborted by <@${body.user.id}>` });
  });
  bolt.event('app_home_opened', async ({ event, client }) => {
    await client.views.publish({
      user_id: event.user,
      view: {
        type: 'home',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Your campaigns' } },
          { type: 'section', text: { type: 'mrkdwn', text: `Hello <@${event.user}>: *1* campaign running.` }, accessory: { type: 'button', action_id: 'home_refresh', text: { type: 'plain_text', text: 'Refresh' } } },
        ],
      },
    });
  });
  bolt.action('home_refresh', async ({ ack, body, client }) => {
    await ack();
    if (body.type !== 'block_actions' || body.view?.type !== 'home') return;
    await client.views.publish({
      user_id: body.user.id,
      view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Refreshed: *0* campaigns need you.' } }] },
    });
  });
  bolt.view('fleet_start', async ({ ack, view }) => {
    const spec = view.state.values.spec?.spec_value?.value ?? '';
    if (!spec.endsWith('.yaml')) {
      await ack({ response_action: 'errors', errors: { spec: 'Give a spec file name ending in .yaml' } });
      return;
    }
    await ack();
  });
}

/** Start the sample app on a free port, pointed at the fake, and tell the fake where it is. */
export async function startSampleApp(slack: FakeSlack): Promise<{ app: App; appUrl: string }> {
  const receiver = new HTTPReceiver({ signingSecret: slack.signingSecret, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
  const app = new App({ token: slack.botToken, receiver, clientOptions: { slackApiUrl: slack.apiUrl }, logLevel: LogLevel.ERROR });
  registerListeners(app);
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  slack.setAppUrl(appUrl);
  return { app, appUrl };
}
