import type { CampaignPreview, CampaignService, CampaignStatus, PreviewStamp, SpecRef } from '../../src/campaigns/service-types.js';
import { CampaignSpec } from '../../src/domain/spec.js';
import { FleetError } from '../../src/errors.js';
import type { CampaignState } from '../../src/domain/states.js';
import type { CampaignRecord, GateRecord, TargetRecord } from '../../src/store/store.js';

/**
 * A small in-memory CampaignService for driving the Slack app: it authorizes like the real one
 * (owner, approvers, admins), decides a gate once, and records every call and refusal.
 */
export function createInMemoryService(options: { admins: string[]; launchers?: string[]; now?: () => number }) {
  const launchers = options.launchers ?? ['U0OWNER01'];
  const now = options.now ?? Date.now;
  const spec = CampaignSpec.parse({
    name: 'bump-lodash',
    owner: 'U0OWNER01',
    approvers: { users: ['U0APPROV1'] },
    channel: 'C0FLEET001',
    targets: { org: 'acme' },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } },
    pr: { title: 'Bump lodash' },
    steps: ['open-pr', 'await-checks', 'merge'],
  });
  const campaigns = new Map<string, CampaignRecord>();
  const gates = new Map<number, GateRecord>();
  const calls: { method: string; args: unknown[] }[] = [];
  const refusals: { method: string; actor: string }[] = [];
  let frozen = false;
  let failNext: Error | undefined;

  function record(id: string, name = 'bump-lodash', state: CampaignState = 'running'): CampaignRecord {
    const c: CampaignRecord = {
      id, name, specJson: JSON.stringify(spec), specSource: 'catalog', changeKind: 'npm-dependency', owner: 'U0OWNER01', launchedBy: 'U0OWNER01', channel: 'C0FLEET001',
      rootTs: null, state, stateReason: '', currentWave: 0, waveCount: 4, version: 1, createdAt: now(), updatedAt: now(),
    };
    campaigns.set(id, c);
    return c;
  }
  record('c-1');
  gates.set(7, { id: 7, campaignId: 'c-1', wave: 0, kind: 'wave', state: 'open', decision: 'review', confidence: {}, decidedBy: null, decidedAt: null, openedAt: now(), expiresAt: null, messageTs: null });

  function get(id: string): CampaignRecord {
    const c = campaigns.get(id);
    if (!c) throw new FleetError('not_found', `There is no campaign ${id}. Type \`/fleet list\` to see them.`);
    return c;
  }
  function authorize(method: string, c: CampaignRecord, actor: string): void {
    if (actor === c.owner || actor === 'U0APPROV1' || options.admins.includes(actor)) return;
    refusals.push({ method, actor });
    throw new FleetError('forbidden', `Only the owner <@${c.owner}>, the approvers or an admin can ${method} ${c.id}; your attempt was recorded.`);
  }
  function enter(method: string, args: unknown[]): void {
    calls.push({ method, args });
    if (failNext) {
      const e = failNext;
      failNext = undefined;
      throw e;
    }
  }
  function move(method: string, id: string, actor: string, state: CampaignState): CampaignRecord {
    enter(method, [id, actor]);
    const c = get(id);
    authorize(method, c, actor);
    const next = { ...c, state, version: c.version + 1 };
    campaigns.set(id, next);
    return next;
  }
  async function decide(method: 'approve' | 'reject', id: string, actor: string, gateId?: number): Promise<GateRecord> {
    enter(method, [id, actor, gateId]);
    authorize(method, get(id), actor);
    // Let two concurrent clicks interleave here, as two requests would; the check-and-set below is atomic.
    await new Promise((r) => setImmediate(r));
    const gate = gates.get(gateId ?? 7);
    if (!gate || gate.state !== 'open') throw new FleetError('conflict', `That gate was already decided${gate?.decidedBy ? ` by <@${gate.decidedBy}>` : ''}; nothing more to do.`);
    const decided: GateRecord = { ...gate, state: method === 'approve' ? 'approved' : 'rejected', decidedBy: actor, decidedAt: now() };
    gates.set(decided.id, decided);
    return decided;
  }
  function target(id: string, repo: string): TargetRecord {
    return {
      id: 1, campaignId: id, repo, wave: 0, state: 'pending', stateReason: '', stepIndex: 0, dueAt: 0, attempts: 0, prNumber: null, prUrl: null,
      branch: null, headSha: null, mergedSha: null, deployment: null, score: null, signals: {}, risk: {}, version: 1, createdAt: now(), updatedAt: now(),
    };
  }
  const preview: CampaignPreview = {
    id: 'p-0a1b2c3d4e5f',
    at: now(),
    specHash: '0123456789abcdef',
    spec,
    targets: 40,
    dropped: [],
    sampled: ['acme/a', 'acme/b', 'acme/c', 'acme/legacy'],
    noChange: ['acme/legacy'],
    failed: [],
    waves: [{ index: 0, repos: ['acme/a', 'acme/b', 'acme/c'] }, { index: 1, repos: ['acme/d'] }],
    sampleRepo: 'acme/a',
    sampleDiff: '-    "lodash": "^4.17.20"\n+    "lodash": "^4.17.21"',
    diffs: [{ repo: 'acme/a', diff: '-    "lodash": "^4.17.20"\n+    "lodash": "^4.17.21"' }],
    github: { requests: 120, contentRequests: 40, remaining: 4900 },
    estimate: { minutes: 180, explanation: '4 waves' },
  };

  function authorizeLaunch(actor: string): void {
    if (options.admins.includes(actor) || launchers.includes(actor)) return;
    refusals.push({ method: 'start', actor });
    throw new FleetError('forbidden', `Only admins and the launchers (${launchers.map((u) => `<@${u}>`).join(', ')}) may start campaigns; ask one of them, or ask an admin to make you a launcher.`);
  }

  const service: CampaignService = {
    async authorizeLaunch(actor: string) {
      calls.push({ method: 'authorizeLaunch', args: [actor] });
      authorizeLaunch(actor);
    },
    async preview(ref: SpecRef) {
      enter('preview', [ref]);
      if ('catalog' in ref && ref.catalog === 'missing') throw new FleetError('spec_not_found', 'There is no spec "missing" in the catalog. Type `/fleet start` to choose one.');
      return 'spec' in ref ? { ...preview, spec: ref.spec } : preview;
    },
    async start(ref: SpecRef, actor: string, preview?: PreviewStamp) {
      enter('start', preview ? [ref, actor, preview] : [ref, actor]);
      authorizeLaunch(actor);
      return record(`c-${campaigns.size + 1}`, 'spec' in ref ? ref.spec.name : ref.catalog);
    },
    async pause(id, actor) { return move('pause', id, actor, 'paused'); },
    async resume(id, actor) { return move('resume', id, actor, 'running'); },
    async abort(id, actor) { return move('abort', id, actor, 'aborted'); },
    approve: (id, actor, gateId) => decide('approve', id, actor, gateId),
    reject: (id, actor, gateId) => decide('reject', id, actor, gateId),
    async retry(id, repo, actor) { enter('retry', [id, repo, actor]); authorize('retry', get(id), actor); return target(id, repo); },
    async skip(id, repo, actor) { enter('skip', [id, repo, actor]); authorize('skip', get(id), actor); return target(id, repo); },
    async revertWave(id, wave, actor) { enter('revertWave', [id, wave, actor]); authorize('revert', get(id), actor); return 3; },
    async setFreeze(on, actor) {
      enter('setFreeze', [on, actor]);
      if (!options.admins.includes(actor)) {
        refusals.push({ method: 'freeze', actor });
        throw new FleetError('forbidden', 'Only an admin can turn the freeze on or off; your attempt was recorded.');
      }
      frozen = on;
    },
    isFrozen: () => frozen,
    status(id, view = 'attention'): CampaignStatus {
      const c = get(id);
      return {
        id: c.id, name: c.name, state: c.state, owner: c.owner, channel: c.channel, currentWave: 0, waveCount: 4,
        counts: { pending: 30, running: 5, waiting: 0, 'needs-attention': 1, succeeded: 4, failed: 0, skipped: 0, reverted: 0 }, done: 4,
        stateReason: '', launchedBy: c.launchedBy, rootTs: null, spec, openGate: gates.get(7)?.state === 'open' ? gates.get(7)! : null, confidence: 82,
        needsAttention: [{ repo: 'acme/web', reason: 'checks fail', prUrl: 'https://github.example/acme/web/pull/2' }],
        view,
        targets: view === 'attention' ? [] : [{ repo: 'acme/web', wave: 0, state: 'needs-attention', reason: 'checks fail', prUrl: 'https://github.example/acme/web/pull/2' }, ...(view === 'all' ? [{ repo: 'acme/api', wave: 0, state: 'succeeded' as const, reason: '', prUrl: null }] : [])],
      };
    },
    list: () => [...campaigns.values()].map((c) => {
      const { stateReason: _r, launchedBy: _l, rootTs: _t, spec: _s, openGate: _g, confidence: _c, needsAttention: _n, view: _v, targets: _ts, ...summary } = service.status(c.id);
      return summary;
    }),
    async waitingFor(user) {
      enter('waitingFor', [user]);
      return { approvals: [], targets: [], owned: service.list().filter((c) => c.owner === user) };
    },
    async catalog() { return [{ name: 'bump-lodash', title: 'Bump lodash', changeKind: 'npm-dependency', owner: 'U0OWNER01' }]; },
    gate(campaignId, gateId) {
      enter('gate', [campaignId, gateId]);
      const gate = gates.get(gateId);
      if (!gate || gate.campaignId !== campaignId) throw new FleetError('not_found', `Campaign ${campaignId} has no gate ${gateId}.`);
      return gate;
    },
  };
  return {
    service,
    calls,
    refusals,
    campaign: (id: string) => campaigns.get(id),
    gate: (id: number) => gates.get(id),
    failNextWith(error: Error) { failNext = error; },
  };
}
