import type { AllMiddlewareArgs, RespondArguments, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { abortConfirmation, listMessage, statusMessage } from './blocks/status.js';
import { digestMessage } from './blocks/digest.js';
import { helpMessage } from './blocks/help.js';
import { previewMessage } from './blocks/preview.js';
import { escapeText } from './blocks/text.js';
import { digestFromService, toStatusInput, type ListenerDeps } from './deps.js';
import { afterAck } from './after-ack.js';
import { replyWithError } from './handle-errors.js';
import { parseCommand, type FleetCommand } from './parse-command.js';
import { launchValueOf, startModal } from './start-modal.js';
import { resumedText } from './blocks/resumed.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * The `/fleet` listener: acknowledges at once, lets other acks out (`afterAck`), then parses and does the work, replying through
 * respond(). Bad input and refusals are ephemeral; results other people need to see (a start, a
 * freeze) go to the channel.
 *
 * @example app.command('/fleet', createFleetCommand({ service, admins, logger, now }))
 */
export function createFleetCommand(deps: ListenerDeps) {
  return async function fleetCommand({ command, ack, respond, client }: CommandArgs): Promise<void> {
    await ack();
    await afterAck();
    const ephemeral = (message: RespondArguments) => respond({ response_type: 'ephemeral', ...message });
    const parsed = parseCommand(command.text);
    if (!parsed.ok) {
      await ephemeral({ text: parsed.error });
      return;
    }
    const what = `/fleet ${parsed.command.name}`;
    try {
      await runCommand(parsed.command, { deps, user: command.user_id, channel: command.channel_id, triggerId: command.trigger_id, respond: ephemeral, inChannel: (m) => respond({ response_type: 'in_channel', ...m }), client });
    } catch (error) {
      await replyWithError(error, { what, user: command.user_id, campaignId: 'id' in parsed.command ? parsed.command.id : undefined }, (text) => ephemeral({ text }), deps.logger);
    }
  };
}

interface CommandContext {
  deps: ListenerDeps;
  user: string;
  channel: string;
  triggerId: string;
  respond: (m: RespondArguments) => Promise<unknown>;
  inChannel: (m: RespondArguments) => Promise<unknown>;
  client: CommandArgs['client'];
}

async function runCommand(command: FleetCommand, ctx: CommandContext): Promise<void> {
  const { service } = ctx.deps;
  switch (command.name) {
    case 'help':
      await ctx.respond(helpMessage());
      return;
    case 'start': {
      if (!command.spec) {
        await ctx.client.views.open({ trigger_id: ctx.triggerId, view: startModal({ catalog: await service.catalog(), channel: ctx.channel }) });
        return;
      }
      await service.authorizeLaunch(ctx.user);
      const campaign = await service.start({ catalog: command.spec }, ctx.user);
      await ctx.inChannel({ text: `:rocket: <@${ctx.user}> started *${escapeText(campaign.name)}* (\`${campaign.id}\`) in <#${campaign.channel}>. Follow it in that thread; \`/fleet status ${campaign.id}\` any time.` });
      return;
    }
    case 'preview': {
      const preview = await service.preview({ catalog: command.spec });
      await ctx.respond(
        previewMessage({ ...preview, name: preview.spec.name, sampled: preview.sampled.length, noChange: preview.noChange.length, launch: launchValueOf({ catalog: command.spec }, preview) }),
      );
      return;
    }
    case 'list':
      await ctx.respond(listMessage(service.list()));
      return;
    case 'status':
      await ctx.respond(statusMessage(toStatusInput(service.status(command.id, command.view))));
      return;
    case 'pause': {
      const c = await service.pause(command.id, ctx.user);
      await ctx.respond({ text: `:double_vertical_bar: Paused *${escapeText(c.name)}* (\`${c.id}\`). Resume with \`/fleet resume ${c.id}\`.` });
      return;
    }
    case 'resume': {
      const c = await service.resume(command.id, ctx.user);
      await ctx.respond({ text: resumedText(c) });
      return;
    }
    case 'abort': {
      // Confirmation first, and only to someone who may abort: an outsider is refused (and the
      // attempt recorded) here, not at the confirm click. An unknown id throws not_found.
      await ctx.deps.checkActor(command.id, ctx.user, 'abort');
      const status = service.status(command.id);
      await ctx.respond(abortConfirmation(status.id, status.name, status.spec.onAbort));
      return;
    }
    case 'approve': {
      const gate = await service.approve(command.id, ctx.user);
      await ctx.respond({ text: `:white_check_mark: You approved the gate of wave ${gate.wave + 1} of \`${command.id}\`: its pull requests merge next.` });
      return;
    }
    case 'retry': {
      const t = await service.retry(command.id, command.repo, ctx.user);
      await ctx.respond({ text: `:repeat: \`${escapeText(t.repo)}\` will run again from its current step.` });
      return;
    }
    case 'skip': {
      const t = await service.skip(command.id, command.repo, ctx.user);
      await ctx.respond({ text: `:fast_forward: \`${escapeText(t.repo)}\` is skipped in \`${command.id}\`.` });
      return;
    }
    case 'freeze':
      await service.setFreeze(command.on, ctx.user);
      await ctx.inChannel({
        text: command.on
          ? `:ice_cube: <@${ctx.user}> turned the freeze *on*: no step runs anywhere until \`/fleet freeze off\`.`
          : `:sunny: <@${ctx.user}> turned the freeze *off*: campaigns carry on.`,
      });
      return;
    case 'digest': {
      const digest = ctx.deps.buildDigest ? await ctx.deps.buildDigest(ctx.channel) : digestFromService(ctx.deps, ctx.channel);
      await ctx.respond(digestMessage(digest));
      return;
    }
  }
}
