import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCatalog } from '../campaigns/catalog.js';
import { createCampaignService } from '../campaigns/service.js';
import type { CampaignService } from '../campaigns/service-types.js';
import { CampaignSpec } from '../domain/spec.js';
import { FleetError } from '../errors.js';
import type { Gateway } from '../github/gateway.js';
import { handleWebhook, type WebhookRequest, type WebhookResponse } from '../github/webhooks.js';
import { createLogger } from '../runtime/logger.js';
import { startFakeSlack, type FakeSlack } from '../sandbox/slack/server.js';
import { createSlackApp, type SlackApp } from '../slack/create-app.js';
import { createGroupResolver } from '../slack/user-groups.js';
import { openDatabase } from '../store/database.js';
import { createStore, type Store } from '../store/store.js';
import { snapshotStore } from './store-snapshot.js';
import { createSlackClient } from '../slack/web-client.js';

/** The people of the fake workspace, by the part they play in the seeded campaign. */
export const PEOPLE = {
  owner: 'U0OWNER01',
  approver: 'U0APPROV1',
  /** A member of the approver user group S0PLATFRM. */
  groupie: 'U0PLATFM1',
  admin: 'U0ADMIN01',
  outsider: 'U0OUTSID1',
} as const;
export const CHANNEL = 'C0FLEET001';
export const SEEDED_CAMPAIGN = 'c-seeded';
export const SEEDED_REPOS = ['acme/alpha', 'acme/beta', 'acme/gamma'] as const;

/** Secrets the harness runs with: the log must never show any of them. */
export interface HarnessSecrets {
  signingSecret: string;
  botToken: string;
  webhookSecret: string;
  githubToken: string;
}

export interface AppHarness {
  store: Store;
  service: CampaignService;
  slack: FakeSlack;
  app: SlackApp;
  appUrl: string;
  secrets: HarnessSecrets;
  /** Where the campaign catalog lives (with a spec, a codemods folder and hostile links). */
  catalogDir: string;
  /** Every line the app logged, secrets masked by the logger (or not: that is what is checked). */
  logLines: string[];
  /** The whole store as a string (see snapshotStore). */
  snapshot(ignore?: readonly string[]): string;
  /** The webhook handler the app mounts at /github/webhooks, called directly. */
  webhook(request: WebhookRequest): Promise<WebhookResponse>;
  /** GitHub calls the service tried (bad input must make none). */
  githubCalls: string[];
  close(): Promise<void>;
}

const CATALOG_SPEC = `name: tiny-bump
description: Bump lodash in acme's Node services.
owner: ${PEOPLE.owner}
approvers: { users: [${PEOPLE.approver}], groups: [S0PLATFRM] }
channel: ${CHANNEL}
targets: { org: acme }
change: { kind: npm-dependency, options: { package: lodash, version: ^4.17.21 } }
pr: { title: Bump lodash }
steps: [open-pr, gate, merge]
waves: [1, "100%"]
`;

/**
 * A gateway that finds no repositories and refuses every other call: the inputs this harness
 * sends must never reach GitHub, and a preview of a valid spec ends in a clear "no repositories".
 */
function createEmptyGateway(calls: string[]): Gateway {
  return new Proxy({} as Gateway, {
    get(_, name) {
      if (name === 'then') return undefined;
      return async (...args: unknown[]) => {
        calls.push(String(name));
        if (name === 'listOrgRepos') return [];
        if (name === 'getRepos') return { found: [], missing: (args[0] as string[] | undefined) ?? [] };
        throw new FleetError('github_error', `The chaos harness has no GitHub; ${String(name)} was not expected.`);
      };
    },
  });
}

/**
 * Seeds one campaign awaiting approval of its wave-0 gate, owned by PEOPLE.owner with PEOPLE.approver
 * and the S0PLATFRM group as approvers, and a target that needs attention (so retry and skip apply).
 */
function seedCampaign(store: Store, now: number): number {
  const spec = CampaignSpec.parse({
    name: 'seeded-bump',
    owner: PEOPLE.owner,
    approvers: { users: [PEOPLE.approver], groups: ['S0PLATFRM'] },
    channel: CHANNEL,
    targets: { repos: [...SEEDED_REPOS] },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '4.17.21' } },
    pr: { title: 'Bump lodash' },
    steps: ['open-pr', 'gate', 'merge'],
    waves: [1, '100%'],
  });
  return store.transaction(() => {
    store.campaigns.insert({ id: SEEDED_CAMPAIGN, name: spec.name, specJson: JSON.stringify(spec), specSource: 'chaos', changeKind: 'npm-dependency', owner: PEOPLE.owner, launchedBy: PEOPLE.owner, channel: CHANNEL, state: 'awaiting-approval', waveCount: 2, now });
    store.targets.insertMany(SEEDED_CAMPAIGN, SEEDED_REPOS.map((repo, i) => ({ repo, wave: i === 0 ? 0 : 1 })), now);
    const beta = store.targets.findByRepo(SEEDED_CAMPAIGN, 'acme/beta')!;
    store.targets.update(beta.id, beta.version, { state: 'needs-attention', stateReason: 'checks failed' }, now);
    return store.gates.open({ campaignId: SEEDED_CAMPAIGN, wave: 0, kind: 'wave', decision: 'review', confidence: {}, now }).id;
  });
}

/**
 * The real Bolt app and the real campaign service over a SQLite file in a temporary folder, with
 * the fake Slack in front and a real catalog folder behind (holding a link that points outside
 * it). Used by the property and intruder checks; nothing here reaches beyond 127.0.0.1.
 *
 * @example
 * const h = await startAppHarness();
 * await h.slack.sendCommand({ user: PEOPLE.outsider, channel: CHANNEL, text: `pause ${SEEDED_CAMPAIGN}` });
 * await h.close();
 */
export async function startAppHarness(options: { now?: () => number } = {}): Promise<AppHarness & { gateId: number }> {
  const now = options.now ?? Date.now;
  const dir = mkdtempSync(join(tmpdir(), 'fleet-chaos-app-'));
  const secrets: HarnessSecrets = {
    signingSecret: `chaos-signing-${Math.random().toString(36).slice(2)}`,
    botToken: `xoxb-chaos-${Math.random().toString(36).slice(2)}`,
    webhookSecret: `chaos-webhook-${Math.random().toString(36).slice(2)}`,
    githubToken: `ghp_${'C'.repeat(8)}${Math.random().toString(36).slice(2).padEnd(28, 'x')}`,
  };
  const catalogDir = join(dir, 'catalog');
  mkdirSync(join(catalogDir, 'codemods'), { recursive: true });
  writeFileSync(join(catalogDir, 'tiny-bump.yml'), CATALOG_SPEC);
  // Hostile neighbours: a secret next to the catalog and links that point at it.
  writeFileSync(join(dir, 'outside.yml'), CATALOG_SPEC.replace('tiny-bump', 'outside'));
  writeFileSync(join(dir, 'outside.js'), 'export function transform() { return { "pwned.txt": "x" }; }\n');
  symlinkSync(join(dir, 'outside.yml'), join(catalogDir, 'linked-out.yml'));
  symlinkSync(join(dir, 'outside.js'), join(catalogDir, 'codemods', 'linked-out.js'));

  const db = openDatabase(join(dir, 'fleet.db'));
  const store = createStore(db);
  const gateId = seedCampaign(store, now());
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logLines.push(line), secrets: Object.values(secrets) });
  const slack = await startFakeSlack({ signingSecret: secrets.signingSecret, botToken: secrets.botToken });
  const githubCalls: string[] = [];
  const catalog = createCatalog({ source: catalogDir });
  const resolveGroupMembers = createGroupResolver({ client: createSlackClient(secrets.botToken, slack.apiUrl), now });
  const service = createCampaignService({
    store,
    catalog,
    gateway: createEmptyGateway(githubCalls),
    admins: [PEOPLE.admin],
    launchers: { users: [PEOPLE.owner], groups: [] },
    resolveGroupMembers,
    now,
    wake: () => undefined,
    catalogDir,
  });
  const webhook = (request: WebhookRequest) => handleWebhook({ secret: secrets.webhookSecret, store, wake: () => undefined, now, logger }, request);
  const app = createSlackApp({
    signingSecret: secrets.signingSecret,
    botToken: secrets.botToken,
    apiUrl: slack.apiUrl,
    service,
    admins: [PEOPLE.admin],
    resolveGroupMembers,
    recordRefusal: (r) => store.events.append({ campaignId: r.campaignId, at: r.at, actor: r.actor, kind: 'auth.refused', data: { action: r.action } }),
    seenRequests: store.seenRequests,
    logger,
    now,
    host: '127.0.0.1',
    routes: [
      {
        method: 'POST',
        path: '/github/webhooks',
        handler: async (req, res) => {
          const result = await webhook({ headers: req.headers, rawBody: req.rawBody.toString('utf8') });
          res.writeHead(result.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(result.body));
        },
      },
    ],
  });
  await app.start(0);
  const appUrl = `http://127.0.0.1:${app.port()}`;
  slack.setAppUrl(`${appUrl}/slack/events`);

  return {
    store,
    service,
    slack,
    app,
    appUrl,
    secrets,
    catalogDir,
    logLines,
    githubCalls,
    gateId,
    // seen_requests is the replay ledger: every validly signed request is rightly remembered there.
    snapshot: (ignore = []) => snapshotStore(db, ['seen_requests', ...ignore]),
    webhook,
    async close() {
      await app.stop();
      await slack.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until `probe` returns a value, checking every few milliseconds; throws after `limitMs`
 * (a bound so a broken app fails the run instead of hanging it, not a timing assertion).
 */
export async function waitUntil<T>(probe: () => T | undefined, limitMs = 10_000, what = 'the app to answer'): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`Gave up waiting for ${what} after ${limitMs} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
