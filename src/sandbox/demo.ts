import { mkdirSync, mkdtempSync, createWriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../runtime/config.js';
import { describeError } from '../errors.js';
import { createLogger } from '../runtime/logger.js';
import { startFleet, type RunningFleet } from '../runtime/start-fleet.js';
import type { CampaignRecord, EventRecord } from '../store/store.js';
import { ACTION } from '../slack/blocks/action-ids.js';
import { fleetRules, generateFleet, withoutRequiredReviews, type FleetRules } from './fleet/generate-fleet.js';
import { seedFleet } from './fleet/seed-fleet.js';
import { createFileDiff } from '../changes/unified-diff.js';
import { createSandbox } from '../workspace/run-sandboxed.js';
import { startFakeGitHub, type FakeGitHub } from './github/server.js';
import { startLocalRegistries } from './registries/start-registries.js';
import { startFakeSlack, type FakeSlack } from './slack/server.js';
import { renderMessage, renderThread } from './transcript.js';

/**
 * `npm run demo`: the whole product on the embedded default. A fake GitHub with a generated
 * fleet, a fake Slack with its browser page, the real Bolt app and the real Bree jobs, a SQLite
 * file of its own; then a scripted campaign, narrated in the terminal.
 */

const CHANNEL = 'C0FLEET001';
const OWNER = 'U0OWNER01';
const APPROVER = 'U0APPROV1';
const OUTSIDER = 'U0OUTSID1';
const SPEC = 'sandbox-bump-lodash';
/** The one repository where the sandbox's canary metrics regress (ground truth the judge must find). */
const REGRESSING_REPO = 'acme/payments-gateway';
/** The canary whose deployment breaks in the sandbox's CD (ground truth): the thread reports its failure. */
const DEPLOY_BREAKING_REPO = 'acme/search-web';
const DEPLOY_BREAKS = 'the canary pod crash-looped: CrashLoopBackOff (exit code 1 on start)';
const SANDBOX_CONTENT_PER_MINUTE = 3_000;

interface DemoOptions {
  headless: boolean;
  pagePort: number;
  repos: number;
  seed: number;
  timeoutSeconds: number;
  dataDir: string;
  /** Seconds each scripted situation stays on screen before the demo clicks (0 with --headless unless given). */
  paceSeconds: number;
}

/** How long the approval request, the outsider's refusal and the repository that needs a person stay on the page before the script clicks. */
const DEFAULT_PACE_SECONDS = 4;

function readOptions(argv: string[]): DemoOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      headless: { type: 'boolean', default: false },
      port: { type: 'string', default: '3100' },
      repos: { type: 'string', default: '48' },
      seed: { type: 'string', default: '7' },
      'timeout-seconds': { type: 'string', default: '600' },
      'data-dir': { type: 'string' },
      'pace-seconds': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'npm run demo -- [--headless] [--port 3100] [--repos 48] [--seed 7] [--timeout-seconds 600] [--data-dir DIR] [--pace-seconds 4]',
        '  (without --headless the campaign starts once the Slack page is open in a browser)',
        '  --headless         start at once, print the channel and thread as text and exit: 0 when the campaign completes',
        '  --port             where the fake Slack page is served (0 picks a free port)',
        '  --repos            how many repositories the generated fleet has (at least 40)',
        '  --timeout-seconds  how long the headless run may take before it gives up (exit 1)',
        '  --data-dir         where the SQLite file and the log go (default .fleet/demo-<time>)',
        `  --pace-seconds     how long each scripted situation stays on the page before the demo clicks (default ${DEFAULT_PACE_SECONDS}, 0 with --headless)`,
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const number = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) {
      process.stderr.write(`--${name} must be a whole number of at least ${min} (got "${text}").\n`);
      process.exit(2);
    }
    return n;
  };
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const defaultDir = join(root, '.fleet');
  mkdirSync(defaultDir, { recursive: true });
  return {
    headless: values.headless,
    pagePort: number('port', values.port, 0),
    repos: number('repos', values.repos, 40),
    seed: number('seed', values.seed, 0),
    timeoutSeconds: number('timeout-seconds', values['timeout-seconds'], 10),
    dataDir: values['data-dir'] ? resolve(values['data-dir']) : mkdtempSync(join(defaultDir, 'demo-')),
    paceSeconds: values['pace-seconds'] !== undefined ? number('pace-seconds', values['pace-seconds'], 0) : values.headless ? 0 : DEFAULT_PACE_SECONDS,
  };
}

/** Set by Ctrl-C (or SIGTERM): the script stops where it is and the sandbox shuts down cleanly. */
let stopRequested = false;
const stopWaiters: (() => void)[] = [];
function requestStop(): void {
  stopRequested = true;
  for (const wake of stopWaiters.splice(0)) wake();
}
function untilStopped(): Promise<void> {
  return stopRequested ? Promise.resolve() : new Promise((resolveStop) => stopWaiters.push(resolveStop));
}

/** Let a person read what is on the page before the script clicks; Ctrl-C cuts it short. */
async function pace(options: DemoOptions): Promise<void> {
  if (options.paceSeconds > 0) await Promise.race([sleep(options.paceSeconds * 1000), untilStopped()]);
}

function clock(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}

function describeEvent(e: EventRecord, repoOf: (id: number | null) => string): string {
  const repo = e.targetId ? ` ${repoOf(e.targetId)}` : '';
  const d = e.data;
  const extra = [d.reason, d.state, d.decision, e.kind.startsWith('deploy.') ? d.environmentUrl : undefined, e.kind === 'deploy.failed' ? d.description : undefined, d.wave !== undefined ? `wave ${Number(d.wave) + 1}` : undefined, typeof d.score === 'number' ? `score ${Number(d.score.toFixed(1))}` : undefined]
    .filter((x) => x !== undefined && x !== null && x !== '')
    .map(String)
    .join(', ');
  return `${clock(e.at)}  ${e.kind.padEnd(26)}${repo}${extra ? `  (${extra})` : ''}  by ${e.actor}`;
}

interface ButtonRef {
  ts: string;
  actionId: string;
}

/** Buttons with the given action id in the campaign's thread that have not been pressed by the demo yet. */
function findButtons(slack: FakeSlack, rootTs: string, actionId: string): ButtonRef[] {
  const found: ButtonRef[] = [];
  for (const message of slack.thread(CHANNEL, rootTs)) {
    for (const block of (message.blocks ?? []) as Record<string, unknown>[]) {
      const elements = block.type === 'actions' ? ((block.elements as Record<string, unknown>[] | undefined) ?? []) : block.accessory ? [block.accessory as Record<string, unknown>] : [];
      if (elements.some((e) => e.action_id === actionId)) found.push({ ts: message.ts, actionId });
    }
  }
  return found;
}

async function runScript(fleet: RunningFleet, slack: FakeSlack, options: DemoOptions, say: (line: string) => void): Promise<CampaignRecord | undefined> {
  const { store } = fleet;
  const repoCache = new Map<number, string>();
  const repoOf = (id: number | null) => {
    if (id === null) return '';
    if (!repoCache.has(id)) repoCache.set(id, store.targets.get(id)?.repo ?? `#${id}`);
    return repoCache.get(id)!;
  };

  say(`\n> /fleet preview ${SPEC}   (as the owner, ${OWNER})`);
  const preview = await slack.sendCommand({ user: OWNER, channel: CHANNEL, text: `preview ${SPEC}` });
  if (preview.status !== 200) throw new Error(`The app refused the preview command (HTTP ${preview.status}).`);
  await waitFor(() => slack.ephemeral(OWNER).length > 0, 120_000);
  for (const line of renderMessage(slack.ephemeral(OWNER).at(-1)!).slice(0, 30)) say(`  ${line}`);

  say(`\n> /fleet start ${SPEC}`);
  await slack.sendCommand({ user: OWNER, channel: CHANNEL, text: `start ${SPEC}` });
  const campaign = await waitFor(() => fleet.service.list().find((c) => c.name === SPEC), 60_000);
  say(`Campaign ${campaign.id} started: ${Object.values(campaign.counts).reduce((a, b) => a + b, 0)} repositories in ${campaign.waveCount} waves.\n`);

  const pressed = new Set<string>();
  let lastEvent = 0;
  let refusalShown = false;
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  for (;;) {
    for (const e of store.events.list({ campaignId: campaign.id, afterId: lastEvent })) {
      lastEvent = e.id;
      // Webhook deliveries are recorded as events too; the story is what the engine made of them.
      if (e.actor === 'github') continue;
      say(describeEvent(e, repoOf));
    }
    const current = store.campaigns.get(campaign.id)!;
    if (current.state === 'completed' || current.state === 'aborted' || current.state === 'halted') return current;
    if (stopRequested) {
      say(`\nStopped while the campaign was ${current.state}; its state is kept in ${options.dataDir}.`);
      return undefined;
    }
    if (options.headless && Date.now() > deadline) {
      say(`\nThe campaign did not finish within ${options.timeoutSeconds} s (state: ${current.state}).`);
      return current;
    }
    const rootTs = current.rootTs;
    if (rootTs) {
      for (const b of findButtons(slack, rootTs, ACTION.approve)) {
        if (pressed.has(b.ts)) continue;
        pressed.add(b.ts);
        if (options.paceSeconds > 0) say(`\n> The campaign's thread asks for an approval (open the thread on the page). The script clicks in ${options.paceSeconds} s.`);
        await pace(options);
        if (stopRequested) break;
        if (!refusalShown) {
          refusalShown = true;
          say(`\n> Someone who is not an approver (${OUTSIDER}) clicks Approve:`);
          await slack.clickButton({ user: OUTSIDER, actionId: ACTION.approve, channel: CHANNEL, messageTs: b.ts });
          await sleep(500);
          const refusal = slack.ephemeral(OUTSIDER).at(-1);
          if (refusal) for (const line of renderMessage(refusal)) say(`  ${line}`);
          // The refusal is shown to the outsider: act as them on the page to read it.
          await pace(options);
          if (stopRequested) break;
        }
        say(`\n> The approver (${APPROVER}) clicks Approve in the thread.`);
        await slack.clickButton({ user: APPROVER, actionId: ACTION.approve, channel: CHANNEL, messageTs: b.ts });
      }
      for (const b of findButtons(slack, rootTs, ACTION.skip)) {
        if (pressed.has(b.ts)) continue;
        pressed.add(b.ts);
        if (options.paceSeconds > 0) say(`\n> A repository needs a person: the thread says why. The owner clicks Skip in ${options.paceSeconds} s.`);
        await pace(options);
        if (stopRequested) break;
        say(`\n> The owner reads why a repository needs attention and clicks Skip.`);
        await slack.clickButton({ user: OWNER, actionId: ACTION.skip, channel: CHANNEL, messageTs: b.ts });
      }
    }
    await sleep(500);
  }
}

/**
 * What one merged pull request changed in a manifest and its lockfile, as a diff: the files as
 * seeded against the default branch now, cut to a screenful.
 */
function lockfileDiff(github: FakeGitHub, fleetRepos: ReturnType<typeof generateFleet>, pulls: ReturnType<FakeGitHub['state']['listPulls']>): string | undefined {
  const LOCKFILES = ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml'];
  for (const pull of pulls.filter((p) => p.merged)) {
    const seeded = fleetRepos.find((r) => `${r.org}/${r.name}` === pull.repo);
    const lockfile = LOCKFILES.find((path) => typeof seeded?.files[path] === 'string');
    if (!seeded || !lockfile) continue;
    const [owner, name] = pull.repo.split('/');
    const now = github.state.readFiles(owner, name);
    const diff = ['package.json', lockfile].map((path) => createFileDiff(path, seeded.files[path] as string, now[path] ?? null).text).join('');
    if (!diff.includes(`+++ b/${lockfile}`)) continue;
    const lines = diff.trimEnd().split('\n');
    const cut = lines.length > 60 ? [...lines.slice(0, 60), `… ${lines.length - 60} more lines`] : lines;
    return `\n${pull.repo} #${pull.number}: its manifest and lockfile, the lockfile regenerated by its own tool against the sandbox's registry:\n${cut.map((l) => `  ${l}`).join('\n')}`;
  }
  return undefined;
}

/**
 * How the campaign met the rules of the fleet's GitHub, told from its events and the fake's merge
 * log: a ruleset-protected repository waiting for the check its ruleset requires, the repository
 * whose ruleset requires a code owner's review waiting for it, and the merge through a merge queue.
 */
function rulesStory(store: RunningFleet['store'], campaignId: string, rules: FleetRules, merges: ReturnType<FakeGitHub['state']['merges']>): string[] {
  const targets = new Map(store.targets.list(campaignId).map((t) => [t.id, t.repo]));
  const events = store.events.list({ campaignId });
  const waits = events.filter((e) => e.kind === 'step.waiting' && typeof e.data.reason === 'string');
  const repoOf = (e: EventRecord): string => (e.targetId === null ? '' : (targets.get(e.targetId) ?? ''));
  const lines = ['\nGitHub\'s rules, as the campaign met them:'];
  const ruled = new Set(rules.rulesetProtected);
  const checkWait = waits.find((e) => ruled.has(repoOf(e)) && /^waiting for .*\(required by .*ruleset /.test(String(e.data.reason)));
  if (checkWait) lines.push(`  ${repoOf(checkWait)} (protected by a ruleset): ${String(checkWait.data.reason)}`);
  const reviewWait = rules.codeOwnerReview ? waits.find((e) => repoOf(e) === rules.codeOwnerReview && String(e.data.reason).startsWith('waiting for a review')) : undefined;
  const reviewed = merges.find((m) => m.repo === rules.codeOwnerReview);
  if (reviewWait) lines.push(`  ${repoOf(reviewWait)}: ${String(reviewWait.data.reason)}; ${reviewed ? `merged once the code owner approved (#${reviewed.number})` : 'not merged'}`);
  const queued = merges.find((m) => m.repo === rules.mergeQueue && m.via === 'queue');
  const queueWait = rules.mergeQueue ? waits.find((e) => repoOf(e) === rules.mergeQueue && /merge queue/.test(String(e.data.reason))) : undefined;
  if (queueWait) lines.push(`  ${rules.mergeQueue}: ${String(queueWait.data.reason)}; ${queued ? `merged by the queue at ${queued.headSha.slice(0, 7)}, its merge group's checks complete` : 'not merged by the queue'}`);
  return lines.length > 1 ? lines : [];
}

/**
 * The canaries Fleet deployed, from the targets' deployment facts and canary evidence: each canary
 * wave deployment with its environment link, the one that failed, and the regression the judge
 * caught on a deployed canary (against the version production ran).
 */
function deploymentsStory(store: RunningFleet['store'], campaignId: string): string[] {
  const lines = ['\nCanary deployments (GitHub Deployments, deployed by the sandbox\'s CD):'];
  const targets = store.targets.list(campaignId);
  for (const t of targets) {
    const d = t.deployment;
    if (!d || t.wave !== 0) continue;
    if (d.state === 'failure' || d.state === 'error') lines.push(`  ${t.repo}: the deployment of ${d.sha.slice(0, 7)} to ${d.environment} failed: ${d.description ?? d.state}${d.logUrl ? ` (log: ${d.logUrl})` : ''}`);
    else lines.push(`  ${t.repo}: deployed ${d.sha.slice(0, 7)} to ${d.environment}: ${d.environmentUrl ?? 'no environment URL'}${d.state === 'inactive' ? ' (marked inactive after its canary)' : ''}`);
  }
  const deployed = targets.filter((t) => t.deployment !== null).length;
  lines.push(`  ${deployed} of ${targets.length} targets were deployed to a canary environment by Fleet.`);
  for (const t of targets) {
    const evidence = (t.signals.canary as { evidence?: { verdict?: string; deployedByFleet?: boolean; tracks?: { canary?: { sha?: string | null; environment?: string | null; deployment?: string | null }; baseline?: { sha?: string | null; environment?: string | null } } } } | undefined)?.evidence;
    if (evidence?.verdict !== 'fail' || evidence.deployedByFleet !== true) continue;
    const c = evidence.tracks?.canary;
    const b = evidence.tracks?.baseline;
    lines.push(`  Regression caught on a deployed canary: ${t.repo} ${c?.sha?.slice(0, 7) ?? '?'} in ${c?.environment ?? '?'} (deployment ${c?.deployment ?? '?'}) against ${b?.environment ?? 'production'} ${b?.sha?.slice(0, 7) ?? 'without a version'}: ${t.stateReason}`);
  }
  return lines;
}

async function waitFor<T>(probe: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error('The demo waited too long for the app to answer.');
    await sleep(200);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function main(): Promise<number> {
  const options = readOptions(process.argv.slice(2));
  process.once('SIGINT', requestStop);
  process.once('SIGTERM', requestStop);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const signingSecret = 'sandbox-signing-secret';
  const webhookSecret = 'sandbox-webhook-secret';

  // GitHub allows 80 content-creating requests a minute; the sandbox's GitHub allows more, and Fleet
  // is told so, so that the demo's 48 pull requests open in a minute instead of ten.
  // Fleet signs in as a GitHub App installed on two organisations, as organisations run it: it
  // finds the installations itself and uses each one's token for that organisation's repositories.
  // The sandbox's CD deploys what Fleet asks GitHub to deploy (and every merge to production),
  // in seconds rather than minutes; one repository's canary deployment crash-loops.
  const github: FakeGitHub = await startFakeGitHub({
    port: 0,
    secondaryPerMinute: SANDBOX_CONTENT_PER_MINUTE,
    app: { slug: 'fleet-sandbox', installations: [{ account: 'acme' }, { account: 'globex' }] },
    cd: { delays: { inProgressMs: 1_000, successMs: 3_000 }, breaks: (repo) => (repo === DEPLOY_BREAKING_REPO ? DEPLOY_BREAKS : undefined) },
  });
  const app = github.app;
  if (!app) throw new Error('The sandbox GitHub serves no App.');
  // CI in the generated fleet takes minutes, as real CI does; the demo's CI takes seconds. Classic
  // protection asks for checks but no approving review; the one repository whose ruleset requires
  // a code owner's review has its team's lead approve some seconds after the PR's checks are green.
  // Fleet runs each repository's package manager under bubblewrap, in the demo as in production.
  const sandbox = await createSandbox().check();
  if (sandbox.kind === 'unavailable') {
    say(`The demo runs each repository's package manager in Fleet's sandbox, and it cannot start here: ${sandbox.reason} Install bubblewrap (apt-get install bubblewrap) and run the demo again.`);
    return 1;
  }
  // The package registries the lockfile tools reach from the sandbox: on this machine, never the internet.
  const registries = await startLocalRegistries();
  // A polyglot fleet: the Node services (npm, yarn and pnpm lockfiles, a workspaces monorepo) are
  // those of a `--repos` fleet of Node alone, beside as many Java, Python and Go services.
  const fleetRepos = generateFleet({ seed: options.seed, repos: 2 * (options.repos + 1), mix: 'polyglot', yarnRegistry: registries.npm.url, regressionShare: 0, ciBreakShare: 0 }).map((repo) => ({
    // The code owner of the one repository whose ruleset requires their review approves in the sandbox.
    ...withoutRequiredReviews(repo, { keepCodeOwnerReview: true }),
    ci: { ...repo.ci, durationMs: 1_500 },
  }));
  // The code owner looks at the PR 45 s after its checks are green, later than Fleet notices them
  // and runs its 10 s canary even on a busy machine: the merge step is seen waiting for them.
  seedFleet(github, fleetRepos, { reviewAfterMs: 45_000, reviewAfterChecks: true });
  const slack = await startFakeSlack({ port: options.pagePort, signingSecret });
  const channelNames = Object.fromEntries(slack.workspace.channels.map((c) => [c.id, c.name]));

  const logFile = join(options.dataDir, 'fleet.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const config = loadConfig({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.apiUrl,
    GITHUB_APP_ID: String(app.id),
    GITHUB_APP_PRIVATE_KEY: app.privateKey,
    GITHUB_API_URL: github.url,
    GITHUB_WEBHOOK_SECRET: webhookSecret,
    FLEET_DB: join(options.dataDir, 'fleet.db'),
    FLEET_CAMPAIGNS: resolve(dirname(fileURLToPath(import.meta.url)), '../../../campaigns/examples'),
    FLEET_ADMINS: 'U0ADMIN01',
    // The owner starts the demo's campaign; the approver, who did not launch it, approves (four eyes).
    FLEET_LAUNCHERS: OWNER,
    FLEET_ORGS: 'acme',
    PORT: '0',
    GITHUB_CONTENT_PER_MINUTE: String(SANDBOX_CONTENT_PER_MINUTE),
    GITHUB_CONTENT_PER_HOUR: String(SANDBOX_CONTENT_PER_MINUTE * 60),
    ...registries.variables,
  });
  const fleet = await startFleet(config, {
    logger: createLogger({ level: 'info', write: (line) => log.write(`${line}\n`), secrets: [slack.botToken, signingSecret, webhookSecret, app.privateKey] }),
    host: '127.0.0.1',
    // Series only where a version ran, as the fake GitHub's deployments say (a track that names no environment: as before).
    metrics: { simulated: { seed: options.seed, regressing: [REGRESSING_REPO], kind: 'latency', followDeployments: true } },
    intervals: { advance: 1_000, notify: 300, digest: 60_000 },
    retryAfterBaseMs: 1,
    githubSpacing: { writeMs: 20, notificationMs: 50 },
  });
  const appUrl = `http://127.0.0.1:${fleet.port}`;
  slack.setAppUrl(`${appUrl}/slack/events`);
  github.setWebhook({ url: `${appUrl}/github/webhooks`, secret: webhookSecret });

  say('Fleet sandbox');
  say(`  Slack page:    ${slack.url}/   (act as the owner, an approver, an admin or an outsider)`);
  say(`  Fleet app:     ${appUrl}  (Bolt at /slack/events, GitHub webhooks at /github/webhooks)`);
  say(`  fake GitHub:   ${github.url}  (${fleetRepos.length} repositories across ${new Set(fleetRepos.map((r) => r.team)).size} teams)`);
  say(`  registries:    npm ${registries.npm.url}, Go ${registries.go.url}, Python ${registries.variables.FLEET_PIP_INDEX_URL}  (the lockfile tools reach only these)`);
  say(`  data and log:  ${options.dataDir}`);

  if (!options.headless) {
    say(`\nOpen ${slack.url}/ in a browser to start the campaign.`);
    await Promise.race([slack.pageOpened(), untilStopped()]);
    if (!stopRequested) say('The page is open: the scripted campaign starts now.');
  }

  let exitCode = 1;
  let failed = false;
  let scriptStarted = false;
  try {
    // Ctrl-C before anyone opened the page: there is no campaign to run, and nothing was cut short.
    scriptStarted = !stopRequested;
    const final = scriptStarted ? await runScript(fleet, slack, options, say) : undefined;
    if (final) {
      say(`\nCampaign ${final.id} is ${final.state}${final.stateReason ? `: ${final.stateReason}` : ''}.`);
      if (final.state === 'completed') {
        say(`\n> /fleet digest   (what the daily digest will say in this channel)`);
        const seen = slack.ephemeral(OWNER).length;
        await slack.sendCommand({ user: OWNER, channel: CHANNEL, text: 'digest' });
        const digest = await waitFor(() => slack.ephemeral(OWNER).length > seen && slack.ephemeral(OWNER).at(-1), 30_000);
        for (const line of renderMessage(digest, channelNames)) say(`  ${line}`);
        exitCode = 0;
      }
      // Let the notify job deliver what the last transitions queued before reading the channel.
      await waitFor(() => fleet.store.outbox.pendingCount() === 0, 30_000).catch(() => undefined);
      const pulls = github.state.listPulls();
      const repos = new Set(pulls.map((p) => p.repo)).size;
      say(`GitHub: ${pulls.length} pull requests in ${repos} repositories, ${pulls.filter((p) => p.merged).length} merged; ${github.requestLog.length} API requests.`);
      // Every merge, whichever way it happened, with whether the merged head's checks had all completed.
      const merges = github.state.merges();
      const unchecked = merges.filter((m) => !m.checksComplete);
      say(`Merges with every check complete: ${merges.length - unchecked.length} of ${merges.length}${unchecked.length > 0 ? ` (not: ${unchecked.map((m) => `${m.repo}#${m.number} while ${m.incompleteChecks.join(', ')} ran`).join('; ')})` : ''}.`);
      if (final) for (const line of rulesStory(fleet.store, final.id, fleetRules(fleetRepos), merges)) say(line);
      if (final) for (const line of deploymentsStory(fleet.store, final.id)) say(line);
      const stats = slack.stats();
      say(`Slack: ${stats.posts} posts, ${stats.updates} updates.`);
      const shown = lockfileDiff(github, fleetRepos, pulls);
      if (shown) say(shown);
      if (options.headless) {
        say(`\n#${channelNames[CHANNEL] ?? CHANNEL}, as a person sees it:\n`);
        for (const message of slack.messages(CHANNEL)) {
          say(renderThread(message.reply_count ? slack.thread(CHANNEL, message.ts) : [message], channelNames));
          say('');
        }
      }
    }
  } catch (error) {
    say(`\nThe demo stopped: ${describeError(error)} (the log is in ${logFile})`);
    exitCode = 1;
    failed = true;
  }
  const interrupted = stopRequested && scriptStarted;

  if (options.headless) {
    await fleet.stop();
    await slack.close();
    await github.close();
    await registries.close();
    log.end();
    return exitCode;
  }
  if (!stopRequested) {
    say(`\nThe sandbox keeps running: open ${slack.url}/ and type /fleet help. Ctrl-C stops it.`);
    await untilStopped();
  }
  await fleet.stop();
  await slack.close();
  await github.close();
  await registries.close();
  log.end();
  // Exploring the page, then Ctrl-C, is a normal end; Ctrl-C during the script is an interruption
  // (130, as shells report it); a script that broke is 1.
  return failed ? 1 : interrupted ? 130 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${describeError(error)}\n`);
    process.exit(1);
  },
);
