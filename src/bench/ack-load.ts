import { readFileSync } from 'node:fs';
import { sendBlockAction, sendSlashCommand } from '../sandbox/slack/client.js';
import { ACTION } from '../slack/blocks/action-ids.js';
import { epochNow, LoadPlan, type LoadRequest, type LoadSample } from './ack-plan.js';

/**
 * The ack benchmark's load generator, a process of its own (`node dist/src/bench/ack-load.js`,
 * its plan as JSON on standard input): sends the plan's signed requests, `concurrency` at a time,
 * as Slack sends them — `/fleet` slash commands form-encoded, an Approve click as a
 * `block_actions` payload carrying the message it sits on — and prints one JSON line, the
 * samples (`ack-plan.ts`): when each request was sent and how long its HTTP answer took.
 */

function send(plan: LoadPlan, r: LoadRequest) {
  const base = { appUrl: plan.appUrl, signingSecret: plan.signingSecret, user: r.user, channel: r.channel, responseUrl: r.responseUrl };
  if (r.kind === 'command') return sendSlashCommand({ ...base, text: r.text });
  return sendBlockAction({
    ...base,
    messageTs: r.messageTs,
    message: { type: 'message', ts: r.messageTs, text: 'Approval needed', blocks: r.blocks },
    actionId: ACTION.approve,
    blockId: `gate-actions:${r.gateId}`,
    value: JSON.stringify({ c: r.campaignId, g: r.gateId }),
    text: 'Approve',
  });
}

async function main(): Promise<void> {
  const plan = LoadPlan.parse(JSON.parse(readFileSync(0, 'utf8')));
  const samples: LoadSample[] = [];
  let next = 0;
  const lane = async () => {
    while (next < plan.requests.length) {
      const r = plan.requests[next++];
      const sentAt = epochNow();
      // A request that fails without an HTTP answer counts as status 0.
      const status = await send(plan, r).then(
        (answer) => answer.status,
        () => 0,
      );
      samples.push({ id: r.id, kind: r.kind, sentAt, ackMs: epochNow() - sentAt, status });
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, lane));
  process.stdout.write(`${JSON.stringify(samples)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
