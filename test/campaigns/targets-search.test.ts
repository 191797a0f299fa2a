import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { codeSearchQuery, repoSearchQuery } from '../../src/campaigns/discover-targets.js';
import { requireOrgsInScope, specOrgs } from '../../src/campaigns/org-scope.js';
import { createCampaignService } from '../../src/campaigns/service.js';
import { CampaignSpec } from '../../src/domain/spec.js';
import { isFleetError } from '../../src/errors.js';
import { startHarness, type Harness } from '../github/harness.js';
import { makeSpec } from '../engine/helpers.js';

const LODASH_OLD = '{ "dependencies": { "lodash": "4.17.15" } }\n';
const LODASH_NEW = '{ "dependencies": { "lodash": "4.17.21" } }\n';

function specWith(targets: Record<string, unknown>, change?: Record<string, unknown>): CampaignSpec {
  return makeSpec({ targets, waves: [1, '100%'], ...(change ? { change } : {}) });
}

describe('targets in the spec', () => {
  const base = { name: 'bump', owner: 'UOWNER1', channel: 'CCHAN1', change: { kind: 'npm-dependency', options: { package: 'lodash', version: '4.17.21' } }, pr: { title: 'Bump' }, steps: ['open-pr', 'merge'] };
  const issues = (targets: Record<string, unknown>) => {
    const result = CampaignSpec.safeParse({ ...base, targets });
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  test('a query must be scoped by org:/user: or by org; repos excludes both; containing needs a term', () => {
    expect(issues({ query: 'topic:node org:acme' })).toEqual([]);
    expect(issues({ query: 'topic:node', org: 'acme' })).toEqual([]);
    expect(issues({ query: 'topic:node' })).toEqual(['targets.query: the search "query" must be scoped to an organisation: add an "org:" (or "user:") qualifier, or set "org"']);
    expect(issues({ query: 'org:acme', repos: ['acme/a'] })[0]).toMatch(/give either an explicit "repos" list or an "org" selector/);
    expect(issues({ org: 'acme', containing: { path: 'package.json' } })[0]).toMatch(/give the "text" the file holds/);
    expect(issues({ org: 'acme', containing: 'lodash filename:package.json' })).toEqual([]);
    expect(CampaignSpec.parse({ ...base, targets: { org: 'acme' } }).targets.includeForks).toBe(false);
  });

  test('the organisations a query names are checked against FLEET_ORGS', () => {
    const spec = specWith({ query: 'topic:node org:acme org:globex' });
    expect(specOrgs(spec)).toEqual(['acme', 'globex']);
    const refusal = (() => {
      try {
        requireOrgsInScope(spec, ['acme']);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(isFleetError(refusal, 'bad_input') && refusal.message).toContain('the organisation "globex"');
    expect(specOrgs(specWith({ org: 'acme', containing: 'lodash repo:initech/app' }))).toEqual(['acme', 'initech']);
  });

  test('the searches Fleet sends', () => {
    expect(repoSearchQuery({ query: 'topic:node', org: 'acme', includeForks: false })).toBe('topic:node org:acme');
    expect(repoSearchQuery({ query: 'org:acme topic:node', includeForks: true })).toBe('org:acme topic:node fork:true');
    expect(codeSearchQuery({ path: 'package.json', text: 'lodash' }, ['acme', 'globex'], false)).toBe('lodash filename:package.json path:/ org:acme org:globex');
    expect(codeSearchQuery({ path: 'services/api/package.json', text: 'left pad' }, ['acme'], true)).toBe('"left pad" filename:package.json path:services/api org:acme fork:true');
    expect(codeSearchQuery('lodash repo:acme/api', ['acme'], false)).toBe('lodash repo:acme/api');
  });
});

describe('targets by search, and planning that drops what needs no change, over the fake GitHub', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    const seed = (input: Parameters<Harness['fake']['state']['seedRepo']>[0]) => h.fake.state.seedRepo(input);
    seed({ owner: 'acme', name: 'api', files: { 'package.json': LODASH_OLD }, topics: ['node'], language: 'TypeScript' });
    seed({ owner: 'acme', name: 'web', files: { 'package.json': LODASH_OLD }, topics: ['node'], language: 'JavaScript' });
    seed({ owner: 'acme', name: 'current', files: { 'package.json': LODASH_NEW }, topics: ['node'], language: 'JavaScript' });
    seed({ owner: 'acme', name: 'react-only', files: { 'package.json': '{ "dependencies": { "react": "18.0.0" } }\n' }, topics: ['node'], language: 'JavaScript' });
    seed({ owner: 'acme', name: 'api-fork', files: { 'package.json': LODASH_OLD }, topics: ['node'], language: 'TypeScript', fork: true });
    seed({ owner: 'acme', name: 'legacy', files: { 'package.json': LODASH_OLD }, topics: ['node'], archived: true });
    seed({ owner: 'acme', name: 'tools', files: { 'setup.py': '' }, topics: ['python'], language: 'Python' });
  });
  afterEach(async () => {
    await h.close();
  });

  function service(orgs: string[] | null = ['acme']) {
    let ids = 0;
    return createCampaignService({
      store: h.store,
      catalog: { list: async () => [], load: async () => { throw new Error('inline specs only'); } },
      gateway: h.github,
      admins: [],
      launchers: { users: ['UOWNER1'], groups: [] },
      resolveGroupMembers: async () => [],
      orgs,
      now: h.now,
      wake: () => undefined,
      newId: () => `c-t${++ids}`,
    });
  }

  test('a query selects through GitHub\'s search, forks and archived left out; the preview drops those already done or without lodash, and says why', async () => {
    const spec = specWith({ query: 'topic:node', org: 'acme' });
    const preview = await service().preview({ spec, source: 'inline' });
    expect(preview.targets).toBe(2);
    expect(preview.waves.flatMap((w) => w.repos).sort()).toEqual(['acme/api', 'acme/web']);
    expect(preview.dropped).toEqual([
      { repo: 'acme/current', reason: 'lodash is already at 4.17.21 in its package.json' },
      { repo: 'acme/react-only', reason: 'its package.json does not depend on lodash' },
    ]);
    expect(preview.noChange).toEqual([]);
    expect(h.fake.requestLog.filter((e) => e.route === '/search/repositories')).toHaveLength(1);

    const started = await service().start({ spec, source: 'inline' }, 'UOWNER1');
    expect(h.store.targets.list(started.id).map((t) => t.repo).sort()).toEqual(['acme/api', 'acme/web']);
    expect(h.store.events.list({ campaignId: started.id })[0].data).toMatchObject({ targets: 2, dropped: 2, droppedRepos: preview.dropped });
  });

  test('includeForks and includeArchived bring them back', async () => {
    const spec = specWith({ query: 'org:acme topic:node', includeForks: true, includeArchived: true });
    const preview = await service().preview({ spec, source: 'inline' });
    expect(preview.waves.flatMap((w) => w.repos).sort()).toEqual(['acme/api', 'acme/api-fork', 'acme/legacy', 'acme/web']);
  });

  test('an org selector leaves forks out too', async () => {
    const preview = await service().preview({ spec: specWith({ org: 'acme' }), source: 'inline' });
    expect(preview.waves.flatMap((w) => w.repos).sort()).toEqual(['acme/api', 'acme/web']);
    // acme/tools has no package.json at all.
    expect(preview.dropped.map((d) => d.repo).sort()).toEqual(['acme/current', 'acme/react-only', 'acme/tools']);
  });

  test('containing narrows by code search before any file is read, and names what it found missing', async () => {
    const spec = specWith({ org: 'acme', containing: { path: 'package.json', text: 'lodash' } });
    const preview = await service().preview({ spec, source: 'inline' });
    expect(preview.waves.flatMap((w) => w.repos).sort()).toEqual(['acme/api', 'acme/web']);
    expect(preview.dropped).toContainEqual({ repo: 'acme/react-only', reason: 'its package.json does not mention "lodash"' });
    expect(preview.dropped).toContainEqual({ repo: 'acme/tools', reason: 'its package.json does not mention "lodash"' });
    expect(preview.dropped).toContainEqual({ repo: 'acme/current', reason: 'lodash is already at 4.17.21 in its package.json' });
    expect(h.fake.requestLog.filter((e) => e.route === '/search/code').map((e) => e.status)).toEqual([200]);
  });

  test('a campaign whose targets all need no change is refused with why, and nothing starts', async () => {
    const spec = specWith({ repos: ['acme/current', 'acme/react-only'] });
    const error = await service().start({ spec, source: 'inline' }, 'UOWNER1').catch((e: unknown) => e);
    expect(isFleetError(error, 'bad_input')).toBe(true);
    expect((error as Error).message).toBe('None of the 2 repositories bump-lodash targets needs the change (acme/current: lodash is already at 4.17.21 in its package.json; acme/react-only: its package.json does not depend on lodash). There is nothing to do.');
    expect(h.store.campaigns.list()).toEqual([]);
  });

  test('a change one file cannot judge keeps every repository', async () => {
    const spec = specWith({ org: 'acme' }, { kind: 'replace', options: { paths: ['**/*.json'], find: 'lodash', replace: 'lodash-es' } });
    const preview = await service().preview({ spec, source: 'inline' });
    expect(preview.dropped).toEqual([]);
    expect(preview.targets).toBe(5);
  });

  test('a search incomplete on GitHub\'s side is not planned on', async () => {
    h.fake.setFaults({ searchIncomplete: true });
    const error = await service().preview({ spec: specWith({ query: 'org:acme topic:node' }), source: 'inline' }).catch((e: unknown) => e);
    expect(isFleetError(error, 'github_error') && error.message).toContain('timed out before it had looked everywhere');
  });
});
