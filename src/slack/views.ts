import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs, SlackEventMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { ACTION } from './blocks/action-ids.js';
import { homeView } from './blocks/home.js';
import { previewMessage } from './blocks/preview.js';
import type { ListenerDeps } from './deps.js';
import { replyWithError } from './handle-errors.js';
import { START_CALLBACK, launchValueOf, parseMetadata, readStartSubmission, specFromForm, startFormModal } from './start-modal.js';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * The `/fleet start` modal's submit: per-field errors are returned to the modal; a valid choice
 * closes it and posts the dry-run preview ephemerally with a Launch button.
 */
export function createStartSubmit(deps: ListenerDeps) {
  return async function startSubmit({ ack, body, view, client }: SubmitArgs): Promise<void> {
    const user = body.user.id;
    const submission = readStartSubmission(view.state.values, view.private_metadata, user);
    if (!submission.ok) {
      await ack({ response_action: 'errors', errors: submission.errors });
      return;
    }
    await ack();
    // Without a channel (a tampered form) the preview goes to the person's own DM with the app.
    const channel = parseMetadata(view.private_metadata)?.channel ?? user;
    const ephemeral = (text: string) => client.chat.postEphemeral({ channel, user, text });
    try {
      // Refused at once, before a preview is computed for someone who could not launch it.
      await deps.service.authorizeLaunch(user);
      const launch = submission.launch;
      const ref = 'catalog' in launch ? { catalog: launch.catalog } : { spec: specFromForm(launch.form, user), source: 'slack:start-form' };
      const preview = await deps.service.preview(ref);
      const message = previewMessage({ ...preview, name: preview.spec.name, sampled: preview.sampled.length, noChange: preview.noChange.length, launch: launchValueOf(launch, preview) });
      await client.chat.postEphemeral({ channel, user, ...message });
    } catch (error) {
      await replyWithError(error, { what: 'the start form', user }, ephemeral, deps.logger);
    }
  };
}

/**
 * Publishes a person's App Home: the freeze, what waits for them (approvals, targets that need
 * them, the campaigns they own, with buttons) and every campaign. Progress counts done work.
 */
export async function publishHome(deps: ListenerDeps, client: { views: { publish(args: { user_id: string; view: ReturnType<typeof homeView> }): Promise<unknown> } }, user: string): Promise<void> {
  const campaigns = deps.service.list().map((c) => ({
    id: c.id,
    name: c.name,
    state: c.state,
    owner: c.owner,
    // Done work: the targets an abort stopped are not done.
    done: c.done,
    total: Object.values(c.counts).reduce((n, v) => n + v, 0),
    openGate: c.state === 'awaiting-approval',
  }));
  const mine = await deps.service.waitingFor(user);
  const waiting = {
    approvals: mine.approvals,
    targets: mine.targets,
    owned: mine.owned.map((c) => ({ id: c.id, name: c.name, state: c.state, channel: c.channel, done: c.done, total: Object.values(c.counts).reduce((n, v) => n + v, 0) })),
  };
  await client.views.publish({ user_id: user, view: homeView({ user, frozen: deps.service.isFrozen(), isAdmin: deps.admins.includes(user), campaigns, waiting }) });
}

/** App Home: published when a person opens the tab. */
export function createHomeOpened(deps: ListenerDeps) {
  return async function homeOpened({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> {
    if (event.tab !== 'home') return;
    try {
      await publishHome(deps, client, event.user);
    } catch (error) {
      deps.logger.error('could not publish App Home', { user: event.user, message: error instanceof Error ? error.message : String(error) });
    }
  };
}

/** The catalog modal's "Bump an npm dependency instead": the same modal, turned into the short form. */
export function createStartForm(deps: ListenerDeps) {
  return async function startForm({ ack, body, client, respond }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> {
    await ack();
    const view = body.view;
    if (!view) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: 'This button belongs to the start modal; type `/fleet start` to open it.' });
      return;
    }
    // Without its channel (a tampered modal) the form posts its preview to the person's DM with the app.
    const channel = parseMetadata(view.private_metadata)?.channel ?? body.user.id;
    try {
      await client.views.update({ view_id: view.id, hash: view.hash, view: startFormModal({ channel }) });
    } catch (error) {
      await replyWithError(error, { what: 'the start form button', user: body.user.id }, (text) => client.chat.postEphemeral({ channel, user: body.user.id, text }), deps.logger);
    }
  };
}

export function registerViews(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(START_CALLBACK, createStartSubmit(deps));
  app.action<BlockAction<ButtonAction>>(ACTION.startForm, createStartForm(deps));
  app.event('app_home_opened', createHomeOpened(deps));
}
