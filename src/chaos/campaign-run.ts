import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { generateFleet, withoutRequiredReviews } from '../sandbox/fleet/generate-fleet.js';
import { seedFleet } from '../sandbox/fleet/seed-fleet.js';
import { startFakeGitHub, type Faults, type FakeGitHub } from '../sandbox/github/server.js';
import type { FaultOptions } from '../sandbox/slack/faults.js';
import { startFakeSlack, type FakeSlack } from '../sandbox/slack/server.js';
import { ACTION } from '../slack/blocks/action-ids.js';
import { createRandom } from '../sandbox/fleet/random.js';
import { uncheckedMerges } from './properties.js';

/**
 * One whole campaign over the sandbox with the app in a child process that is killed with SIGKILL
 * at random moments and started again, optionally with faults injected into the fake GitHub and
 * the fake Slack. Approvals are clicked through the fake Slack as they appear. Afterwards the
 * fakes' own records and the store are checked against what Fleet promises.
 */

export interface CampaignRunOptions {
  repos: number;
  /** SIGKILLs to deliver before the campaign is let finish (0 for a faults-only run). */
  kills: number;
  /** Milliseconds between a restart being ready and the next kill: drawn from [min, max). */
  killAfterMs: { min: number; max: number };
  githubFaults?: Partial<Faults>;
  slackFaults?: FaultOptions;
  seed: number;
  /** A bound on the whole run, so a stuck campaign fails instead of hanging. */
  limitMs: number;
  say?: (line: string) => void;
}

export interface CampaignRunReport {
  targets: number;
  kills: number;
  restarts: number;
  finalState: string;
  targetStates: Record<string, number>;
  pullRequests: number;
  merged: number;
  approvalsClicked: number;
  approvalsRecorded: number;
  slackPosts: number;
  /** Faults the fakes injected: GitHub answers by status (0 = dropped connection), Slack 429s and 5xx. */
  githubFaults: Record<string, number>;
  slackRateLimited: number;
  slackServerErrors: number;
  githubRequests: number;
  /** Secrets found in the child's log and output (must be 0). */
  secretsInLog: number;
  logLines: number;
  /** Everything that did not hold, as sentences; empty when nothing was lost or duplicated. */
  failures: string[];
  durationMs: number;
}

const OWNER = 'U0OWNER01';
const APPROVER = 'U0APPROV1';
const CHANNEL = 'C0FLEET001';
const SPEC_NAME = 'chaos-bump';
const FINAL_TARGET_STATES = ['succeeded', 'failed', 'skipped', 'reverted'];

function specText(): string {
  // auto: 100 makes every wave gate ask a person, so approvals are exercised through Slack.
  return `name: ${SPEC_NAME}
description: Bump lodash across the generated fleet, while the app is killed and restarted.
owner: ${OWNER}
approvers: { users: [${APPROVER}] }
channel: ${CHANNEL}
targets: { org: acme, topics: [node] }
change: { kind: npm-dependency, options: { package: lodash, version: ^4.17.21 } }
pr: { title: "chore(deps): bump lodash to ^4.17.21", labels: [fleet] }
steps:
  - open-pr
  - kind: await-checks
    options: { timeout: 10m, pollEvery: 1s }
  - compliance
  - gate
  - merge
waves: [5, "30%", "100%"]
policy: { auto: 100, review: 0, failureBudget: "50%", maxOpenPrs: 1000, approvalTimeout: 2h }
`;
}

function repoRoot(): string {
  // dist/src/chaos/campaign-run.js or src/chaos/campaign-run.ts: the package root is above src.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface GateRow {
  id: number;
  state: string;
  decided_by: string | null;
}

/** Read-only views of the child's SQLite file (WAL lets the parent read while the child writes). */
function openReader(file: string) {
  let db: Database.Database | undefined;
  const get = () => {
    if (!db && existsSync(file)) db = new Database(file, { readonly: true, fileMustExist: true });
    return db;
  };
  return {
    campaign: () => get()?.prepare('SELECT id, state, root_ts FROM campaigns LIMIT 1').get() as { id: string; state: string; root_ts: string | null } | undefined,
    gates: () => (get()?.prepare("SELECT id, state, decided_by FROM gates WHERE kind = 'wave' ORDER BY id").all() ?? []) as GateRow[],
    close: () => db?.close(),
  };
}

/**
 * Runs the campaign and checks it. Starts the fakes on 127.0.0.1, a catalog and SQLite file in a
 * temporary folder, and `dist/src/chaos/app-process.js` as the child (build first).
 *
 * @example const report = await runCampaign({ repos: 40, kills: 5, killAfterMs: { min: 300, max: 2000 }, seed: 1, limitMs: 90_000 });
 */
export async function runCampaign(options: CampaignRunOptions): Promise<CampaignRunReport> {
  const started = Date.now();
  const say = options.say ?? (() => undefined);
  const random = createRandom(options.seed);
  const dir = mkdtempSync(join(tmpdir(), 'fleet-chaos-run-'));
  const catalogDir = join(dir, 'catalog');
  mkdirSync(catalogDir);
  writeFileSync(join(catalogDir, `${SPEC_NAME}.yml`), specText());
  const dbFile = join(dir, 'fleet.db');
  const logFile = join(dir, 'fleet.log');
  const secrets = {
    signingSecret: `chaos-signing-${options.seed}-${Math.random().toString(36).slice(2)}`,
    webhookSecret: `chaos-webhook-${options.seed}-${Math.random().toString(36).slice(2)}`,
    githubToken: `chaos-github-token-${Math.random().toString(36).slice(2)}`,
    botToken: `xoxb-chaos-${Math.random().toString(36).slice(2)}`,
  };

  const github: FakeGitHub = await startFakeGitHub({ port: 0, rateLimit: { limit: 10_000_000 }, secondaryPerMinute: 1_000_000, log: () => undefined });
  const fleetRepos = generateFleet({ seed: options.seed, repos: options.repos, regressionShare: 0, ciBreakShare: 0 }).map((repo) => ({
    // No human review on GitHub's side: the people in this run act through Slack only.
    ...withoutRequiredReviews(repo),
    // Real CI takes minutes; here it takes a moment, and never flakes, so every outcome is Fleet's.
    ci: { ...repo.ci, durationMs: 300, outcome: 'pass' as const },
  }));
  seedFleet(github, fleetRepos);
  const slack: FakeSlack = await startFakeSlack({ signingSecret: secrets.signingSecret, botToken: secrets.botToken });
  if (options.githubFaults) github.setFaults(options.githubFaults);
  if (options.slackFaults) slack.setFaults(options.slackFaults);

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    SLACK_BOT_TOKEN: secrets.botToken,
    SLACK_SIGNING_SECRET: secrets.signingSecret,
    SLACK_API_URL: slack.apiUrl,
    GITHUB_TOKEN: secrets.githubToken,
    GITHUB_API_URL: github.url,
    GITHUB_WEBHOOK_SECRET: secrets.webhookSecret,
    GITHUB_CONTENT_PER_MINUTE: '100000',
    GITHUB_CONTENT_PER_HOUR: '1000000',
    FLEET_DB: dbFile,
    FLEET_CAMPAIGNS: catalogDir,
    FLEET_ADMINS: 'U0ADMIN01',
    FLEET_LAUNCHERS: OWNER,
    PORT: '0',
    LOG_LEVEL: 'debug',
    FLEET_CHAOS_LOG: logFile,
    FLEET_CHAOS_FAST: '1',
  };
  const entry = join(repoRoot(), 'dist/src/chaos/app-process.js');
  const output: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function startChild(): Promise<void> {
    const proc = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    proc.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    const port = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      proc.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        output.push(chunk.toString('utf8'));
        const match = /ready (\d+)/.exec(buffered);
        if (match) resolve(Number(match[1]));
      });
      proc.once('exit', (code) => reject(new Error(`the app exited (${code}) before it was ready: ${output.join('').slice(-2000)}`)));
    });
    const appUrl = `http://127.0.0.1:${port}`;
    slack.setAppUrl(`${appUrl}/slack/events`);
    github.setWebhook({ url: `${appUrl}/github/webhooks`, secret: secrets.webhookSecret });
  }

  async function kill(): Promise<void> {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    proc.kill('SIGKILL');
    await exited;
  }

  const reader = openReader(dbFile);
  const clicked = new Set<number>();
  const recordedApprovals = new Map<number, string>();
  let approvalsClicked = 0;
  let kills = 0;
  let restarts = 0;
  const failures: string[] = [];

  /** Clicks Approve on every open gate's message, as the approver would; a click the app lost is clicked again. */
  async function clickApprovals(): Promise<void> {
    const campaign = reader.campaign();
    if (!campaign?.root_ts) return;
    for (const gate of reader.gates()) {
      if (gate.state === 'approved' && gate.decided_by) recordedApprovals.set(gate.id, gate.decided_by);
      if (gate.state !== 'open') continue;
      for (const message of slack.thread(CHANNEL, campaign.root_ts)) {
        const button = (message.blocks ?? [])
          .flatMap((b) => ((b as { elements?: unknown[] }).elements ?? []) as { action_id?: string; value?: string }[])
          .find((e) => e.action_id === ACTION.approve && e.value?.includes(`"g":${gate.id}`));
        if (!button) continue;
        try {
          const response = await slack.clickButton({ user: APPROVER, actionId: ACTION.approve, channel: CHANNEL, messageTs: message.ts });
          if (response.status === 200) {
            approvalsClicked++;
            clicked.add(gate.id);
          }
        } catch {
          // The app is down (killed a moment ago): the approver clicks again after the restart.
        }
        break;
      }
    }
  }

  async function drive(until: () => boolean, deadline: number): Promise<void> {
    while (!until()) {
      if (Date.now() > deadline) throw new Error('the run went past its time limit');
      await clickApprovals();
      await sleep(150);
    }
  }

  const deadline = started + options.limitMs;
  let finalState = 'unknown';
  try {
    await startChild();
    const first = await slack.sendCommand({ user: OWNER, channel: CHANNEL, text: `start ${SPEC_NAME}` });
    if (first.status !== 200) throw new Error(`the app refused /fleet start (${first.status})`);
    await drive(() => reader.campaign() !== undefined, deadline);
    say(`campaign started with ${options.repos} repositories`);

    while (kills < options.kills) {
      const wait = options.killAfterMs.min + random() * (options.killAfterMs.max - options.killAfterMs.min);
      const killAt = Date.now() + wait;
      await drive(() => Date.now() >= killAt || isFinal(reader.campaign()?.state), deadline);
      if (isFinal(reader.campaign()?.state)) break;
      await kill();
      kills++;
      await startChild();
      restarts++;
      say(`kill ${kills}: after ${Math.round(wait)} ms; restarted (campaign ${reader.campaign()?.state ?? '?'})`);
    }
    await drive(() => isFinal(reader.campaign()?.state) && outboxDrained(dbFile), deadline);
    finalState = reader.campaign()?.state ?? 'none';
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error));
    finalState = reader.campaign()?.state ?? 'none';
  }
  await clickApprovals();
  // Stop the app cleanly so its last writes are checked too; its webhooks stop with the fake.
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    await kill();
  }
  reader.close();

  const verdict = verify({ dbFile, github, slack, recordedApprovals, failures });
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
  const everything = `${log}\n${output.join('')}`;
  const secretsInLog = Object.values(secrets).filter((s) => everything.includes(s)).length;
  if (secretsInLog > 0) failures.push(`${secretsInLog} secrets appeared in the app's log or output`);
  const statuses: Record<string, number> = {};
  for (const entry of github.requestLog) if (entry.status === 0 || entry.status === 429 || entry.status >= 500 || (entry.status === 403 && options.githubFaults?.secondaryRate)) statuses[String(entry.status)] = (statuses[String(entry.status)] ?? 0) + 1;
  const stats = slack.stats();
  const report: CampaignRunReport = {
    ...verdict,
    kills,
    restarts,
    finalState,
    approvalsClicked,
    githubFaults: statuses,
    slackRateLimited: stats.rateLimited,
    slackServerErrors: stats.serverErrors,
    githubRequests: github.requestLog.length,
    secretsInLog,
    logLines: log.split('\n').filter(Boolean).length,
    failures,
    durationMs: Date.now() - started,
  };
  await slack.close();
  await github.close();
  if (failures.length === 0) rmSync(dir, { recursive: true, force: true });
  else failures.push(`the run's database and log are kept in ${dir}`);
  return report;
}

function isFinal(state: string | undefined): boolean {
  return state === 'completed' || state === 'aborted' || state === 'halted';
}

function outboxDrained(dbFile: string): boolean {
  const db = new Database(dbFile, { readonly: true });
  try {
    const row = db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state IN ('pending', 'sending')").get() as { n: number };
    return row.n === 0;
  } finally {
    db.close();
  }
}

interface VerifyInput {
  dbFile: string;
  github: FakeGitHub;
  slack: FakeSlack;
  recordedApprovals: Map<number, string>;
  failures: string[];
}

/** The checks after the run: final states, PRs, merges, approvals, Slack posts, the event log. */
function verify(input: VerifyInput): Pick<CampaignRunReport, 'targets' | 'targetStates' | 'pullRequests' | 'merged' | 'approvalsRecorded' | 'slackPosts'> {
  const { failures } = input;
  const db = new Database(input.dbFile, { readonly: true });
  try {
    const campaign = db.prepare('SELECT id, state, root_ts FROM campaigns').get() as { id: string; state: string; root_ts: string | null } | undefined;
    if (!campaign) {
      failures.push('no campaign was ever stored');
      return { targets: 0, targetStates: {}, pullRequests: 0, merged: 0, approvalsRecorded: 0, slackPosts: 0 };
    }
    if (campaign.state !== 'completed') failures.push(`the campaign ended ${campaign.state}, not completed`);
    const targets = db.prepare('SELECT id, repo, state, pr_number FROM targets WHERE campaign_id = ?').all(campaign.id) as { id: number; repo: string; state: string; pr_number: number | null }[];
    const targetStates: Record<string, number> = {};
    for (const t of targets) targetStates[t.state] = (targetStates[t.state] ?? 0) + 1;
    const unfinished = targets.filter((t) => !FINAL_TARGET_STATES.includes(t.state));
    if (unfinished.length > 0) failures.push(`${unfinished.length} targets are not in a final state (${unfinished.slice(0, 5).map((t) => `${t.repo}: ${t.state}`).join(', ')})`);

    // Pull requests: one per target that has one, none for a repository without a target.
    const pulls = input.github.state.listPulls();
    const byRepo = new Map<string, typeof pulls>();
    for (const p of pulls) byRepo.set(p.repo, [...(byRepo.get(p.repo) ?? []), p]);
    for (const [repo, list] of byRepo) if (list.length > 1) failures.push(`${repo} has ${list.length} pull requests (#${list.map((p) => p.number).join(', #')})`);
    for (const t of targets) {
      const list = byRepo.get(t.repo) ?? [];
      if (t.pr_number !== null && !list.some((p) => p.number === t.pr_number)) failures.push(`${t.repo} records PR #${t.pr_number}, which GitHub does not have`);
      if (t.pr_number === null && list.length > 0) failures.push(`${t.repo} has a pull request Fleet did not record`);
      if (t.state === 'succeeded' && t.pr_number !== null && !list.some((p) => p.merged)) failures.push(`${t.repo} succeeded but its PR is not merged`);
    }
    // Merges: every pull request merged once, and every successful merge call merged a different
    // one; a merge queue or auto-merge merges without a merge call of Fleet's.
    const merged = pulls.filter((p) => p.merged).length;
    const mergeLog = input.github.state.merges();
    if (mergeLog.length !== merged) failures.push(`${mergeLog.length} merges for ${merged} merged pull requests`);
    const throughApi = mergeLog.filter((m) => m.via === 'api').length;
    const mergeCalls = input.github.requestLog.filter((e) => e.method === 'PUT' && e.route === '/repos/{owner}/{repo}/pulls/{pull_number}/merge' && e.status === 200).length;
    if (mergeCalls !== throughApi) failures.push(`${mergeCalls} successful merge requests for ${throughApi} pull requests merged through the API (${merged - throughApi} more by a merge queue or auto-merge)`);
    // Never a merge of a PR whose checks had not completed, whichever way it merged.
    failures.push(...uncheckedMerges(mergeLog));

    // Approvals: every one seen recorded is still there, decided once.
    const gates = db.prepare("SELECT id, state, decided_by FROM gates WHERE campaign_id = ? AND kind = 'wave'").all(campaign.id) as GateRow[];
    for (const [id, by] of input.recordedApprovals) {
      const gate = gates.find((g) => g.id === id);
      if (gate?.state !== 'approved' || gate.decided_by !== by) failures.push(`gate ${id}, approved by ${by}, is now ${gate?.state ?? 'gone'}`);
    }
    const approvalEvents = db.prepare("SELECT data_json FROM events WHERE campaign_id = ? AND kind = 'gate.approved'").all(campaign.id) as { data_json: string }[];
    const perGate = new Map<number, number>();
    for (const e of approvalEvents) {
      const gateId = Number((JSON.parse(e.data_json) as { gateId?: number }).gateId);
      perGate.set(gateId, (perGate.get(gateId) ?? 0) + 1);
    }
    for (const [gateId, n] of perGate) if (n > 1) failures.push(`gate ${gateId} has ${n} approval events`);
    const approvedGates = gates.filter((g) => g.state === 'approved' && g.decided_by !== 'engine');
    for (const g of approvedGates) if (!perGate.has(g.id)) failures.push(`gate ${g.id} is approved without an approval event`);

    // Slack: every message Fleet posted carries its outbox id; none may appear twice, none may be missing.
    const messages = [...input.slack.messages(CHANNEL), ...(campaign.root_ts ? input.slack.thread(CHANNEL, campaign.root_ts).slice(1) : [])];
    const seen = new Map<number, number>();
    for (const m of messages) {
      const id = Number(m.metadata?.event_payload?.outbox_id);
      if (Number.isFinite(id) && m.metadata?.event_payload?.outbox_id !== undefined) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    for (const [id, n] of seen) if (n > 1) failures.push(`outbox message ${id} was posted ${n} times`);
    // Posts, and every message not delivered (which has not been posted yet, whatever it would be).
    const posts = db.prepare("SELECT id, state, last_error FROM outbox WHERE delivered_as = 'post' OR state <> 'sent'").all() as { id: number; state: string; last_error: string | null }[];
    for (const p of posts) {
      if (p.state !== 'sent') failures.push(`outbox message ${p.id} ended ${p.state}${p.last_error ? ` (${p.last_error})` : ''}`);
      else if (!seen.has(p.id)) failures.push(`outbox message ${p.id} is marked sent but is not in Slack`);
    }
    const stuck = db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state <> 'sent'").get() as { n: number };
    if (stuck.n > 0) failures.push(`${stuck.n} outbox messages were never delivered`);

    // The event log agrees with the final states: a target's last finishing event names its state.
    const finishing = db.prepare("SELECT target_id, kind FROM events WHERE campaign_id = ? AND kind IN ('target.succeeded', 'target.failed', 'target.skipped', 'target.reverted') ORDER BY id").all(campaign.id) as { target_id: number; kind: string }[];
    const last = new Map<number, string>();
    const count = new Map<number, number>();
    for (const e of finishing) {
      last.set(e.target_id, e.kind);
      count.set(e.target_id, (count.get(e.target_id) ?? 0) + 1);
    }
    for (const t of targets) {
      if (!FINAL_TARGET_STATES.includes(t.state)) continue;
      if (last.get(t.id) !== `target.${t.state}`) failures.push(`${t.repo} is ${t.state} but its last finishing event is ${last.get(t.id) ?? 'missing'}`);
      if ((count.get(t.id) ?? 0) > 1 && t.state === 'succeeded') failures.push(`${t.repo} has ${count.get(t.id)} finishing events`);
    }
    const completedEvents = (db.prepare("SELECT COUNT(*) AS n FROM events WHERE campaign_id = ? AND kind = 'campaign.completed'").get(campaign.id) as { n: number }).n;
    if (campaign.state === 'completed' && completedEvents !== 1) failures.push(`the campaign has ${completedEvents} campaign.completed events`);

    return { targets: targets.length, targetStates, pullRequests: pulls.length, merged, approvalsRecorded: perGate.size, slackPosts: seen.size };
  } finally {
    db.close();
  }
}
