import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createCampaignService } from '../../src/campaigns/service.js';
import { buildDigest } from '../../src/engine/digest.js';
import { buildFinalSummary, buildWaveFinished } from '../../src/engine/notifications.js';
import type { Gateway } from '../../src/github/gateway.js';
import { statusMessage } from '../../src/slack/blocks/status.js';
import { toStatusInput } from '../../src/slack/deps.js';
import { renderNotification } from '../../src/slack/render-notification.js';
import { makeSpec, openTempStore, seedCampaign, type TempStore } from '../engine/helpers.js';
import { findLimitBreaches } from './check-limits.js';

/** Status reads only the store: any gateway call fails the test. */
const noGateway = new Proxy({} as Gateway, {
  get(_, name) {
    if (name === 'then') return undefined;
    return () => {
      throw new Error(`unexpected gateway call ${String(name)}`);
    };
  },
});

function blocksOf(rendered: { args: Record<string, unknown> }): unknown[] {
  return rendered.args.blocks as unknown[];
}

describe('failures stay within Slack limits for a 1,000-target campaign', () => {
  let t: TempStore;
  let id: string;
  beforeEach(() => {
    t = openTempStore();
    const waves = [10, 90, 300, 600].map((size, w) => Array.from({ length: size }, (_, i) => `acme-with-a-long-organisation-name/service-${w}-${String(i).padStart(4, '0')}`));
    id = seedCampaign(t.store, { waves });
    // The last wave: 400 fail with long reasons full of markup, 100 need a person; 150 teams own them.
    const reason = (repo: string) => `The change breaks build <script> & "quotes" in ${repo}: ${'npm ERR! peer dependency conflict '.repeat(20)}`;
    t.store.transaction(() => {
      t.store.targets.list(id, 3).forEach((target, i) => {
        if (i < 500) t.store.events.append({ campaignId: id, targetId: target.id, at: 1_500, actor: 'engine', kind: 'pr.opened', data: { reviewers: { users: [], teams: [`team-${i % 150}`], note: '' } } });
        const state = i < 400 ? 'failed' : i < 500 ? 'needs-attention' : 'succeeded';
        t.store.targets.update(target.id, target.version, { state, stateReason: state === 'succeeded' ? '' : reason(target.repo), score: i % 97, prUrl: `https://github.com/${target.repo}/pull/${i + 1}` }, 2_000);
      });
    });
  });
  afterEach(() => t.close());

  test("the wave's end, the final summary and the digest", () => {
    const campaign = t.store.campaigns.get(id)!;
    const wave = renderNotification(buildWaveFinished(t.store, campaign, 3, 1_000, 2_000).record);
    expect(findLimitBreaches(blocksOf(wave))).toEqual([]);
    expect(JSON.stringify(wave.args)).toContain('_and 490 more: `/fleet status c-test failed`_');

    const summary = renderNotification(buildFinalSummary(t.store, campaign, 3_000).record);
    expect(findLimitBreaches(blocksOf(summary))).toEqual([]);
    expect(JSON.stringify(summary.args)).toContain('more teams with failures: `/fleet status c-test failed`');

    const digest = renderNotification(buildDigest(t.store, 'CCHAN1', 3_000));
    expect(findLimitBreaches(blocksOf(digest))).toEqual([]);
    const digestText = JSON.stringify(digest.args);
    expect(digestText).toContain('*Failed, by team*\\n• `@acme-with-a-long-organisation-name/team-');
    expect(digestText).toMatch(/more teams_\\n`\/fleet status c-test failed` lists every failure\./);
    expect(digestText).toContain('• needs attention — ');
  });

  test('/fleet status in each view', () => {
    const service = createCampaignService({
      store: t.store,
      catalog: { list: async () => [], load: async () => ({ spec: makeSpec(), source: 'test' }) },
      gateway: noGateway,
      planWaves: () => [],
      admins: [],
      launchers: { users: [], groups: [] },
      resolveGroupMembers: async () => [],
      now: () => 3_000,
      wake: () => undefined,
      newId: () => 'unused',
    });
    const failed = statusMessage(toStatusInput(service.status(id, 'failed')));
    expect(findLimitBreaches(failed.blocks)).toEqual([]);
    const failedText = JSON.stringify(failed.blocks);
    expect(failedText).toContain('*Failed or needing a person (500), worst first*');
    expect(failedText).toContain('Showing the first 100 of 500 targets.');
    expect(failedText).toContain('— `/fleet retry c-test acme-with-a-long-organisation-name/service-3-');
    expect(failedText).not.toContain('<script>');

    const all = statusMessage(toStatusInput(service.status(id, 'all')));
    expect(findLimitBreaches(all.blocks)).toEqual([]);
    expect(JSON.stringify(all.blocks)).toContain('Showing the first 100 of 1000 targets. `/fleet status c-test failed` lists the ones that failed.');

    const attention = statusMessage(toStatusInput(service.status(id)));
    expect(findLimitBreaches(attention.blocks)).toEqual([]);
    expect(JSON.stringify(attention.blocks)).toContain('*Needs attention (100)*');
  });
});
