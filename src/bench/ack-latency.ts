import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeSlack } from '../sandbox/slack/server.js';
import { openDatabase } from '../store/database.js';
import { startSlackFront, type SlackFront } from './ack-front.js';
import type { LoadPlan, LoadSample } from './ack-plan.js';
import { processCpuMs, startBareProcess, startFleetProcess, startLoadProcess, type AppProcess } from './ack-processes.js';
import { seedAckDatabase, type AwaitingGate } from './ack-seed.js';
import { BENCH_APPROVER, BENCH_CHANNEL, BENCH_OWNER, sleep, startBenchGitHub } from './sandbox.js';
import { percentile, round, spread, type Spread } from './stats.js';

export interface AckLatencyOptions {
  /** Requests per round and app, a quarter of each kind (help, list, status, Approve). */
  requests: number;
  concurrency: number;
  /** Measured rounds; each sends the load to Fleet and to the bare app, in alternating order. */
  rounds: number;
  /** Targets of each seeded campaign (one campaign per round, plus one for the warm-up). */
  targets: number;
  /** Node flags for Fleet's process, e.g. `['--cpu-prof', '--cpu-prof-dir=/tmp/prof']` to see where its time goes. */
  fleetNodeArgs?: string[];
}

/** One app's answers in one round, in ms. */
export interface AckRound {
  app: 'fleet' | 'bare';
  round: number;
  requests: number;
  /** Answers other than HTTP 200. */
  failed: number;
  p50: number;
  p99: number;
  max: number;
  /** Each kind's ack p99 alone: help, list, status, approve. */
  p99ByKind: Record<string, number>;
  /** CPU ms the app's process used during the round: its main thread (the listeners) and its other threads (Fleet's job workers, V8's helpers); null off Linux. */
  cpuMs: { main: number; others: number } | null;
  /** Fleet only: time until the reply reached the response_url, or for the click that approved, until its chat.update reached Slack. */
  reply?: { p50: number; p99: number; max: number; missing: number };
}

export interface AckSpreads {
  p50: Spread;
  p99: Spread;
  max: Spread;
}

export interface AckLatencyResult {
  concurrency: number;
  requestsPerRound: number;
  rounds: number;
  commands: string[];
  /** Fleet's acks and replies: min / median / max over rounds of each round's p50, p99 and max. */
  fleet: { ack: AckSpreads; reply: AckSpreads };
  bare: { ack: AckSpreads };
  /** Fleet's ack p99 over the bare app's, round by round (aim ≤ 1.2). */
  p99Ratio: Spread;
  perRound: AckRound[];
  /** Non-200 answers over every measured round of both apps (must be 0). */
  failed: number;
  /** Replies that never reached Slack within 15 s of the round's end (must be 0). */
  missingReplies: number;
  /** Gates approved in the store by the Approve clicks, one per round and one in the warm-up. */
  approvedGates: number;
  /** chat.update calls that marked a clicked gate approved: one per round and one in the warm-up. */
  approvalUpdates: number;
  /** Error lines in Fleet's log. */
  fleetErrors: number;
  /** What Fleet's background jobs did meanwhile: requests the fake GitHub answered and Web API calls through the front, warm-up included. */
  background: { githubRequests: number; slackApiCalls: number; githubRoutes: Record<string, number> };
  /** The three processes besides the bench's own. */
  processes: { fleet: 'node dist/src/runtime/main.js'; bare: 'node dist/src/sandbox/slack/bare-bolt.js'; load: 'node dist/src/bench/ack-load.js' };
}

const SECRET = 'bench-ack-signing-secret';
const TOKEN = 'xoxb-bench-ack-token';
const ADMIN = 'U0ADMIN01';
const COMMANDS = ['help', 'list', 'status <id>', 'Approve click'];

/** The round's requests, cycling help, list, status (over every seeded campaign) and an Approve click on the round's gate. */
function planRound(input: { appUrl: string; concurrency: number; count: number; tag: string; gate: AwaitingGate; campaigns: string[]; front: SlackFront }): LoadPlan {
  const requests: LoadPlan['requests'] = [];
  for (let i = 0; i < input.count; i++) {
    const id = `${input.tag}-${i}`;
    const responseUrl = input.front.responseUrl(id);
    const base = { id, channel: BENCH_CHANNEL, responseUrl };
    switch (i % 4) {
      case 0:
        requests.push({ ...base, kind: 'command', user: BENCH_OWNER, text: 'help' });
        break;
      case 1:
        requests.push({ ...base, kind: 'command', user: BENCH_OWNER, text: 'list' });
        break;
      case 2:
        requests.push({ ...base, kind: 'command', user: BENCH_OWNER, text: `status ${input.campaigns[Math.floor(i / 4) % input.campaigns.length]}` });
        break;
      default:
        requests.push({ ...base, kind: 'approve', user: BENCH_APPROVER, campaignId: input.gate.campaignId, gateId: input.gate.gateId, messageTs: input.gate.messageTs, blocks: input.gate.blocks });
    }
  }
  return { appUrl: input.appUrl, signingSecret: SECRET, concurrency: input.concurrency, requests };
}

/**
 * When each of Fleet's replies reached Slack: a post to the request's response_url, or, for the
 * one Approve click that won the gate (every other click is told it was already approved, at its
 * response_url), the chat.update that marked the gate message approved.
 */
function replyTimes(samples: LoadSample[], front: SlackFront, gate: AwaitingGate): { times: number[]; missing: number } {
  const times: number[] = [];
  const unanswered: LoadSample[] = [];
  for (const s of samples) {
    const at = front.responses.get(s.id);
    if (at === undefined) unanswered.push(s);
    else times.push(at - s.sentAt);
  }
  const update = front.updates.find((u) => u.ts === gate.messageTs && u.text === 'Gate approved');
  const winner = unanswered.length === 1 && unanswered[0].kind === 'approve' ? unanswered[0] : undefined;
  if (winner && update) times.push(update.at - winner.sentAt);
  return { times, missing: winner && update ? 0 : unanswered.length };
}

async function awaitReplies(samples: LoadSample[], front: SlackFront, gate: AwaitingGate): Promise<void> {
  for (let i = 0; i < 750 && replyTimes(samples, front, gate).missing > 0; i++) await sleep(20);
}

/** help, list, status or approve: what a request of the plan was. */
function kindOf(request: LoadPlan['requests'][number]): string {
  return request.kind === 'approve' ? 'approve' : request.text.split(' ')[0];
}

function summarize(app: AckRound['app'], round_: number, plan: LoadPlan, samples: LoadSample[], reply?: { times: number[]; missing: number }): Omit<AckRound, 'cpuMs'> {
  const acks = samples.map((s) => s.ackMs);
  const kinds = new Map(plan.requests.map((r) => [r.id, kindOf(r)]));
  const byKind: Record<string, number[]> = {};
  for (const s of samples) (byKind[kinds.get(s.id) ?? s.kind] ??= []).push(s.ackMs);
  const out: Omit<AckRound, 'cpuMs'> = {
    app,
    round: round_,
    requests: samples.length,
    failed: samples.filter((s) => s.status !== 200).length,
    p50: round(percentile(acks, 50)),
    p99: round(percentile(acks, 99)),
    max: round(Math.max(...acks)),
    p99ByKind: Object.fromEntries(Object.entries(byKind).map(([kind, ms]) => [kind, round(percentile(ms, 99))])),
  };
  if (reply) out.reply = { p50: round(percentile(reply.times, 50)), p99: round(percentile(reply.times, 99)), max: round(Math.max(0, ...reply.times)), missing: reply.missing };
  return out;
}

function spreads(rows: { p50: number; p99: number; max: number }[]): AckSpreads {
  return { p50: spread(rows.map((r) => r.p50)), p99: spread(rows.map((r) => r.p99)), max: spread(rows.map((r) => r.max)) };
}

/** Requests by method and route, most frequent first. */
function countRoutes(log: { method: string; route: string }[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const e of log) counts.set(`${e.method} ${e.route}`, (counts.get(`${e.method} ${e.route}`) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

/** Gates the approver decided in the store Fleet left behind. */
function countApprovedGates(file: string): number {
  const db = openDatabase(file);
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM gates WHERE state = 'approved' AND decided_by = ?`).get(BENCH_APPROVER) as { n: number }).n;
  } finally {
    db.close();
  }
}

/**
 * Ack and reply latency as Slack sees them. The stand-ins (fake GitHub, fake Slack behind a front
 * that receives the response_urls) run here; Fleet runs in its own process as `npm start` runs it,
 * over a SQLite file seeded with campaigns awaiting approval; a bare Bolt app that only acks runs
 * in another; and the signed load comes from a third (`ack-load.ts`), `concurrency` at a time. One
 * untimed warm-up round per app, then `rounds` rounds alternating which app goes first.
 */
export async function measureAckLatency(options: AckLatencyOptions): Promise<AckLatencyResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-bench-ack-'));
  const catalog = join(dir, 'campaigns');
  mkdirSync(catalog);
  const dbFile = join(dir, 'fleet.db');
  const github = await startBenchGitHub({ now: Date.now });
  const slack = await startFakeSlack({ signingSecret: SECRET, botToken: TOKEN });
  const front = await startSlackFront(slack.apiUrl);
  const apps: AppProcess[] = [];
  try {
    const post = async (args: Record<string, unknown>): Promise<string> => {
      const answer = await fetch(`${slack.apiUrl}chat.postMessage`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(args) });
      const body = (await answer.json()) as { ok: boolean; ts?: string; error?: string };
      if (!body.ok || !body.ts) throw new Error(`The fake Slack refused chat.postMessage: ${body.error ?? 'no ts'}`);
      return body.ts;
    };
    const gates = await seedAckDatabase({ file: dbFile, campaigns: options.rounds + 1, targets: options.targets, now: Date.now(), post });
    const campaigns = gates.map((g) => g.campaignId);
    const fleet = await startFleetProcess({
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: front.apiUrl,
      GITHUB_TOKEN: 'ghp_benchacktokenxxxxxxxxxxxxxxxxxx',
      GITHUB_API_URL: github.url,
      GITHUB_WEBHOOK_SECRET: 'bench-ack-webhook-secret',
      FLEET_DB: dbFile,
      FLEET_CAMPAIGNS: catalog,
      FLEET_ADMINS: ADMIN,
      FLEET_ORGS: 'acme',
      FLEET_WORKDIR: join(dir, 'workspaces'),
      PORT: '0',
      FLEET_HOST: '127.0.0.1',
    }, options.fleetNodeArgs);
    apps.push(fleet);
    const bare = await startBareProcess({ SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: TOKEN });
    apps.push(bare);
    const load = startLoadProcess();
    apps.push({ eventsUrl: '', pid: 0, errors: [], stop: () => load.stop() });

    const perRound: AckRound[] = [];
    const runOne = async (app: 'fleet' | 'bare', r: number, count: number) => {
      const gate = gates[r];
      const plan = planRound({ appUrl: app === 'fleet' ? fleet.eventsUrl : bare.eventsUrl, concurrency: options.concurrency, count, tag: `${app}-${r}`, gate, campaigns, front });
      const pid = app === 'fleet' ? fleet.pid : bare.pid;
      const before = processCpuMs(pid);
      const samples = await load.run(plan);
      if (app === 'fleet') await awaitReplies(samples, front, gate);
      const after = processCpuMs(pid);
      const cpuMs = before && after ? { main: after.main - before.main, others: after.others - before.others } : null;
      return { ...summarize(app, r, plan, samples, app === 'fleet' ? replyTimes(samples, front, gate) : undefined), cpuMs };
    };
    // The warm-up pays for JIT compilation and first connections (the apps' and the load generator's), which a running app has long paid.
    const warm = Math.min(options.requests, options.concurrency * 4);
    await runOne('fleet', 0, warm);
    await runOne('bare', 0, warm);
    for (let r = 1; r <= options.rounds; r++) {
      const order: ('fleet' | 'bare')[] = r % 2 === 1 ? ['fleet', 'bare'] : ['bare', 'fleet'];
      for (const app of order) perRound.push(await runOne(app, r, options.requests));
    }
    await fleet.stop();
    const fleetRounds = perRound.filter((r) => r.app === 'fleet');
    const bareRounds = perRound.filter((r) => r.app === 'bare');
    const ratios = fleetRounds.map((f) => f.p99 / Math.max(0.001, bareRounds.find((b) => b.round === f.round)?.p99 ?? 0));
    return {
      concurrency: options.concurrency,
      requestsPerRound: options.requests,
      rounds: options.rounds,
      commands: COMMANDS,
      fleet: { ack: spreads(fleetRounds), reply: spreads(fleetRounds.map((r) => r.reply!)) },
      bare: { ack: spreads(bareRounds) },
      p99Ratio: (({ min, median, max }) => ({ min: round(min, 2), median: round(median, 2), max: round(max, 2) }))(spread(ratios)),
      perRound,
      failed: perRound.reduce((n, r) => n + r.failed, 0),
      missingReplies: fleetRounds.reduce((n, r) => n + (r.reply?.missing ?? 0), 0),
      approvedGates: countApprovedGates(dbFile),
      approvalUpdates: front.updates.filter((u) => u.text === 'Gate approved' && gates.some((g) => g.messageTs === u.ts)).length,
      fleetErrors: fleet.errors.length,
      background: { githubRequests: github.requestLog.length, slackApiCalls: front.apiCalls(), githubRoutes: countRoutes(github.requestLog) },
      processes: { fleet: 'node dist/src/runtime/main.js', bare: 'node dist/src/sandbox/slack/bare-bolt.js', load: 'node dist/src/bench/ack-load.js' },
    };
  } finally {
    for (const app of apps) await app.stop();
    await front.close();
    await slack.close();
    await github.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
