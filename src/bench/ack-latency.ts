import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createCampaignService } from '../campaigns/service.js';
import { createLogger } from '../runtime/logger.js';
import { startFakeSlack } from '../sandbox/slack/server.js';
import { sendSlashCommand } from '../sandbox/slack/client.js';
import { createSlackApp } from '../slack/create-app.js';
import { BENCH_CHANNEL, BENCH_OWNER, createBenchClient, insertCampaign, makeBenchSpec, openBenchStore, startBenchGitHub } from './sandbox.js';
import { percentile, round } from './stats.js';

export interface AckLatencyOptions {
  requests: number;
  concurrency: number;
  /** Campaigns (of 200 targets each) in the store, so list and status have real work to do. */
  campaigns: number;
}

export interface AckLatencyResult {
  p50: number;
  p99: number;
  max: number;
  concurrency: number;
  requests: number;
  /** Answers other than HTTP 200 (must be 0). */
  failed: number;
  /** Time until the reply reached the response_url, for context (Slack allows 30 minutes). */
  replyP50: number;
  replyP99: number;
  commands: string[];
}

const SECRET = 'bench-signing-secret';
const TOKEN = 'xoxb-bench';

/** A response_url stand-in: records when each reply arrives. */
async function startReplySink(onReply: (id: string) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const id = (request.url ?? '').split('/').pop() ?? '';
    request.resume();
    request.on('end', () => {
      onReply(id);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * Signed `/fleet` slash commands, `concurrency` at a time, against the real Bolt app with the real
 * campaign service over a real SQLite file and the Web API pointed at the fake Slack. Measures
 * the time to Bolt's HTTP answer (the ack Slack waits up to 3 s for), and, separately, the time
 * to the reply posted to the response_url.
 */
export async function measureAckLatency(options: AckLatencyOptions): Promise<AckLatencyResult> {
  const bench = openBenchStore('ack');
  const github = await startBenchGitHub();
  const slack = await startFakeSlack({ signingSecret: SECRET, botToken: TOKEN });
  const sent = new Map<string, number>();
  const replies: number[] = [];
  const sink = await startReplySink((id) => {
    const at = sent.get(id);
    if (at !== undefined) replies.push(performance.now() - at);
  });
  const ids: string[] = [];
  for (let c = 0; c < options.campaigns; c++) {
    const repos = Array.from({ length: 200 }, (_, i) => `acme/svc-${String(i).padStart(5, '0')}`);
    const id = `c-ack${c}`;
    insertCampaign(bench.store, { id, spec: makeBenchSpec({ repos: repos.slice(0, 1), steps: ['open-pr', 'gate', 'merge'], waves: [5, '100%'] }), waves: [repos.slice(0, 5), repos.slice(5)], now: Date.now() });
    ids.push(id);
  }
  const { github: gateway } = createBenchClient(github, bench.store, Date.now);
  const service = createCampaignService({
    store: bench.store,
    catalog: { list: async () => [], load: async (name) => Promise.reject(new Error(`no spec ${name} in the bench catalog`)) },
    gateway,
    admins: [],
    launchers: { users: [], groups: [] },
    resolveGroupMembers: async () => [],
    now: Date.now,
    wake: () => undefined,
  });
  const app = createSlackApp({
    signingSecret: SECRET,
    botToken: TOKEN,
    apiUrl: slack.apiUrl,
    service,
    admins: [],
    resolveGroupMembers: async () => [],
    recordRefusal: () => undefined,
    logger: createLogger({ level: 'error', write: () => undefined }),
    now: Date.now,
    host: '127.0.0.1',
  });
  await app.start(0);
  const appUrl = `http://127.0.0.1:${app.port()}/slack/events`;
  const commands = ['help', 'list', ...ids.map((id) => `status ${id}`)];
  const latencies: number[] = [];
  let failed = 0;
  try {
    // One untimed round first: the first requests pay for JIT compilation and new sockets, which a running app has long paid.
    let next = -options.concurrency;
    const lane = async () => {
      while (next < options.requests) {
        const n = next++;
        if (n < 0) {
          await sendSlashCommand({ appUrl, signingSecret: SECRET, text: 'help', user: BENCH_OWNER, channel: BENCH_CHANNEL, responseUrl: `${sink.url}/response/warm${n}` });
          continue;
        }
        const text = commands[n % commands.length];
        const id = `r${n}`;
        const start = performance.now();
        sent.set(id, start);
        const answer = await sendSlashCommand({ appUrl, signingSecret: SECRET, text, user: BENCH_OWNER, channel: BENCH_CHANNEL, responseUrl: `${sink.url}/response/${id}` });
        latencies.push(performance.now() - start);
        if (answer.status !== 200) failed += 1;
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, lane));
    // Replies are sent after the ack; give the last ones a moment to land.
    for (let i = 0; i < 100 && replies.length < options.requests; i++) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await app.stop();
    await new Promise<void>((resolve) => sink.server.close(() => resolve()));
    await slack.close();
    await github.close();
    bench.close();
  }
  return {
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    max: round(Math.max(...latencies)),
    concurrency: options.concurrency,
    requests: latencies.length,
    failed,
    replyP50: round(percentile(replies, 50)),
    replyP99: round(percentile(replies, 99)),
    commands: ['help', 'list', 'status <id>'],
  };
}
