import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/runtime/config.js';
import { createLogger } from '../../../src/runtime/logger.js';
import { startFleet, type RunningFleet } from '../../../src/runtime/start-fleet.js';
import { generateFleet, withoutRequiredReviews, type FleetRepo } from '../../../src/sandbox/fleet/generate-fleet.js';
import { seedFleet } from '../../../src/sandbox/fleet/seed-fleet.js';
import { startFakeGitHub, type FakeGitHub } from '../../../src/sandbox/github/server.js';
import { uncheckedMerges } from '../../../src/chaos/properties.js';
import { startFakeSlack, type FakeSlack } from '../../../src/sandbox/slack/server.js';
import type { CampaignRecord } from '../../../src/store/store.js';
import { launchChromium } from '../../support/chromium.js';

/**
 * A browser harness for situations: the sandbox `npm run demo` runs (a fake GitHub with a
 * generated fleet, the fake Slack with its page, the real Fleet with its Bolt app and Bree jobs
 * on a SQLite file of its own), started in the test process with fast CI and job intervals, and
 * Chromium on the page. A test drives it the way a person does: it types `/fleet …` in the page's
 * composer and clicks the buttons it sees, acting as one of the seeded people, and reads the page.
 *
 * The jobs run from `dist/jobs`: run `npm run build` first.
 *
 * @example
 * const s = await startSituation({ failBuild: (fleet) => [lodashUsers(fleet)[0]] });
 * try {
 *   const campaign = await s.startCampaign(situationSpec({ name: 'bump-lodash' }));
 *   await s.waitForText(/Approval needed/);
 *   await s.clickButton('Approval needed', 'Approve', USERS.outsider);
 *   await s.waitForText(/can approve this campaign/);
 * } finally {
 *   await s.close();
 * }
 */

/** The seeded people of the fake Slack, by the role they play. */
export const USERS = {
  /** Grace Hopper: owns the specs `situationSpec` writes, and may launch campaigns. */
  owner: 'U0OWNER01',
  /** María García: a listed approver who did not launch the campaign (four eyes). */
  approver: 'U0APPROV1',
  /** Ada Lovelace: in FLEET_ADMINS. */
  admin: 'U0ADMIN01',
  /** Tom Baker: neither owner, approver nor admin. */
  outsider: 'U0OUTSID1',
} as const;

/** #fleet-payments, where `situationSpec` posts. */
export const CHANNEL = 'C0FLEET001';

/** The organisation of the generated fleet. */
export const ORG = 'acme';

/** Repositories, chosen by full name ("acme/payments-api") or by a function of the generated fleet. */
export type RepoChoice = string[] | ((fleet: FleetRepo[]) => (FleetRepo | string)[]);

export interface SituationOptions {
  /** How many repositories the generated fleet has (default 6, spread over three teams). */
  repos?: number;
  /** The fleet generator's seed (default 7): the same seed gives the same repositories. */
  seed?: number;
  /** Where the change breaks the build: their required checks fail on any commit whose files differ from the default branch's. */
  failBuild?: RepoChoice;
  /** Where the change regresses the canary (the simulated metrics provider's ground truth); needs a spec with a canary. */
  regress?: RepoChoice;
  /**
   * Where the default branch moves under the campaign: as soon as Fleet opens its PR there, a
   * commit on the default branch changes package.json too, so GitHub reports the PR `dirty`
   * (a merge conflict). Their CI takes at least 2 s so the commit lands before the merge.
   */
  conflict?: RepoChoice;
  /** Whose default branch already fails its checks (a person is asked). */
  failOnDefault?: RepoChoice;
  /** How long CI takes in every repository, in ms (default 300). */
  ciMs?: number;
  /** Browser viewport (default 1400×900). */
  viewport?: { width: number; height: number };
}

export interface Situation {
  page: Page;
  browser: Browser;
  fleet: RunningFleet;
  slack: FakeSlack;
  github: FakeGitHub;
  /** The generated fleet as seeded, ground truth included (`breaksCi`, `regresses`). */
  repos: FleetRepo[];
  /** The catalog folder Fleet reads specs from. */
  catalogDir: string;
  /**
   * Write a spec into the catalog and start it as its owner with `/fleet start <name>` typed on
   * the page; resolves with the campaign once its root message is posted.
   *
   * @example const campaign = await s.startCampaign(situationSpec({ name: 'bump-lodash', waves: [1, '100%'] }));
   * @example const campaign = await s.startCampaign(readFileSync('campaigns/examples/bump-lodash.yml', 'utf8'));
   */
  startCampaign(spec: string | Record<string, unknown>, asUser?: string): Promise<CampaignRecord>;
  /** Write a spec into the catalog without starting it (for `/fleet preview`, the modal, a stale Launch). Returns its name. */
  writeSpec(spec: string | Record<string, unknown>): string;
  /**
   * Type a command in the page's composer as a person and press Enter; resolves once the fake
   * Slack has the app's answer. "/fleet " is added when the text does not start with "/".
   *
   * @example await s.command('status c-1a2b3c', USERS.owner);
   */
  command(text: string, asUser?: string): Promise<void>;
  /**
   * Click the button labelled `buttonLabel` on the message showing `messageText`, as a person:
   * the message is looked for in the channel, then in the campaign threads (the thread is opened
   * on the page). A confirmation dialog is confirmed. Resolves once Fleet has answered the click.
   *
   * @example await s.clickButton('Approval needed', 'Approve', USERS.approver);
   * @example await s.clickButton(/fail on main too/, 'Skip', USERS.owner);
   */
  clickButton(messageText: string | RegExp, buttonLabel: string | RegExp, asUser?: string): Promise<void>;
  /**
   * Wait until the page (channel, open thread, modal, ephemeral messages of the person acted as)
   * shows text matching `pattern`; resolves with the matched text.
   *
   * @example const line = await s.waitForText(/Only .* can approve/);
   */
  waitForText(pattern: RegExp | string, options?: { timeoutMs?: number }): Promise<string>;
  /**
   * Open the thread of the message `rootTs` on the page and return what it shows.
   *
   * @example expect(await s.threadText(campaign.rootTs!)).toContain('Approved by @María García');
   */
  threadText(rootTs: string): Promise<string>;
  /** Act as this person on the page (the "Act as" select) and wait for the page to show what they see. */
  actAs(user: string): Promise<void>;
  /**
   * Wait until the campaign is in one of these states (read from Fleet's store).
   *
   * @example await s.waitForCampaign(campaign.id, ['awaiting-approval']);
   */
  waitForCampaign(id: string, states: string[], timeoutMs?: number): Promise<CampaignRecord>;
  /**
   * Fleet's jobs run on real time, with short step durations: `tick()` runs the advance job now
   * and waits for it to finish, then for the notify job to deliver what it queued.
   */
  tick(): Promise<void>;
  /**
   * Move the clock of the Fleet code that runs in this process (the Slack handlers and the
   * campaign service: what a click or a command decides, e.g. whether a preview is stale) forward,
   * and the fake Slack's with it (Fleet checks the timestamps Slack signs against its own clock).
   * The background jobs (Bree workers) and the fake GitHub keep real time, so this is for
   * decisions made on a click.
   *
   * @example
   * await s.command('preview bump-lodash');
   * s.fastForward(15 * 60_000);
   * await s.clickButton('bump-lodash', 'Launch');
   */
  fastForward(ms: number): void;
  /** Commit files on a repository's default branch, through the fake GitHub's git API (what a person pushing to main does). */
  pushToDefaultBranch(repo: string, files: Record<string, string>, message?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A small spec that runs in seconds on the harness's fleet: the lodash bump over `acme`, with
 * short CI waits and no canary unless `canary: true`. Override any section.
 *
 * @example situationSpec({ name: 'halt-me', policy: { auto: 100, review: 99 } })
 * @example situationSpec({ name: 'canaried', canary: true, waves: [2, '100%'] })
 */
export function situationSpec(overrides: Record<string, unknown> & { name: string; canary?: boolean | Record<string, unknown> }): Record<string, unknown> {
  const { canary, ...rest } = overrides;
  const withCanary = canary !== undefined && canary !== false;
  return {
    description: 'Upgrade lodash to 4.17.21 (CVE-2021-23337).',
    owner: USERS.owner,
    approvers: { users: [USERS.approver], groups: [] },
    channel: CHANNEL,
    targets: { org: ORG, topics: ['node'] },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } },
    pr: { title: 'chore(deps): bump lodash to ^4.17.21', labels: ['dependencies'] },
    steps: [
      'open-pr',
      { kind: 'await-checks', options: { timeout: '1m', pollEvery: '1s' } },
      ...(withCanary ? [{ kind: 'canary', options: { duration: '2s' } }] : []),
      'gate',
      { kind: 'merge', options: { notMergeableRetries: 1, retryEvery: '1s' } },
      ...(withCanary ? [{ kind: 'bake', options: { duration: '2s', confirm: false, pollEvery: '1s' } }] : []),
    ],
    waves: [1, '100%'],
    policy: { auto: 90, review: 60, failureBudget: '50%', approvalTimeout: '1h' },
    ...(withCanary
      ? {
          canary:
            typeof canary === 'object'
              ? canary
              : {
                  provider: 'simulated',
                  lookback: '10m',
                  step: '1s',
                  metrics: [
                    { name: 'error-rate', direction: 'increase', critical: true, effectSize: 0.05, mustHaveData: true },
                    { name: 'latency-p99', direction: 'increase', effectSize: 0.2 },
                  ],
                },
        }
      : {}),
    ...rest,
  };
}

/** The repositories of a generated fleet that use lodash (the ones the lodash bump changes), as full names. */
export function lodashUsers(fleet: FleetRepo[]): string[] {
  return fleet.filter((repo) => repo.lodash !== null).map(fullName);
}

function fullName(repo: FleetRepo): string {
  return `${repo.org}/${repo.name}`;
}

function choose(choice: RepoChoice | undefined, fleet: FleetRepo[]): Set<string> {
  if (!choice) return new Set();
  const picked = typeof choice === 'function' ? choice(fleet) : choice;
  const names = picked.map((p) => (typeof p === 'string' ? p : fullName(p)));
  const known = new Set(fleet.map(fullName));
  for (const name of names) if (!known.has(name)) throw new Error(`${name} is not in the generated fleet: pick one of ${[...known].join(', ')}.`);
  return new Set(names);
}

/**
 * The fleet the harness seeds: `generateFleet` with every CI sound (no flaky runs, no broken
 * default branch, no review required) unless the options ask for trouble. Call it before the
 * situation starts to pick repositories by what they hold.
 *
 * @example situationFleet({ repos: 6 }).filter((r) => r.lodash).map((r) => r.name)
 */
export function situationFleet(options: Pick<SituationOptions, 'repos' | 'seed' | 'ciMs'> = {}): FleetRepo[] {
  return generateFleet({ seed: options.seed ?? 7, repos: options.repos ?? 6, regressionShare: 0, ciBreakShare: 0 }).map((repo) => ({
    ...withoutRequiredReviews(repo),
    ci: { checks: repo.ci.checks, outcome: 'pass', durationMs: options.ciMs ?? 300 },
  }));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function matches(text: string, pattern: RegExp | string): string | undefined {
  if (typeof pattern === 'string') return text.includes(pattern) ? pattern : undefined;
  return pattern.exec(text)?.[0];
}

/**
 * Start the sandbox and a browser on its page, acting as the owner in #fleet-payments.
 *
 * @example
 * const s = await startSituation({ repos: 6, conflict: (fleet) => [lodashUsers(fleet)[1]] });
 */
export async function startSituation(options: SituationOptions = {}): Promise<Situation> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-situation-'));
  const catalogDir = join(dir, 'campaigns');
  mkdirSync(catalogDir);
  const signingSecret = 'situation-signing-secret';
  const webhookSecret = 'situation-webhook-secret';

  const base = situationFleet(options);
  const failBuild = choose(options.failBuild, base);
  const regress = choose(options.regress, base);
  const conflict = choose(options.conflict, base);
  const failOnDefault = choose(options.failOnDefault, base);
  const repos: FleetRepo[] = base.map((repo) => {
    const name = fullName(repo);
    const seeded = repo.files;
    // `failWhen` sees text files only: a seeded binary file counts as changed only if it turned into text.
    const differs = (files: Record<string, string>) => Object.keys({ ...seeded, ...files }).some((path) => (typeof seeded[path] === 'string' || seeded[path] === undefined ? files[path] !== seeded[path] : path in files));
    return {
      ...repo,
      breaksCi: failBuild.has(name),
      regresses: regress.has(name),
      ci: {
        ...repo.ci,
        ...(failOnDefault.has(name) ? { outcome: 'fail-on-default' as const } : {}),
        ...(failBuild.has(name) ? { failWhen: differs } : {}),
        ...(conflict.has(name) ? { durationMs: Math.max(repo.ci.durationMs, 2_000) } : {}),
      },
    };
  });

  // The sandbox's CD, as in the demo: production deployed from the start and on every merge, deployments reported in about a second.
  const github = await startFakeGitHub({ port: 0, secondaryPerMinute: 3_000, cd: { delays: { inProgressMs: 500, successMs: 1_500 } } });
  seedFleet(github, repos);
  // The in-process clock `fastForward` moves. The fake Slack keeps it too: Fleet refuses a Slack
  // request whose signed timestamp is more than 5 minutes from its own clock.
  let offsetMs = 0;
  const slack = await startFakeSlack({ port: 0, signingSecret, now: () => Date.now() + offsetMs });
  const config = loadConfig({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.apiUrl,
    GITHUB_TOKEN: 'situation-github-token',
    GITHUB_API_URL: github.url,
    GITHUB_WEBHOOK_SECRET: webhookSecret,
    FLEET_DB: join(dir, 'fleet.db'),
    FLEET_CAMPAIGNS: catalogDir,
    FLEET_ADMINS: USERS.admin,
    FLEET_LAUNCHERS: USERS.owner,
    FLEET_ORGS: ORG,
    PORT: '0',
    GITHUB_CONTENT_PER_MINUTE: '3000',
    GITHUB_CONTENT_PER_HOUR: '180000',
  });
  const logLines: string[] = [];
  let advanceRuns = 0;
  const fleet = await startFleet(config, {
    logger: createLogger({ level: 'warn', write: (line) => logLines.push(line), secrets: [slack.botToken, signingSecret, webhookSecret] }),
    host: '127.0.0.1',
    now: () => Date.now() + offsetMs,
    metrics: { simulated: { seed: options.seed ?? 7, regressing: [...regress], kind: 'latency' } },
    intervals: { advance: 300, notify: 100, digest: 3_600_000 },
    retryAfterBaseMs: 1,
    githubSpacing: { writeMs: 5, notificationMs: 10 },
    githubRetryBaseMs: 10,
    onJobEvent: (event) => {
      if (event.kind === 'finished' && event.job === 'advance') advanceRuns += 1;
    },
  });
  const appUrl = `http://127.0.0.1:${fleet.port}`;
  slack.setAppUrl(`${appUrl}/slack/events`);
  github.setWebhook({ url: `${appUrl}/github/webhooks`, secret: webhookSecret });

  async function pushToDefaultBranch(repo: string, files: Record<string, string>, message = 'A commit on main'): Promise<string> {
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${github.url}/repos/${repo}${path}`, {
        method,
        headers: { authorization: 'Bearer situation-github-token', 'content-type': 'application/json', accept: 'application/vnd.github+json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (!response.ok) throw new Error(`The fake GitHub answered ${response.status} to ${method} ${path}: ${await response.text()}`);
      return (await response.json()) as Record<string, unknown>;
    };
    const ref = await api('GET', '/git/ref/heads/main');
    const head = (ref.object as { sha: string }).sha;
    const commit = await api('GET', `/git/commits/${head}`);
    const tree = await api('POST', '/git/trees', {
      base_tree: (commit.tree as { sha: string }).sha,
      tree: Object.entries(files).map(([path, content]) => ({ path, mode: '100644', type: 'blob', content })),
    });
    const created = await api('POST', '/git/commits', { message, tree: tree.sha, parents: [head] });
    await api('PATCH', '/git/refs/heads/main', { sha: created.sha });
    return created.sha as string;
  }

  // Conflicts: move the default branch under each chosen repository's PR as soon as it is open.
  const moved = new Set<string>();
  let watching = conflict.size > 0;
  const watcher = (async () => {
    while (watching) {
      for (const pull of github.state.listPulls()) {
        if (!conflict.has(pull.repo) || moved.has(pull.repo) || pull.state !== 'open') continue;
        moved.add(pull.repo);
        const [owner, name] = pull.repo.split('/');
        const manifest = JSON.parse(github.state.readFiles(owner, name)['package.json']) as Record<string, unknown>;
        const changed = { ...manifest, dependencies: { ...(manifest.dependencies as Record<string, string>), lodash: '4.17.20' }, devDependencies: { ...(manifest.devDependencies as Record<string, string>), lodash: '4.17.20' } };
        await pushToDefaultBranch(pull.repo, { 'package.json': `${JSON.stringify(changed, null, 2)}\n` }, 'Pin lodash by hand');
      }
      await sleep(50);
    }
  })();

  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 900 } });
  await page.addInitScript((user) => localStorage.setItem('fleet-sandbox-user', user), USERS.owner);
  await page.goto(`${slack.url}/`);
  await page.locator('[data-testid=act-as] option').first().waitFor({ state: 'attached' });
  await page.locator(`nav button[data-channel="${CHANNEL}"]`).click();

  let actingAs: string = USERS.owner;
  async function actAs(user: string): Promise<void> {
    if (user === actingAs) return;
    // The page asks again for everything as that person on its next poll.
    const reloaded = page.waitForResponse((r) => r.url().includes(`/_page/state?user=${encodeURIComponent(user)}&since=-1`), { timeout: 5_000 });
    await page.selectOption('[data-testid=act-as]', user);
    actingAs = user;
    await reloaded;
    await sleep(100);
  }

  function writeSpec(spec: string | Record<string, unknown>): string {
    const text = typeof spec === 'string' ? spec : stringify(spec);
    const name = /^name:\s*['"]?([a-z0-9-]+)/m.exec(text)?.[1];
    if (!name) throw new Error('The spec has no top-level "name:"; give it one.');
    writeFileSync(join(catalogDir, `${name}.yml`), text);
    return name;
  }

  async function command(text: string, asUser: string = USERS.owner): Promise<void> {
    await actAs(asUser);
    const typed = text.startsWith('/') ? text : `/fleet ${text}`;
    const answered = page.waitForResponse((r) => r.url().endsWith('/_page/command'), { timeout: 30_000 });
    await page.fill('[data-testid=composer]', typed);
    await page.press('[data-testid=composer]', 'Enter');
    const response = await answered;
    const body = (await response.json()) as { ok: boolean; error?: string };
    if (!body.ok) throw new Error(`The page could not send ${typed}: ${body.error ?? response.status()}`);
  }

  async function waitForCampaign(id: string, states: string[], timeoutMs = 30_000): Promise<CampaignRecord> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const campaign = fleet.store.campaigns.get(id);
      if (campaign && states.includes(campaign.state)) return campaign;
      if (Date.now() > until) throw new Error(`Campaign ${id} is ${campaign?.state ?? 'missing'}${campaign?.stateReason ? ` (${campaign.stateReason})` : ''}, not ${states.join(' or ')}, after ${timeoutMs} ms.`);
      await sleep(100);
    }
  }

  async function startCampaign(spec: string | Record<string, unknown>, asUser: string = USERS.owner): Promise<CampaignRecord> {
    const name = writeSpec(spec);
    const before = new Set(fleet.service.list().map((c) => c.id));
    await command(`start ${name}`, asUser);
    const until = Date.now() + 30_000;
    for (;;) {
      const campaign = fleet.service.list().find((c) => c.name === name && !before.has(c.id));
      const stored = campaign ? fleet.store.campaigns.get(campaign.id) : undefined;
      if (stored?.rootTs) return stored;
      if (Date.now() > until) throw new Error(`/fleet start ${name} did not post a campaign within 30 s; the page shows:\n${await page.locator('body').innerText()}`);
      await sleep(100);
    }
  }

  async function pageText(): Promise<string> {
    return page.locator('body').innerText();
  }

  async function waitForText(pattern: RegExp | string, waitOptions: { timeoutMs?: number } = {}): Promise<string> {
    const until = Date.now() + (waitOptions.timeoutMs ?? 30_000);
    for (;;) {
      const text = await pageText();
      const found = matches(text, pattern);
      if (found !== undefined) return found;
      if (Date.now() > until) throw new Error(`The page did not show ${String(pattern)} within ${waitOptions.timeoutMs ?? 30_000} ms; it shows:\n${text.slice(-4000)}`);
      await sleep(200);
    }
  }

  async function openThread(rootTs: string): Promise<Locator> {
    await page.locator(`[data-testid=messages] button.replies[data-thread="${rootTs}"]`).click({ timeout: 30_000 });
    const pane = page.locator('[data-testid=thread]');
    await pane.locator(`.message[data-ts="${rootTs}"]`).waitFor({ timeout: 10_000 });
    return pane;
  }

  async function threadText(rootTs: string): Promise<string> {
    const pane = await openThread(rootTs);
    // Let the next poll render what arrived since the click.
    await sleep(700);
    return pane.innerText();
  }

  /** The root of the thread holding a message that shows this text, from the fake Slack's memory. */
  function rootShowing(messageText: string | RegExp): string | undefined {
    for (const root of slack.messages(CHANNEL)) {
      if (!root.reply_count) continue;
      const hit = slack.thread(CHANNEL, root.ts).some((m) => m.ts !== root.ts && matches(JSON.stringify([m.text, m.blocks ?? []]), messageText) !== undefined);
      if (hit) return root.ts;
    }
    return undefined;
  }

  async function clickButton(messageText: string | RegExp, buttonLabel: string | RegExp, asUser: string = USERS.owner): Promise<void> {
    await actAs(asUser);
    const until = Date.now() + 30_000;
    let button: Locator | undefined;
    while (!button) {
      for (const pane of ['[data-testid=thread]', '[data-testid=messages]', '[data-testid=modal]']) {
        const candidate = page.locator(`${pane} .message, ${pane} .block`).filter({ hasText: messageText }).locator('button.btn', { hasText: buttonLabel });
        if ((await candidate.count()) > 0 && (await candidate.first().isVisible())) {
          button = candidate.first();
          break;
        }
      }
      if (button) break;
      const root = rootShowing(messageText);
      if (root && (await page.locator('[data-testid=thread]').isHidden())) await openThread(root).catch(() => undefined);
      if (Date.now() > until) throw new Error(`No "${String(buttonLabel)}" button on a message showing ${String(messageText)} within 30 s; the page shows:\n${(await pageText()).slice(-4000)}`);
      await sleep(200);
    }
    const answered = page.waitForResponse((r) => r.url().endsWith('/_page/action'), { timeout: 30_000 });
    await button.click();
    const confirm = page.locator('[data-testid=confirm]');
    if (await confirm.isVisible().catch(() => false)) await page.click('#confirm-yes');
    const response = await answered;
    const body = (await response.json()) as { ok: boolean; error?: string };
    if (!body.ok) throw new Error(`The click on "${String(buttonLabel)}" failed: ${body.error ?? response.status()}`);
  }

  async function tick(): Promise<void> {
    const runs = advanceRuns;
    fleet.scheduler.wake();
    const until = Date.now() + 15_000;
    // Woken while it runs, the job runs once more right after: wait for a run that started after the wake.
    while (advanceRuns < runs + 2 && Date.now() < until) await sleep(50);
    while (fleet.store.outbox.pendingCount() > 0 && Date.now() < until) await sleep(100);
    // The page polls every 600 ms.
    await sleep(700);
  }

  return {
    page,
    browser,
    fleet,
    slack,
    github,
    repos,
    catalogDir,
    startCampaign,
    writeSpec,
    command,
    clickButton,
    waitForText,
    threadText,
    actAs,
    waitForCampaign,
    tick,
    pushToDefaultBranch,
    fastForward(ms) {
      offsetMs += ms;
    },
    async close() {
      watching = false;
      // The invariant every situation keeps: no PR was merged before its checks had completed.
      const unchecked = uncheckedMerges(github.state.merges());
      await watcher.catch(() => undefined);
      await browser.close().catch(() => undefined);
      await fleet.stop();
      await slack.close();
      await github.close();
      rmSync(dir, { recursive: true, force: true });
      if (unchecked.length > 0) throw new Error(`Merged with checks still running: ${unchecked.join('; ')}`);
    },
  };
}
