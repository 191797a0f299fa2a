import { createInterface } from 'node:readline';
import { sendBlockAction, sendSlashCommand } from '../sandbox/slack/client.js';
import { ACTION } from '../slack/blocks/action-ids.js';
import { epochNow, LoadPlan, type LoadRequest, type LoadSample } from './ack-plan.js';

/**
 * The ack benchmark's load generator, a process of its own (`node dist/src/bench/ack-load.js`)
 * that lives for the whole run, so its own JIT warm-up is paid once: each line on standard input
 * is a plan (`ack-plan.ts`). It sends the plan's signed requests, `concurrency` at a time, as
 * Slack sends them — `/fleet` slash commands form-encoded, an Approve click as a `block_actions`
 * payload carrying the message it sits on — and prints one JSON line of samples: when each
 * request was sent and how long its HTTP answer took. It exits when standard input ends.
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

async function runPlan(plan: LoadPlan): Promise<LoadSample[]> {
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
  return samples;
}

async function main(): Promise<void> {
  // One plan at a time: the next line is read only once this one's samples are out.
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    const samples = await runPlan(LoadPlan.parse(JSON.parse(line)));
    process.stdout.write(`${JSON.stringify(samples)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
