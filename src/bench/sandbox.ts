import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleWebhook } from '../github/webhooks.js';
import { CampaignSpec } from '../domain/spec.js';
import { createOctokit, type Octokit } from '../github/create-octokit.js';
import { createGateway, type Gateway } from '../github/gateway.js';
import { generateFleet } from '../sandbox/fleet/generate-fleet.js';
import type { RepoSettings } from '../sandbox/github/rulesets.js';
import { startFakeGitHub, type FakeGitHub } from '../sandbox/github/server.js';
import type { Store } from '../store/store.js';
import { openTempStore, type TempStore } from '../store/temp-store.js';

/** A real SQLite file in a temporary folder, removed on close. */
export type BenchStore = TempStore;

export function openBenchStore(prefix: string): BenchStore {
  return openTempStore(`bench-${prefix}`);
}

/** Monday 9:00 UTC: inside any default schedule window, so no target is deferred by the calendar. */
export const BENCH_EPOCH = Date.UTC(2026, 0, 5, 9, 0, 0);

/**
 * The fake GitHub with limits far above anything a bench reaches: the figures are Fleet's own
 * cost, not the time spent waiting for a (simulated) rate limit to reset.
 */
export async function startBenchGitHub(options: { now?: () => number } = {}): Promise<FakeGitHub> {
  return startFakeGitHub({
    port: 0,
    now: options.now ?? (() => BENCH_EPOCH),
    log: () => undefined,
    secondaryPerMinute: 1_000_000_000,
    rateLimit: { limit: 1_000_000_000 },
  });
}

export interface BenchClientOptions {
  /** Strip conditional headers at the wire: every GET is answered in full and counted (a naive client). */
  naive?: boolean;
}

/**
 * The real Octokit client and gateway against the fake, with write pacing lifted (GitHub's own
 * 80/min and 500/h would turn every timing into a measurement of the pacing) and no in-process
 * spacing between writes. The conditional-request cache, retries and request counting stay on.
 */
export function createBenchClient(fake: FakeGitHub, store: Store, now: () => number, options: BenchClientOptions = {}): { octokit: Octokit; github: Gateway } {
  const naiveFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.delete('if-none-match');
    headers.delete('if-modified-since');
    return globalThis.fetch(input, { ...init, headers });
  };
  const octokit = createOctokit({
    auth: { token: 'bench-token' },
    baseUrl: fake.url,
    store,
    now,
    pacing: { perMinute: 1_000_000_000, perHour: 1_000_000_000 },
    retry: { retries: 2, baseMs: 1 },
    throttle: { retryAfterBaseMs: 1, writeSpacingMs: 0, notificationSpacingMs: 0 },
    ...(options.naive ? { fetch: naiveFetch } : {}),
  });
  return { octokit, github: createGateway({ octokit, now }) };
}

export const BENCH_OWNER = 'U0OWNER01';
export const BENCH_APPROVER = 'U0APPROV1';
export const BENCH_CHANNEL = 'C0FLEET001';

/** The lodash bump the generated fleet's ground truth is keyed on, with the given path and waves. */
export function makeBenchSpec(input: { name?: string; repos?: string[]; org?: string; steps: unknown[]; waves: (number | string)[]; policy?: Record<string, unknown>; labels?: string[] }): CampaignSpec {
  return CampaignSpec.parse({
    name: input.name ?? 'bench-bump-lodash',
    owner: BENCH_OWNER,
    approvers: { users: [BENCH_APPROVER] },
    channel: BENCH_CHANNEL,
    targets: input.repos ? { repos: input.repos } : { org: input.org },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } },
    pr: { title: 'chore(deps): bump lodash to ^4.17.21', labels: input.labels ?? ['dependencies'] },
    steps: input.steps,
    waves: input.waves,
    policy: { maxOpenPrs: 10_000, ...input.policy },
    canary: {
      provider: 'simulated',
      lookback: '10m',
      step: '10s',
      groups: { errors: 2, latency: 1 },
      metrics: [
        { name: 'error-rate', group: 'errors', direction: 'increase', critical: true, effectSize: 0.05, mustHaveData: true },
        { name: 'latency-p99', group: 'latency', direction: 'increase', effectSize: 0.2 },
      ],
    },
  });
}

/** Inserts a running campaign with its targets straight into the store (no discovery, no planning). */
export function insertCampaign(store: Store, input: { id: string; spec: CampaignSpec; waves: string[][]; now: number }): void {
  const { id, spec, waves, now } = input;
  store.transaction(() => {
    store.campaigns.insert({ id, name: spec.name, specJson: JSON.stringify(spec), specSource: 'bench', changeKind: spec.change.kind, owner: spec.owner, channel: spec.channel, state: 'running', waveCount: waves.length, now });
    store.targets.insertMany(id, waves.flatMap((repos, wave) => repos.map((repo) => ({ repo, wave }))), now);
  });
}

/** A package.json that the lodash bump changes. */
export function benchPackageJson(name: string): string {
  return `${JSON.stringify({ name, version: '1.0.0', dependencies: { express: '^4.19.2', lodash: '4.17.15' } }, null, 2)}\n`;
}

/** Seeds `count` repositories named `<org>/svc-00000…` whose CI passes after `ciMs`: three files each, or with `realistic` the generated fleet's hundreds around them. */
export function seedSimpleRepos(fake: FakeGitHub, input: { org: string; count: number; ciMs: number; from?: number; realistic?: boolean; settings?: Partial<RepoSettings> }): string[] {
  const names: string[] = [];
  const from = input.from ?? 0;
  // Realistic: the generated fleet's source, tests, docs, images and archives around the bench's own
  // package.json, so checkouts and pushes move what a real repository makes them move.
  const bodies = input.realistic ? generateFleet({ seed: 11, repos: input.count, org: input.org }).map((repo) => repo.files) : [];
  for (let i = from; i < from + input.count; i++) {
    const name = `svc-${String(i).padStart(5, '0')}`;
    fake.state.seedRepo({
      owner: input.org,
      name,
      files: { ...(bodies[i - from] ?? {}), 'package.json': benchPackageJson(name), 'README.md': `# ${name}\n`, '.github/CODEOWNERS': '* @acme/platform\n' },
      protection: { requiredChecks: ['build', 'test'], requiredApprovals: 0 },
      ci: { checks: ['build', 'test'], outcome: 'pass', durationMs: input.ciMs },
      ...(input.settings ? { settings: input.settings } : {}),
    });
    names.push(`${input.org}/${name}`);
  }
  return names;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * An HTTP server on 127.0.0.1 that hands every request to Fleet's own `handleWebhook`, as the app
 * mounts it at `/github/webhooks`: the fake GitHub's signed deliveries go there.
 */
export async function startWebhookReceiver(deps: Parameters<typeof handleWebhook>[0]): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      void handleWebhook(deps, { headers: request.headers, rawBody: Buffer.concat(chunks).toString('utf8') }).then(
        (result) => {
          response.writeHead(result.status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(result.body));
        },
        (error: unknown) => {
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: String(error) }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/github/webhooks`, server };
}
