import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, RespondArguments, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { z } from 'zod';
import { ACTION, CampaignValue, GateValue, LaunchValue, TargetValue, WaveValue, decodeValue, type ActionId } from './blocks/action-ids.js';
import { abortConfirmation } from './blocks/status.js';
import { gateDetails } from './blocks/gate.js';
import { actions, context, escapeText, mention, plural, type Block, type Button } from './blocks/text.js';
import { toBreakdown } from '../engine/notifications.js';
import type { ListenerDeps } from './deps.js';
import { afterAck } from './after-ack.js';
import { replyWithError } from './handle-errors.js';
import { launchRefOf } from './start-modal.js';
import { publishHome } from './views.js';
import { resumedText } from './blocks/resumed.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

interface ClickContext<T> {
  value: T;
  user: string;
  args: ButtonArgs;
  ephemeral: (text: string) => Promise<unknown>;
  replace: (message: RespondArguments) => Promise<unknown>;
}

/**
 * Registers one button: ack first (and let other acks out), validate the value it carries, run `handle`, and send any
 * error through the one error path. A value that does not validate gets a "this button is out
 * of date" reply and changes nothing.
 */
function onButton<T>(app: App, deps: ListenerDeps, id: ActionId, schema: z.ZodType<T>, handle: (c: ClickContext<T>) => Promise<void>): void {
  app.action<BlockAction<ButtonAction>>(id, async (args) => {
    await args.ack();
    await afterAck();
    const user = args.body.user.id;
    // A click in App Home has no message to answer in: replies go to the person's DM with the app, and Home is published again.
    const fromHome = args.body.view?.type === 'home';
    const ephemeral = fromHome
      ? (text: string) => args.client.chat.postMessage({ channel: user, text })
      : (text: string) => args.respond({ response_type: 'ephemeral', replace_original: false, text });
    const replace = (message: RespondArguments) => args.respond({ replace_original: true, ...message });
    const value = decodeValue(schema, args.action.value);
    if (value === undefined) {
      // A Launch from before previews carried their time and spec hash cannot be checked for staleness.
      await ephemeral(
        id === ACTION.launch
          ? ':warning: This Launch button is from a preview Fleet can no longer check; run `/fleet preview <spec>` again and launch from the new preview.'
          : ':warning: This button carries data Fleet cannot read; it may be from an older version. Type `/fleet status <id>` to act on the campaign instead.',
      );
      return;
    }
    try {
      await handle({ value, user, args, ephemeral, replace });
    } catch (error) {
      const campaignId = (value as { c?: string }).c;
      await replyWithError(error, { what: `the ${id} button`, user, campaignId }, ephemeral, deps.logger);
    }
    if (fromHome) await publishHome(deps, args.client, user).catch((error: unknown) => deps.logger.error('could not publish App Home', { user, message: error instanceof Error ? error.message : String(error) }));
  });
}

/** Removes the buttons of a message and adds who decided, keeping the rest (and a gate's Details) as it was. */
export function markDecided(blocks: Block[], verdict: string): Block[] {
  const kept = blocks.filter((b) => b.type !== 'actions');
  const details = blocks.flatMap((b) => (b.type === 'actions' ? b.elements.filter((e) => 'action_id' in e && e.action_id === ACTION.gateDetails) : []));
  return [...kept, context([verdict]), ...(details.length ? [actions(details as Button[])] : [])];
}

/** Updates the clicked message in place (its buttons replaced by who did what), so nobody clicks it again. */
async function markClicked(args: ButtonArgs, text: string, verdict: string): Promise<void> {
  const message = args.body.message;
  const channel = args.body.channel?.id;
  if (!message?.ts || !channel) return;
  await args.client.chat.update({ channel, ts: message.ts, text, blocks: markDecided((message.blocks ?? []) as Block[], verdict) });
}

/**
 * Registers the buttons: Approve / Reject, Pause / Resume / Abort (with confirmation), Retry /
 * Skip, Revert wave, and Launch / Cancel on a preview.
 *
 * @example registerActions(app, { service, admins, logger, now })
 */
export function registerActions(app: App, deps: ListenerDeps): void {
  const { service } = deps;

  for (const [id, decide] of [
    [ACTION.approve, 'approve'],
    [ACTION.reject, 'reject'],
  ] as const) {
    onButton(app, deps, id, GateValue, async ({ value, user, args }) => {
      const gate = await service[decide](value.c, user, value.g);
      const verdict = `${gate.state === 'approved' ? ':white_check_mark: Approved' : ':no_entry_sign: Rejected'} by ${mention(user)}`;
      await markClicked(args, `Gate ${gate.state}`, verdict);
    });
  }

  // Details decides nothing, so anyone who sees the gate may read it; the answer is theirs alone.
  onButton(app, deps, ACTION.gateDetails, GateValue, async ({ value, args }) => {
    const gate = service.gate(value.c, value.g);
    const { waveCount } = service.status(value.c);
    const message = gateDetails({ campaignId: value.c, wave: gate.wave, waveCount, confidence: toBreakdown(gate) });
    await args.respond({ response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks });
  });

  onButton(app, deps, ACTION.pause, CampaignValue, async ({ value, user, ephemeral }) => {
    const c = await service.pause(value.c, user);
    await ephemeral(`:double_vertical_bar: Paused *${escapeText(c.name)}*.`);
  });
  onButton(app, deps, ACTION.resume, CampaignValue, async ({ value, user, ephemeral }) => {
    const c = await service.resume(value.c, user);
    await ephemeral(resumedText(c));
  });
  onButton(app, deps, ACTION.abort, CampaignValue, async ({ value, user, args }) => {
    await deps.checkActor(value.c, user, 'abort');
    const status = service.status(value.c);
    await args.respond({ response_type: 'ephemeral', replace_original: false, ...abortConfirmation(status.id, status.name, status.spec.onAbort) });
  });
  onButton(app, deps, ACTION.abortConfirm, CampaignValue, async ({ value, user, replace }) => {
    const c = await service.abort(value.c, user);
    await replace({ text: `:x: Aborted *${escapeText(c.name)}* (\`${c.id}\`).` });
  });
  onButton(app, deps, ACTION.retry, TargetValue, async ({ value, user, ephemeral, args }) => {
    const t = await service.retry(value.c, value.r, user);
    await markClicked(args, `${t.repo} retried`, `:repeat: Retried by ${mention(user)}`);
    await ephemeral(`:repeat: \`${escapeText(t.repo)}\` will run again.`);
  });
  onButton(app, deps, ACTION.skip, TargetValue, async ({ value, user, ephemeral, args }) => {
    const t = await service.skip(value.c, value.r, user, 'skipped from Slack');
    await markClicked(args, `${t.repo} skipped`, `:fast_forward: Skipped by ${mention(user)}`);
    await ephemeral(`:fast_forward: \`${escapeText(t.repo)}\` is skipped.`);
  });
  onButton(app, deps, ACTION.revertWave, WaveValue, async ({ value, user, ephemeral }) => {
    const count = await service.revertWave(value.c, value.w, user);
    await ephemeral(`:rewind: Opening ${plural(count, 'revert PR')} for wave ${value.w + 1}.`);
  });
  onButton(app, deps, ACTION.launch, LaunchValue, async ({ value, user, replace }) => {
    // A preview can be forwarded: the person who clicks Launch launches, so they need the right.
    await service.authorizeLaunch(user);
    const { ref, preview } = launchRefOf(value, user);
    const c = await service.start(ref, user, preview);
    await replace({ text: `:rocket: Started *${escapeText(c.name)}* (\`${c.id}\`) in <#${c.channel}>. Follow it in that thread.` });
  });
  app.action<BlockAction<ButtonAction>>(ACTION.cancel, async ({ ack, respond }) => {
    await ack();
    await respond({ delete_original: true });
  });
}
