import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhooks } from '@octokit/webhooks';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { createStore, type Store } from '../../src/store/store.js';
import { handleWebhook, verifySignature, wakeTargetsInStore } from '../../src/github/webhooks.js';

const SECRET = 'webhook-secret';
const NOW = 1_000_000;
let dir: string;
let db: Db;
let store: Store;
let wakes: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-webhooks-'));
  db = openDatabase(join(dir, 'fleet.db'));
  store = createStore(db);
  wakes = 0;
  store.campaigns.insert({ id: 'c-1', name: 'x', specJson: '{}', specSource: 't', changeKind: 'json-set', owner: 'U1', channel: 'C1', state: 'running', waveCount: 1, now: 0 });
  store.targets.insertMany('c-1', [{ repo: 'acme/api', wave: 0 }, { repo: 'acme/web', wave: 0 }], 0);
  const [api, web] = store.targets.list('c-1');
  store.targets.update(api.id, api.version, { prNumber: 7, headSha: 'a'.repeat(40), dueAt: NOW + 120_000, state: 'waiting' }, 0);
  store.targets.update(web.id, web.version, { prNumber: 3, headSha: 'b'.repeat(40), dueAt: NOW + 120_000, state: 'waiting' }, 0);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function deliver(event: string, payload: unknown, options: { secret?: string | null; delivery?: string; raw?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = options.raw ?? JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': options.delivery ?? `d-${Math.random()}` };
  if (options.secret !== null) headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', options.secret ?? SECRET).update(body).digest('hex')}`;
  // As the HTTP server hands it over: the headers and the body's exact bytes.
  return handleWebhook({ secret: SECRET, store, wakeTargets: wakeTargetsInStore(store), wake: () => wakes++, now: () => NOW }, { headers, rawBody: Buffer.from(body) });
}

const checkRun = {
  action: 'completed',
  repository: { full_name: 'acme/api' },
  check_run: { name: 'ci/test', head_sha: 'a'.repeat(40), status: 'completed', conclusion: 'success', pull_requests: [{ number: 7 }] },
};

function target(repo: string) {
  return store.targets.findByRepo('c-1', repo)!;
}

describe('GitHub webhooks', () => {
  test('a check run wakes the matching target: an event, due now, and a wake call', async () => {
    const result = await deliver('check_run', checkRun);
    expect(result).toEqual({ status: 200, body: { targets: 1, woken: 1 } });
    expect(target('acme/api').dueAt).toBe(NOW);
    expect(target('acme/web').dueAt).toBe(NOW + 120_000);
    expect(wakes).toBe(1);
    const [event] = store.events.list({ campaignId: 'c-1' });
    expect(event).toMatchObject({ actor: 'github', kind: 'github.check_run', targetId: target('acme/api').id, data: { name: 'ci/test', conclusion: 'success' } });
  });

  test('statuses match by sha; pull requests and reviews by number', async () => {
    expect((await deliver('status', { repository: { full_name: 'acme/web' }, sha: 'b'.repeat(40), context: 'ci', state: 'failure' })).body).toMatchObject({ targets: 1 });
    expect((await deliver('pull_request', { action: 'closed', repository: { full_name: 'acme/api' }, pull_request: { number: 7, merged: false, head: { sha: 'a'.repeat(40) } } })).body).toMatchObject({ targets: 1 });
    expect((await deliver('pull_request_review', { action: 'submitted', repository: { full_name: 'acme/api' }, review: { state: 'approved', user: { login: 'alice' } }, pull_request: { number: 7, head: { sha: 'a'.repeat(40) } } })).body).toMatchObject({ targets: 1 });
    expect(store.events.list({ campaignId: 'c-1' }).map((e) => e.kind)).toEqual(['github.status', 'github.pull_request', 'github.pull_request_review']);
  });

  test('a deployment status wakes the target whose PR head it deploys, and records its state, link and description', async () => {
    const deployment = { id: 41, sha: 'b'.repeat(40), environment: 'canary', ref: 'b'.repeat(40), payload: { fleet: { campaign: 'c-1', target: 2 } } };
    const status = (state: string, extra: Record<string, unknown> = {}) => ({ action: 'created', repository: { full_name: 'acme/web' }, deployment, deployment_status: { state, description: '', environment_url: '', log_url: '', ...extra } });
    expect(await deliver('deployment', { action: 'created', repository: { full_name: 'acme/web' }, deployment })).toEqual({ status: 200, body: { targets: 1, woken: 1 } });
    expect(await deliver('deployment_status', status('failure', { description: 'CrashLoopBackOff', log_url: 'https://cd.example/log/41' }))).toMatchObject({ status: 200, body: { targets: 1 } });
    expect(target('acme/web').dueAt).toBe(NOW);
    expect(target('acme/api').dueAt).toBe(NOW + 120_000);
    const events = store.events.list({ campaignId: 'c-1' });
    expect(events.map((e) => e.kind)).toEqual(['github.deployment', 'github.deployment_status']);
    expect(events[1]).toMatchObject({ targetId: target('acme/web').id, data: { deploymentId: 41, environment: 'canary', state: 'failure', description: 'CrashLoopBackOff', logUrl: 'https://cd.example/log/41' } });
    // Another repository's deployment of the same sha wakes nothing; a status without its deployment is refused.
    expect((await deliver('deployment_status', { ...status('success'), repository: { full_name: 'acme/other' } })).body).toMatchObject({ targets: 0 });
    expect((await deliver('deployment_status', { action: 'created', repository: { full_name: 'acme/web' }, deployment_status: { state: 'success' } })).status).toBe(400);
  });

  test('a production deployment of a merge commit wakes the target merged as that commit (the bake waiting for it), once', async () => {
    const merged = 'e'.repeat(40);
    const web = target('acme/web');
    store.targets.update(web.id, web.version, { mergedSha: merged }, 0);
    const deployment = { id: 52, sha: merged, environment: 'production', ref: 'main', payload: {} };
    const status = { action: 'created', repository: { full_name: 'acme/web' }, deployment, deployment_status: { state: 'success', description: '', environment_url: 'https://web.example/', log_url: '' } };
    expect(await deliver('deployment_status', status)).toEqual({ status: 200, body: { targets: 1, woken: 1 } });
    expect(target('acme/web').dueAt).toBe(NOW);
    expect(target('acme/api').dueAt).toBe(NOW + 120_000);
    expect(store.events.list({ campaignId: 'c-1' })).toMatchObject([{ kind: 'github.deployment_status', targetId: web.id, data: { deploymentId: 52, environment: 'production', sha: merged, state: 'success' } }]);
    // The same commit in another repository, and a push (not a deployment) of it, wake nothing.
    expect((await deliver('deployment_status', { ...status, repository: { full_name: 'acme/api' } })).body).toMatchObject({ targets: 0 });
    expect((await deliver('push', { ref: 'refs/heads/main', before: merged, after: 'f'.repeat(40), repository: { full_name: 'acme/web' } })).body).toMatchObject({ targets: 0 });
  });

  test('a workflow run wakes the target whose PR head it runs (a workflow-dispatch deploy), and records its status and conclusion', async () => {
    const run = (action: string, status: string, conclusion: string | null) => ({ action, repository: { full_name: 'acme/web' }, workflow_run: { id: 77, name: 'Deploy', head_sha: 'b'.repeat(40), status, conclusion, pull_requests: [] } });
    expect(await deliver('workflow_run', run('completed', 'completed', 'failure'))).toEqual({ status: 200, body: { targets: 1, woken: 1 } });
    expect(target('acme/web').dueAt).toBe(NOW);
    expect(target('acme/api').dueAt).toBe(NOW + 120_000);
    expect(store.events.list({ campaignId: 'c-1' })[0]).toMatchObject({ kind: 'github.workflow_run', targetId: target('acme/web').id, data: { runId: 77, status: 'completed', conclusion: 'failure', sha: 'b'.repeat(40) } });
    expect((await deliver('workflow_run', { ...run('completed', 'completed', 'success'), repository: { full_name: 'acme/other' } })).body).toMatchObject({ targets: 0 });
    expect((await deliver('workflow_run', { action: 'completed', repository: { full_name: 'acme/web' } })).status).toBe(400);
  });

  test('a merge group wakes the target whose PR it was built for (by the group branch), on checks_requested and destroyed', async () => {
    const group = (action: string, reason?: string) => ({
      action,
      ...(reason ? { reason } : {}),
      repository: { full_name: 'acme/api' },
      merge_group: { head_sha: 'c'.repeat(40), head_ref: `refs/heads/gh-readonly-queue/main/pr-7-${'a'.repeat(40)}`, base_sha: 'd'.repeat(40), base_ref: 'refs/heads/main', head_commit: null },
    });
    expect(await deliver('merge_group', group('checks_requested'))).toEqual({ status: 200, body: { targets: 1, woken: 1 } });
    expect(target('acme/api').dueAt).toBe(NOW);
    expect(target('acme/web').dueAt).toBe(NOW + 120_000);
    expect((await deliver('merge_group', group('destroyed', 'dequeued'))).body).toMatchObject({ targets: 1 });
    const events = store.events.list({ campaignId: 'c-1' });
    expect(events.map((e) => [e.kind, e.data.action, e.data.reason])).toEqual([
      ['github.merge_group', 'checks_requested', null],
      ['github.merge_group', 'destroyed', 'dequeued'],
    ]);
    // A group of a PR nobody tracks wakes nothing.
    const other = { ...group('checks_requested'), merge_group: { ...group('checks_requested').merge_group, head_ref: `refs/heads/gh-readonly-queue/main/pr-99-${'e'.repeat(40)}` } };
    expect((await deliver('merge_group', other)).body).toMatchObject({ targets: 0 });
  });

  test('a missing or wrong signature is 401 and changes nothing', async () => {
    expect((await deliver('check_run', checkRun, { secret: null })).status).toBe(401);
    expect((await deliver('check_run', checkRun, { secret: 'not-the-secret' })).status).toBe(401);
    expect(store.events.list({})).toEqual([]);
    expect(target('acme/api').dueAt).toBe(NOW + 120_000);
    expect(wakes).toBe(0);
  });

  test('malformed JSON is 400; a payload without the fields Fleet reads is 400', async () => {
    expect((await deliver('check_run', undefined, { raw: '{"action": ' })).status).toBe(400);
    expect((await deliver('check_run', { action: 'completed' })).status).toBe(400);
    expect(store.events.list({})).toEqual([]);
  });

  test('an empty body with a valid signature is 400 and says the body is empty; unsigned or wrongly signed it is 401', async () => {
    for (const event of ['check_run', 'ping']) {
      const signed = await deliver(event, undefined, { raw: '' });
      expect(signed.status).toBe(400);
      expect(signed.body.error).toMatch(/^The body is empty: /);
    }
    expect((await deliver('check_run', undefined, { raw: '', secret: null })).status).toBe(401);
    expect((await deliver('check_run', undefined, { raw: '', secret: 'not-the-secret' })).status).toBe(401);
    expect(db.prepare('SELECT COUNT(*) AS n FROM github_deliveries').get()).toEqual({ n: 0 });
    expect(store.events.list({})).toEqual([]);
    expect(wakes).toBe(0);
  });

  test('the signature is checked over the exact bytes, in its one form GitHub sends', async () => {
    const body = Buffer.from('{"zen":"Design for failure. \u00e9"}');
    const good = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    expect(await new Webhooks({ secret: SECRET }).sign(body.toString('utf8'))).toBe(good);
    expect(verifySignature(SECRET, body, good)).toBe(true);
    expect(verifySignature(SECRET, body.toString('utf8'), good)).toBe(true);
    expect(verifySignature(SECRET, Buffer.concat([body, Buffer.from(' ')]), good)).toBe(false);
    expect(verifySignature(`${SECRET}x`, body, good)).toBe(false);
    for (const bad of [good.toUpperCase(), good.slice(0, -2), `${good}00`, good.replace('sha256=', 'sha1='), ` ${good}`, 'sha256=', '']) {
      expect(verifySignature(SECRET, body, bad)).toBe(false);
    }
  });

  test('a push is accepted: a branch moved off the head a target holds wakes that target; a push from nothing Fleet holds is only claimed', async () => {
    const push = (before: string, after: string) => ({ ref: 'refs/heads/fleet/bump', before, after, created: /^0+$/.test(before), deleted: /^0+$/.test(after), forced: true, commits: [], head_commit: null, repository: { full_name: 'acme/api' }, pusher: { name: 'alice' } });
    expect(await deliver('push', push('a'.repeat(40), 'c'.repeat(40)), { delivery: 'p-1' })).toEqual({ status: 200, body: { targets: 1, woken: 1 } });
    expect(target('acme/api').dueAt).toBe(NOW);
    expect(store.events.list({ campaignId: 'c-1' })).toMatchObject([{ kind: 'github.push', targetId: target('acme/api').id, data: { ref: 'refs/heads/fleet/bump', before: 'a'.repeat(40), after: 'c'.repeat(40), forced: true, deleted: false, delivery: 'p-1' } }]);
    expect(await deliver('push', push('a'.repeat(40), 'c'.repeat(40)), { delivery: 'p-1' })).toEqual({ status: 200, body: { duplicate: true } });
    expect(await deliver('push', push('0'.repeat(40), 'd'.repeat(40)))).toEqual({ status: 200, body: { targets: 0, woken: 0 } });
    expect(await deliver('push', { ref: 'refs/heads/x', repository: { full_name: 'acme/api' } })).toMatchObject({ status: 400 });
    expect(store.events.list({})).toHaveLength(1);
    expect(wakes).toBe(1);
  });

  test('an event Fleet does not use is accepted and ignored', async () => {
    expect(await deliver('star', { action: 'created' })).toEqual({ status: 202, body: { ignored: 'star' } });
    expect(store.events.list({})).toEqual([]);
  });

  test('a redelivery with the same id changes nothing', async () => {
    await deliver('check_run', checkRun, { delivery: 'same-id' });
    expect(await deliver('check_run', checkRun, { delivery: 'same-id' })).toEqual({ status: 200, body: { duplicate: true } });
    expect(store.events.list({})).toHaveLength(1);
    expect(wakes).toBe(1);
  });

  test('a finished target gets the event but is not woken', async () => {
    const api = target('acme/api');
    store.targets.update(api.id, api.version, { state: 'succeeded' }, 0);
    expect(await deliver('check_run', checkRun)).toEqual({ status: 200, body: { targets: 1, woken: 0 } });
    expect(target('acme/api').dueAt).toBe(NOW + 120_000);
    expect(store.events.list({ campaignId: 'c-1' }).map((e) => e.kind)).toEqual(['github.check_run']);
  });

  test('a delivery about nobody Fleet tracks is fine and wakes nothing', async () => {
    const other = { ...checkRun, repository: { full_name: 'acme/other' } };
    expect(await deliver('check_run', other)).toEqual({ status: 200, body: { targets: 0, woken: 0 } });
    expect(wakes).toBe(0);
  });
});
