import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { CampaignSpec } from '../../src/domain/spec.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/sandbox/github/server.js';
import { startFakeSlack, type FakeSlack } from '../../src/sandbox/slack/server.js';
import { startFleet, type RunningFleet } from '../../src/runtime/start-fleet.js';
import { openDatabase } from '../../src/store/database.js';
import { createStore } from '../../src/store/store.js';

/**
 * Fleet as it runs (its jobs in worker threads over dist/jobs) signed in as a GitHub App installed
 * on two organisations with no GITHUB_APP_INSTALLATION_ID: one campaign opens a PR in each, each
 * with its own installation's token.
 */
const root = resolve(import.meta.dirname, '../..');
const SECRET = 'app-fleet-secret';
const TOKEN = 'xoxb-app-fleet';
const CAMPAIGN = 'c-apps01';
const PACKAGE = '{\n  "name": "x",\n  "dependencies": { "lodash": "4.17.15" }\n}\n';

let dir: string | undefined;
let github: FakeGitHub | undefined;
let slack: FakeSlack | undefined;
let fleet: RunningFleet | undefined;

beforeAll(() => {
  if (!existsSync(join(root, 'dist/jobs/advance.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
}, 180_000);
afterEach(async () => {
  await fleet?.stop();
  await slack?.close();
  await github?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a campaign over two organisations opens each PR with the token of that organisation's installation", async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-app-'));
  mkdirSync(join(dir, 'campaigns'));
  github = await startFakeGitHub({ port: 0, log: () => undefined, app: { installations: [{ id: 11, account: 'acme' }, { id: 22, account: 'globex' }] } });
  github.state.seedRepo({ owner: 'acme', name: 'api', files: { 'package.json': PACKAGE } });
  github.state.seedRepo({ owner: 'globex', name: 'web', files: { 'package.json': PACKAGE } });
  slack = await startFakeSlack({ signingSecret: SECRET, botToken: TOKEN });
  const file = join(dir, 'fleet.db');
  const db = openDatabase(file);
  const store = createStore(db);
  const spec = CampaignSpec.parse({
    name: 'bump-lodash',
    owner: 'U0OWNER01',
    channel: 'C0FLEET001',
    targets: { repos: ['acme/api', 'globex/web'] },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '4.17.21' } },
    pr: { title: 'Bump lodash' },
    steps: ['open-pr'],
    waves: ['100%'],
  });
  const now = Date.now();
  store.campaigns.insert({ id: CAMPAIGN, name: spec.name, specJson: JSON.stringify(spec), specSource: 'test', changeKind: 'npm-dependency', owner: spec.owner, channel: spec.channel, state: 'running', waveCount: 1, now });
  store.targets.insertMany(CAMPAIGN, [{ repo: 'acme/api', wave: 0 }, { repo: 'globex/web', wave: 0 }], now);
  db.close();

  const app = github.app;
  if (!app) throw new Error('the fake serves no App');
  const config = loadConfig({
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    GITHUB_APP_ID: String(app.id),
    GITHUB_APP_PRIVATE_KEY: app.privateKey,
    GITHUB_API_URL: github.url,
    GITHUB_WEBHOOK_SECRET: 'hook-secret',
    FLEET_DB: file,
    FLEET_CAMPAIGNS: join(dir, 'campaigns'),
    FLEET_ADMINS: 'U0ADMIN01',
    FLEET_ORGS: 'acme,globex',
    PORT: '0',
  });
  fleet = await startFleet(config, { logger: createLogger({ level: 'warn', write: () => undefined }), host: '127.0.0.1', intervals: { advance: 500, notify: 250 } });
  const running = fleet;
  const opened = () => github?.state.listPulls().filter((pull) => pull.state === 'open').map((pull) => pull.repo).sort() ?? [];
  const started = Date.now();
  while (opened().length < 2 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 200));
  expect(opened()).toEqual(['acme/api', 'globex/web']);
  expect(running.store.targets.list(CAMPAIGN).map((t) => t.state)).not.toContain('failed');
  // Each organisation's PR was opened with its own installation's token, and pacing was kept per installation.
  const minted = github.requestLog.filter((entry) => entry.route === '/app/installations/{installation_id}/access_tokens' && entry.status === 201);
  expect(minted.length).toBeGreaterThanOrEqual(2);
  expect(github.requestLog.filter((entry) => entry.status === 404 && entry.route.startsWith('/repos/{owner}/{repo}/pulls'))).toEqual([]);
  const budgets = new Set(running.store.github.rates('core').map((rate) => rate.budget));
  expect(budgets).toEqual(new Set(['app', 'installation:11', 'installation:22']));
  expect(running.store.github.writesSince(0, 'installation:11')).toBeGreaterThan(0);
  expect(running.store.github.writesSince(0, 'installation:22')).toBeGreaterThan(0);
  expect(running.store.github.writesSince(0, '')).toBe(0);
}, 120_000);
