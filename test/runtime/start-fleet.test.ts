import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import { CampaignSpec } from '../../src/domain/spec.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/sandbox/github/server.js';
import { startFakeSlack, type FakeSlack } from '../../src/sandbox/slack/server.js';
import { startFleet, type RunningFleet } from '../../src/runtime/start-fleet.js';
import { openDatabase } from '../../src/store/database.js';
import { createStore } from '../../src/store/store.js';

const root = resolve(import.meta.dirname, '..');
const SECRET = 'start-fleet-secret';
const TOKEN = 'xoxb-start-fleet';
const CAMPAIGN = 'c-lease1';

let dir: string;
let github: FakeGitHub;
let slack: FakeSlack;
let fleet: RunningFleet | undefined;

beforeAll(() => {
  // The jobs run as worker threads over the compiled dist/jobs.
  if (!existsSync(join(root, 'dist/jobs/advance.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
}, 180_000);
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-start-'));
  mkdirSync(join(dir, 'campaigns'));
  github = await startFakeGitHub({ port: 0, log: () => undefined });
  slack = await startFakeSlack({ signingSecret: SECRET, botToken: TOKEN });
});
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
  await slack.close();
  await github.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A target at the gate step, leased by a process that was killed while it ran: due again only in two minutes. */
function seedLeasedTarget(file: string, leasedUntil: number): number {
  const db = openDatabase(file);
  const store = createStore(db);
  const spec = CampaignSpec.parse({
    name: 'bump-lodash',
    owner: 'U0OWNER01',
    channel: 'C0FLEET001',
    targets: { repos: ['acme/a'] },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '4.17.21' } },
    pr: { title: 'Bump lodash' },
    steps: ['open-pr', 'gate', 'merge'],
    waves: ['100%'],
  });
  const now = Date.now();
  store.campaigns.insert({ id: CAMPAIGN, name: spec.name, specJson: JSON.stringify(spec), specSource: 'test', changeKind: 'npm-dependency', owner: spec.owner, channel: spec.channel, state: 'running', waveCount: 1, now });
  store.targets.insertMany(CAMPAIGN, [{ repo: 'acme/a', wave: 0 }], now);
  const target = store.targets.findByRepo(CAMPAIGN, 'acme/a')!;
  store.targets.update(target.id, target.version, { state: 'running', stepIndex: 1, dueAt: leasedUntil }, now);
  db.close();
  return target.id;
}

test('a lease left by a killed process is released at start, so its target runs at once', async () => {
  const file = join(dir, 'fleet.db');
  const leasedUntil = Date.now() + 120_000;
  const id = seedLeasedTarget(file, leasedUntil);
  const lines: string[] = [];
  const config = loadConfig({
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    GITHUB_TOKEN: 'ghp_start_fleet',
    GITHUB_API_URL: github.url,
    GITHUB_WEBHOOK_SECRET: 'hook-secret',
    FLEET_DB: file,
    FLEET_CAMPAIGNS: join(dir, 'campaigns'),
    FLEET_ADMINS: 'U0ADMIN01',
    PORT: '0',
  });
  fleet = await startFleet(config, { logger: createLogger({ level: 'info', write: (line) => lines.push(line) }), host: '127.0.0.1', intervals: { advance: 500, notify: 250 } });

  const released = lines.map((l) => JSON.parse(l) as { msg: string; targets?: number; repos?: string[] }).find((l) => l.msg === 'leases of a previous process released');
  expect(released).toMatchObject({ targets: 1, repos: [`${CAMPAIGN}:acme/a`] });
  // Without FLEET_ORGS any organisation may be targeted, and start-up says so.
  expect(lines.map((l) => JSON.parse(l) as { level: string; msg: string }).find((l) => l.msg.startsWith('FLEET_ORGS is not set'))).toMatchObject({ level: 'warn' });
  // The advance job that runs at start takes the target and runs its gate step, which waits for the rest of wave 0.
  const started = Date.now();
  while (fleet.store.targets.get(id)!.state === 'running' && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 100));
  const target = fleet.store.targets.get(id)!;
  expect(target.state).toBe('waiting');
  expect(target.stateReason).toMatch(/waiting for/);
  expect(Date.now()).toBeLessThan(leasedUntil);
}, 60_000);
