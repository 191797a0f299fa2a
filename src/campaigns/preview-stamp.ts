import { clockText } from '../domain/clock.js';
import { FleetError } from '../errors.js';
import type { EventRecord, Store } from '../store/store.js';
import type { PreviewStamp, SpecRef } from './service-types.js';

/**
 * A Launch from a preview starts what the preview showed, once: the preview's id is recorded in
 * the `campaign.started` event (`data.previewId`), a preview older than ten minutes or of a spec
 * that changed since is refused, and a second Launch of the same preview says what the first one
 * started, by whom and when.
 */

/** How long a preview's Launch button stays good. */
export const PREVIEW_MAX_AGE_MS = 10 * 60_000;

/** The `campaign.started` event of a start launched from this preview, if there was one. */
export function findLaunchOf(store: Pick<Store, 'events'>, preview: PreviewStamp): EventRecord | undefined {
  return store.events.list({ kinds: ['campaign.started'], since: preview.at }).find((e) => e.data.previewId === preview.id);
}

/**
 * Refuses (FleetError 'conflict', changing nothing) a Launch of a preview already launched, older
 * than ten minutes, or, when `specHash` is given, of a spec whose content changed since.
 *
 * @example checkPreviewStamp(store, { catalog: 'bump-lodash' }, { id: 'p-1a2b3c', at: Date.parse('2026-12-01T14:02Z') }, Date.parse('2026-12-01T14:15Z'))
 * // throws: This preview is from 14:02 UTC, more than 10 minutes ago; run `/fleet preview bump-lodash` again and launch from the new preview.
 */
export function checkPreviewStamp(store: Pick<Store, 'events' | 'campaigns'>, ref: SpecRef, preview: PreviewStamp, now: number, specHash?: string): void {
  const launched = findLaunchOf(store, preview);
  if (launched) {
    const campaign = launched.campaignId ? store.campaigns.get(launched.campaignId) : undefined;
    const what = campaign ? `${campaign.name} (\`${campaign.id}\`)` : 'its campaign';
    const follow = campaign ? ` Follow it in <#${campaign.channel}>, or type \`/fleet status ${campaign.id}\`.` : '';
    throw new FleetError('conflict', `This preview was already launched: <@${launched.actor}> started ${what} at ${clockText(launched.at, now)}.${follow}`, { previewId: preview.id, campaignId: launched.campaignId });
  }
  const again = 'catalog' in ref ? `run \`/fleet preview ${ref.catalog}\` again` : 'type `/fleet start` and preview the form again';
  const made = clockText(preview.at, now);
  if (now - preview.at > PREVIEW_MAX_AGE_MS) {
    throw new FleetError('conflict', `This preview is from ${made}, more than 10 minutes ago; ${again} and launch from the new preview.`, { previewId: preview.id, previewedAt: preview.at });
  }
  if (specHash !== undefined && preview.specHash !== undefined && specHash !== preview.specHash) {
    const name = 'catalog' in ref ? ref.catalog : ref.spec.name;
    throw new FleetError('conflict', `The spec ${name} changed after this preview was made at ${made}; ${again} to see what a launch would do now.`, { previewId: preview.id });
  }
}
