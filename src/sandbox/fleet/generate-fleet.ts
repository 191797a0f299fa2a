import type { WorldRates } from './world-rates.js';
import { FleetError } from '../../errors.js';
import type { RepoSettings, RulesetInput, RulesetRule } from '../github/rulesets.js';
import type { BranchProtection, CiProfile } from '../github/state.js';
import { nodeLockfile, nodeWorkflow, polyglotRepos, type FleetEcosystem, type FleetLanguage } from './polyglot.js';
import { createRandom } from './random.js';
import { realisticFiles } from './repo-content.js';

export { POLYGLOT_LIBRARIES, type FleetEcosystem, type FleetLanguage } from './polyglot.js';

/**
 * A generated fleet of repositories with known ground truth: which ones the demo change (a
 * lodash bump to 4.17.21) breaks in CI, and which ones it makes regress in a canary. Pure and
 * seeded: the same options always give the same fleet.
 */

export interface FleetRepo {
  org: string;
  name: string;
  team: string;
  /** The owning team's Slack user id, e.g. U0PAYMEN1. */
  ownerSlackId: string;
  /** Path → text, or bytes for a binary file (images, an archive; shared between repositories). */
  files: Record<string, string | Uint8Array>;
  topics: string[];
  language: FleetLanguage;
  /** Which tool installs it: npm, yarn or pnpm for Node services (their lockfile's), else the ecosystem. */
  ecosystem: FleetEcosystem;
  /** 0 (a toy) to 5 (takes payments). */
  criticality: number;
  /** Classic branch protection; null for a repository protected by a ruleset instead, or not at all. */
  protection: BranchProtection | null;
  /** Repository rulesets (GitHub's recommended protection), with the same required checks. */
  rulesets?: RulesetInput[];
  /** Merge settings (allowed methods, auto-merge, …); GitHub's defaults when absent. */
  settings?: Partial<RepoSettings>;
  /** A fork (GitHub lists forks with the organisation's own repositories). */
  fork?: boolean;
  /** True for the one repository whose ruleset sends merges through a merge queue. */
  mergeQueue?: boolean;
  /** True for the one repository whose ruleset requires a code owner's approving review. */
  codeOwnerReview?: boolean;
  ci: CiProfile;
  /** Where lodash sits in package.json (`path` when it is not the root one), or null when the repository does not use it. */
  lodash: { block: 'dependencies' | 'devDependencies'; version: string; path?: string } | null;
  /** Polyglot fleets: the library the repository's ecosystem's demo campaign moves, at the version it has (POLYGLOT_LIBRARIES). */
  library?: { package: string; version: string };
  /** Ground truth: the change causes a canary regression here. */
  regresses: boolean;
  /** Ground truth: the change breaks CI here. */
  breaksCi: boolean;
  /**
   * Ground truth, fleets generated with `rates`: any change's PR fails CI here for a reason of the
   * repository's own (`ci.failOnChange`: its test check fails on every tree but the seeded one,
   * re-runs included), whatever the campaign; absent elsewhere.
   */
  ownFailure?: boolean;
  /**
   * Ground truth for the sandbox's CD: a deploy of the change here fails with this description
   * (the version running when the sandbox began still deploys); absent where deploys succeed.
   */
  deployBreaks?: string;
}

export interface GenerateFleetOptions {
  seed: number;
  repos: number;
  org?: string;
  teams?: string[];
  /** Share of lodash users where the change regresses a canary (default 0.1). */
  regressionShare?: number;
  /** Share of lodash users where the change breaks CI (default 0.08). */
  ciBreakShare?: number;
  /**
   * `realistic` (default): hundreds of files per repository (source, tests, docs, configs, CI,
   * binary images and an archive; about one in ten carries a file of a few MB). `small`: only the
   * manifest, README, CODEOWNERS, CI workflow, one source file and tsconfig. The ground truth, the
   * names and package.json are the same either way.
   */
  size?: 'realistic' | 'small';
  /**
   * `node` (default): Node services only, no lockfiles (the fleet every existing test knows).
   * `polyglot`: about half Node services (the `node` fleet of that many, same names, ground truth
   * and package.json, now with package-lock.json, yarn.lock or pnpm-lock.yaml), one npm-workspaces
   * monorepo, and Java (Maven, Gradle), Python and Go services, from a stream of their own.
   */
  mix?: 'node' | 'polyglot';
  /**
   * Polyglot: the registry the yarn.lock files' `resolved` URLs name (default yarn's own,
   * https://registry.yarnpkg.com/). yarn 1 fetches those URLs as written, whatever registry is
   * configured, so a sandbox with a local registry generates its fleet with that registry's URL.
   */
  yarnRegistry?: string;
  /**
   * The Node service whose deploy of the change breaks (`deployBreaks`): its name, or false for
   * none. Default: chosen by position among the plain Node services using lodash, in fleets of
   * OTHER_ORG_FROM Node services or more.
   */
  deployBreaks?: string | false;
  /**
   * The world's rates (flaky checks, red default branches, PRs failing for a reason of their own,
   * failing deploys). Absent: today's figures, exactly as the fleet was always generated. Given:
   * the flaky and red shares and the flaky fail rate come from it (exact shares, no minimum of
   * one), `regressionShare` and `ciBreakShare` default to its `badChangeShare`, and among the
   * repositories the demo change touches (lodash users) `prOwnFailureShare` get `ownFailure` and
   * `deployFailureShare` get `deployBreaks` (instead of the one chosen by position), drawn from a
   * stream of their own among those with nothing else wrong.
   */
  rates?: WorldRates;
}

/** What the deploy-breaking repository's deploys fail with, as a CD reports a crash-looping pod. */
export const DEPLOY_BREAKS = 'the canary pod crash-looped: CrashLoopBackOff (exit code 1: Cannot find module lodash/template)';

/** The version the demo change moves lodash to; CI-break ground truth is keyed on it. */
export const TARGET_LODASH = '4.17.21';
const OLD_LODASH = ['4.17.4', '4.17.11', '4.17.15', '4.17.19', '4.17.20'];
const SERVICES = ['api', 'gateway', 'worker', 'ledger', 'indexer', 'web', 'scheduler', 'notifier', 'auth', 'billing', 'catalog', 'reports', 'sync', 'edge', 'admin', 'events'];
const RUNTIME_DEPS: Record<string, string> = { express: '^4.19.2', zod: '^3.23.8', pino: '^9.3.2', axios: '^1.7.4', dayjs: '^1.11.12', 'prom-client': '^15.1.3', ioredis: '^5.4.1', pg: '^8.12.0' };
const CHECKS = ['build', 'test', 'lint'];
const REQUIRED_CHECKS = ['build', 'test'];

/**
 * The Slack user id of a team's owner: `U0` + the team name's first six letters + `1`.
 *
 * @example slackIdForTeam('payments') // 'U0PAYMEN1'
 */
export function slackIdForTeam(team: string): string {
  return `U0${team.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 6).padEnd(6, 'X')}1`;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function shuffle<T>(random: () => number, items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function workflow(checks: string[]): string {
  const jobs = checks.map((check) => `  ${check}:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-node@v4\n        with:\n          node-version: 20\n      - run: npm ci\n      - run: npm run ${check}\n`);
  return `name: ci\non:\n  push:\n    branches: [main]\n  pull_request:\njobs:\n${jobs.join('')}`;
}

/**
 * Generates `repos` repositories spread evenly over the teams, with at least one flaky CI, one
 * default branch that already fails, one CI break and one canary regression (when the fleet has
 * room for them).
 *
 * @example
 * const fleet = generateFleet({ seed: 7, repos: 48 });
 * fleet.filter((repo) => repo.breaksCi).map((repo) => repo.name);
 */
export function generateFleet(options: GenerateFleetOptions): FleetRepo[] {
  const random = createRandom(options.seed);
  const org = options.org ?? 'acme';
  const teams = options.teams ?? ['payments', 'search', 'platform'];
  const total = Math.max(0, Math.floor(options.repos));
  const polyglot = options.mix === 'polyglot';
  // A polyglot fleet: ⌈n/2⌉ − 1 Node services, the monorepo, and the rest in other languages.
  const count = polyglot && total > 2 ? Math.ceil(total / 2) - 1 : total;
  const rates = options.rates;
  const regressionShare = options.regressionShare ?? rates?.badChangeShare ?? 0.1;
  const ciBreakShare = options.ciBreakShare ?? rates?.badChangeShare ?? 0.08;
  const used = new Set<string>();
  const fleet: FleetRepo[] = [];

  for (let index = 0; index < count; index += 1) {
    const team = teams[index % teams.length] ?? 'platform';
    let name = `${team}-${pick(random, SERVICES)}`;
    for (let n = 2; used.has(name); n += 1) name = `${team}-${pick(random, SERVICES)}${n > 3 ? `-${n}` : ''}`;
    used.add(name);
    const typescript = random() < 0.65;
    // Most use lodash at an old version, some only in tests, a few not at all.
    const roll = random();
    const lodash: FleetRepo['lodash'] = roll < 0.7 ? { block: 'dependencies', version: pick(random, OLD_LODASH) } : roll < 0.87 ? { block: 'devDependencies', version: pick(random, OLD_LODASH) } : null;
    const dependencies: Record<string, string> = {};
    for (const dep of shuffle(random, Object.keys(RUNTIME_DEPS)).slice(0, 2 + Math.floor(random() * 3))) dependencies[dep] = RUNTIME_DEPS[dep];
    const devDependencies: Record<string, string> = { eslint: '^8.57.0', vitest: '^1.6.0', ...(typescript ? { typescript: '^5.4.5' } : {}) };
    if (lodash?.block === 'dependencies') dependencies.lodash = lodash.version;
    if (lodash?.block === 'devDependencies') devDependencies.lodash = lodash.version;
    const manifest = {
      name: `@${org}/${name}`,
      version: `1.${Math.floor(random() * 20)}.${Math.floor(random() * 10)}`,
      private: true,
      scripts: { build: typescript ? 'tsc -p tsconfig.json' : 'node --check src/index.js', test: 'vitest run', lint: 'eslint src' },
      dependencies: Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b))),
      devDependencies: Object.fromEntries(Object.entries(devDependencies).sort(([a], [b]) => a.localeCompare(b))),
    };
    // The extra files come from their own seeded stream, so the fleet's ground truth is the same at any size.
    const extras = options.size === 'small' ? {} : realisticFiles({ seed: (Math.imul(options.seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0, name, team, typescript });
    const files: Record<string, string | Uint8Array> = {
      ...extras,
      'package.json': `${JSON.stringify(manifest, null, 2)}\n`,
      '.github/CODEOWNERS': `* @${org}/${team}\n`,
      '.github/workflows/ci.yml': workflow(CHECKS),
      'README.md': `# ${name}\n\nOwned by the ${team} team (@${org}/${team}).\n`,
      [typescript ? 'src/index.ts' : 'src/index.js']: `export function handler() {\n  return '${name}';\n}\n`,
    };
    if (typescript) files['tsconfig.json'] = `${JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', strict: true, outDir: 'dist' }, include: ['src'] }, null, 2)}\n`;
    const criticality = Math.min(5, Math.floor(random() * 6));
    fleet.push({
      org,
      name,
      team,
      ownerSlackId: slackIdForTeam(team),
      files,
      topics: ['node', 'service', team],
      language: typescript ? 'TypeScript' : 'JavaScript',
      ecosystem: 'npm',
      criticality,
      protection: { requiredChecks: REQUIRED_CHECKS, requiredApprovals: criticality === 5 ? 1 : 0 },
      ci: { checks: CHECKS, outcome: 'pass', durationMs: 120_000 + Math.floor(random() * 6) * 60_000 },
      lodash,
      regresses: false,
      breaksCi: false,
    });
  }

  assignCiHealth(random, fleet, rates);
  assignGroundTruth(random, fleet, regressionShare, ciBreakShare);
  if (polyglot) addPolyglot(fleet, { seed: options.seed, org, teams, used, others: total - count, size: options.size, yarnRegistry: options.yarnRegistry });
  assignRules(fleet, count);
  if (rates) assignWorldFailures(fleet.slice(0, count), options.seed, rates, options.deployBreaks === undefined);
  assignDeployBreak(fleet, count, rates && options.deployBreaks === undefined ? false : options.deployBreaks);
  if (count >= OTHER_ORG_FROM) fleet.push(otherOrgRepo(teams));
  return fleet;
}

/** The organisation of the fleet's one repository outside the main organisation. */
export const OTHER_ORG = 'globex';
/** Fleets with at least this many Node services get the repository in OTHER_ORG (small test fleets stay as they were). */
const OTHER_ORG_FROM = 12;
/** Repositories the example campaigns name (canaries, the demo's regression, criticality overrides): never the special cases below. */
const NAMED = new Set(['search-indexer', 'platform-status', 'payments-gateway', 'payments-api']);

/** The fleet's protection as GitHub's rules describe it: which repositories are protected how. */
export interface FleetRules {
  /** `org/name` of the repositories protected by a ruleset instead of classic protection. */
  rulesetProtected: string[];
  /** Protected by neither, though they have CI. */
  unprotected: string[];
  /** The repository whose ruleset has a `merge_queue` rule (null in a fleet too small for one). */
  mergeQueue: string | null;
  /** The repository whose ruleset requires a code owner's review. */
  codeOwnerReview: string | null;
  /** Repositories in an organisation other than the fleet's own. */
  otherOrg: string[];
}

/**
 * Where the fleet's rules are, by full name, so the demo and tests find them without naming them.
 *
 * @example fleetRules(generateFleet({ seed: 7, repos: 48 })).mergeQueue // 'acme/…'
 */
export function fleetRules(fleet: readonly FleetRepo[]): FleetRules {
  const full = (repo: FleetRepo): string => `${repo.org}/${repo.name}`;
  const main = fleet[0]?.org;
  const queued = fleet.find((repo) => repo.mergeQueue === true);
  const reviewed = fleet.find((repo) => repo.codeOwnerReview === true);
  return {
    rulesetProtected: fleet.filter((repo) => (repo.rulesets ?? []).length > 0).map(full),
    unprotected: fleet.filter((repo) => !repo.protection && (repo.rulesets ?? []).length === 0).map(full),
    mergeQueue: queued ? full(queued) : null,
    codeOwnerReview: reviewed ? full(reviewed) : null,
    otherOrg: fleet.filter((repo) => repo.org !== main).map(full),
  };
}

/** The checks a repository's rules require, whether classic protection or a ruleset requires them. */
export function requiredChecksOf(repo: FleetRepo): string[] {
  const fromRulesets = (repo.rulesets ?? []).flatMap((r) => r.rules.flatMap((rule) => (rule.type === 'required_status_checks' ? rule.parameters.required_status_checks.map((c) => c.context) : [])));
  return [...new Set([...(repo.protection?.requiredChecks ?? []), ...fromRulesets])];
}

/**
 * The repository with no review required on GitHub's side (classic approvals 0, no `pull_request`
 * rule), for runs where nobody reviews; `keepCodeOwnerReview` leaves the code-owner repository's
 * rule, for a sandbox whose code owner approves.
 */
export function withoutRequiredReviews(repo: FleetRepo, options: { keepCodeOwnerReview?: boolean } = {}): FleetRepo {
  const keep = options.keepCodeOwnerReview === true && repo.codeOwnerReview === true;
  return {
    ...repo,
    protection: repo.protection ? { ...repo.protection, requiredApprovals: 0 } : null,
    ...(repo.rulesets && !keep ? { rulesets: repo.rulesets.map((r) => ({ ...r, rules: r.rules.filter((rule) => rule.type !== 'pull_request') })) } : {}),
  };
}

function requiredChecksRule(checks: string[]): RulesetRule {
  return { type: 'required_status_checks', parameters: { required_status_checks: checks.map((context) => ({ context })), strict_required_status_checks_policy: false } };
}

/**
 * GitHub as organisations use it today, without touching the ground truth: every other
 * repository without a required review is protected by a repository ruleset (the same required
 * checks) instead of classic protection; one Node service using lodash is protected by nothing (its
 * CI still runs); and, when there are enough, one ruleset-protected TypeScript service using
 * lodash merges through a merge queue and another requires a code owner's review. Chosen by
 * position alone (no random draw), so every other property of the fleet is what it was.
 */
function assignRules(fleet: FleetRepo[], nodeCount: number): void {
  const candidates = fleet.filter((repo) => repo.protection && (repo.protection.requiredApprovals ?? 0) === 0);
  candidates.forEach((repo, index) => {
    if (index % 2 === 0 || !repo.protection) return;
    repo.rulesets = [{ name: 'main', rules: [requiredChecksRule(repo.protection.requiredChecks)] }];
    repo.protection = null;
  });
  const node = fleet.slice(0, nodeCount);
  const plain = (repo: FleetRepo): boolean => repo.lodash !== null && repo.ci.outcome === 'pass' && !repo.breaksCi && !repo.regresses && !NAMED.has(repo.name);
  const unprotected = node.find((repo) => plain(repo) && repo.protection && (repo.protection.requiredApprovals ?? 0) === 0);
  if (!unprotected) return;
  unprotected.protection = null;
  if (nodeCount < OTHER_ORG_FROM) return;
  const special = node.filter((repo) => plain(repo) && repo.language === 'TypeScript' && repo.rulesets);
  const [queued, reviewed] = special;
  if (queued?.rulesets) {
    queued.mergeQueue = true;
    queued.rulesets[0]?.rules.push({
      type: 'merge_queue',
      parameters: { merge_method: 'SQUASH', grouping_strategy: 'ALLGREEN', max_entries_to_build: 5, min_entries_to_merge: 1, max_entries_to_merge: 5, min_entries_to_merge_wait_minutes: 1, check_response_timeout_minutes: 60 },
    });
  }
  if (reviewed?.rulesets) {
    reviewed.codeOwnerReview = true;
    reviewed.rulesets[0]?.rules.push({
      type: 'pull_request',
      parameters: { required_approving_review_count: 1, require_code_owner_review: true, require_last_push_approval: false, dismiss_stale_reviews_on_push: false, required_review_thread_resolution: false },
    });
  }
}

/**
 * Marks the one Node service whose deploy of the change breaks. By position, after the rules (no
 * random draw, so nothing else moves): the last plain Node service using lodash in `dependencies`
 * that no rule singles out (not the unprotected one, the merge queue's or the code owner's).
 */
function assignDeployBreak(fleet: FleetRepo[], nodeCount: number, chosen: GenerateFleetOptions['deployBreaks']): void {
  if (chosen === false) return;
  if (chosen !== undefined) {
    const repo = fleet.find((candidate) => candidate.name === chosen);
    if (!repo) throw new FleetError('bad_input', `deployBreaks names "${chosen}", which is not in the generated fleet; name one of its repositories or pass false.`);
    repo.deployBreaks = DEPLOY_BREAKS;
    return;
  }
  if (nodeCount < OTHER_ORG_FROM) return;
  const candidates = fleet.slice(0, nodeCount).filter((repo) => repo.lodash?.block === 'dependencies' && !repo.lodash.path && repo.ci.outcome === 'pass' && !repo.breaksCi && !repo.regresses && !NAMED.has(repo.name) && (repo.protection || repo.rulesets) && !repo.mergeQueue && !repo.codeOwnerReview);
  const repo = candidates.at(-1);
  if (repo) repo.deployBreaks = DEPLOY_BREAKS;
}

/** The deploy-breaking repository's `org/name`, or null in a fleet without one. */
export function deployBreaking(fleet: readonly FleetRepo[]): string | null {
  const repo = fleet.find((candidate) => candidate.deployBreaks !== undefined);
  return repo ? `${repo.org}/${repo.name}` : null;
}

/** The repository in the second organisation: a small Go service (no lodash, so no Node or lodash campaign targets it). */
function otherOrgRepo(teams: readonly string[]): FleetRepo {
  const team = teams.includes('platform') ? 'platform' : (teams[0] ?? 'platform');
  const name = 'globex-portal';
  return {
    org: OTHER_ORG,
    name,
    team,
    ownerSlackId: slackIdForTeam(team),
    files: {
      'go.mod': `module github.com/${OTHER_ORG}/${name}\n\ngo 1.22\n`,
      'main.go': 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("portal")\n}\n',
      'README.md': `# ${name}\n\nThe ${OTHER_ORG} portal, owned by its ${team} team (@${OTHER_ORG}/${team}).\n`,
      '.github/CODEOWNERS': `* @${OTHER_ORG}/${team}\n`,
      '.github/workflows/ci.yml': 'name: ci\non:\n  push:\n    branches: [main]\n  pull_request:\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-go@v5\n      - run: go build ./...\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-go@v5\n      - run: go test ./...\n',
    },
    topics: ['go', 'service', team],
    language: 'Go',
    ecosystem: 'go',
    criticality: 2,
    protection: { requiredChecks: REQUIRED_CHECKS, requiredApprovals: 0 },
    ci: { checks: REQUIRED_CHECKS, outcome: 'pass', durationMs: 120_000 },
    lodash: null,
    regresses: false,
    breaksCi: false,
  };
}

/**
 * Gives the Node services their lockfiles (one yarn and one pnpm at least, when there are three)
 * and adds the monorepo and the other ecosystems' services, all from streams of their own.
 */
function addPolyglot(fleet: FleetRepo[], input: { seed: number; org: string; teams: string[]; used: Set<string>; others: number; size: GenerateFleetOptions['size']; yarnRegistry: string | undefined }): void {
  const random = createRandom((Math.imul(input.seed, 0x27d4eb2f) ^ 0x165667b1) >>> 0);
  fleet.forEach((repo, index) => {
    const manifest = JSON.parse(String(repo.files['package.json'])) as Record<string, unknown>;
    const forced = fleet.length >= 3 && index === 0 ? 'yarn' : fleet.length >= 3 && index === 1 ? 'pnpm' : undefined;
    const { ecosystem, files } = nodeLockfile(random, manifest, { forced, yarnRegistry: input.yarnRegistry });
    repo.ecosystem = ecosystem;
    Object.assign(repo.files, files);
    if (ecosystem !== 'npm') repo.files['.github/workflows/ci.yml'] = nodeWorkflow(ecosystem, repo.ci.checks);
  });
  const monorepo = input.others > 0;
  const others = polyglotRepos({ seed: input.seed, count: Math.max(0, input.others - 1), org: input.org, teams: input.teams, used: input.used, startIndex: fleet.length, monorepo });
  for (const repo of others) {
    const files = input.size === 'small' ? Object.fromEntries(Object.entries(repo.files).filter(([path]) => isEssential(path))) : repo.files;
    fleet.push({
      org: input.org,
      name: repo.name,
      team: repo.team,
      ownerSlackId: slackIdForTeam(repo.team),
      files,
      topics: repo.topics,
      language: repo.language,
      ecosystem: repo.ecosystem,
      criticality: repo.criticality,
      protection: { requiredChecks: REQUIRED_CHECKS, requiredApprovals: repo.criticality === 5 ? 1 : 0 },
      ci: repo.ci,
      lodash: repo.lodash,
      library: repo.library,
      regresses: false,
      breaksCi: false,
    });
  }
}

/** What a `small` polyglot repository keeps: its manifests and lockfiles, README, CODEOWNERS and CI. */
function isEssential(path: string): boolean {
  const base = path.split('/').at(-1) ?? '';
  return /^(?:package\.json|package-lock\.json|yarn\.lock|pnpm-lock\.yaml|pom\.xml|build\.gradle(?:\.kts)?|settings\.gradle(?:\.kts)?|libs\.versions\.toml|gradle\.lockfile|requirements[\w.-]*\.txt|pyproject\.toml|poetry\.lock|go\.mod|go\.sum|Dockerfile|README\.md|CODEOWNERS)$/.test(base) || path.startsWith('.github/workflows/');
}

/**
 * Mostly healthy CI; without rates, at least one flaky repository and one whose default branch
 * already fails; with rates, exactly their shares (rounded). The shuffle draws the same numbers
 * either way, so nothing after it moves.
 */
function assignCiHealth(random: () => number, fleet: FleetRepo[], rates: WorldRates | undefined): void {
  const order = shuffle(random, fleet.map((_, index) => index));
  const flaky = rates ? Math.round(fleet.length * rates.flakyRepoShare) : Math.max(1, Math.round(fleet.length * 0.08));
  const broken = rates ? Math.round(fleet.length * rates.redDefaultShare) : Math.max(1, Math.round(fleet.length * 0.04));
  const flakyRate = rates?.flakyFailRate ?? 0.3;
  order.slice(0, flaky).forEach((index) => {
    const repo = fleet[index];
    repo.ci = { ...repo.ci, outcome: 'flaky', flakyRate };
  });
  order.slice(flaky, flaky + broken).forEach((index) => {
    const repo = fleet[index];
    repo.ci = { ...repo.ci, outcome: 'fail-on-default' };
  });
}

/**
 * Marks where the change breaks CI and where it regresses a canary, only among repositories the
 * change touches (those using lodash) and whose CI is otherwise sound, so the truth is unambiguous.
 */
function assignGroundTruth(random: () => number, fleet: FleetRepo[], regressionShare: number, ciBreakShare: number): void {
  const touched = shuffle(random, fleet.filter((repo) => repo.lodash !== null && repo.ci.outcome === 'pass'));
  const breaks = ciBreakShare > 0 && touched.length > 0 ? Math.max(1, Math.round(touched.length * ciBreakShare)) : 0;
  const regresses = regressionShare > 0 && touched.length > breaks ? Math.max(1, Math.round(touched.length * regressionShare)) : 0;
  for (const repo of touched.slice(0, breaks)) {
    repo.breaksCi = true;
    repo.ci = { ...repo.ci, failWhenDependency: { name: 'lodash', atLeast: TARGET_LODASH } };
  }
  for (const repo of touched.slice(breaks, breaks + regresses)) repo.regresses = true;
}

/**
 * The world's failures of a change that is not at fault, among the Node services the demo change
 * touches (lodash users): `prOwnFailureShare` of them fail any PR's CI for a reason of their own
 * (`ownFailure`, `ci.failOnChange`) and, when `deploys`, `deployFailureShare` fail the deploy of
 * any new version (`deployBreaks`). Shares are of all touched repositories; both are drawn,
 * disjoint, from a stream of their own among those with nothing else wrong (CI passing, neither
 * `breaksCi` nor `regresses`), so the ground truth stays unambiguous and nothing else moves.
 */
function assignWorldFailures(node: FleetRepo[], seed: number, rates: WorldRates, deploys: boolean): void {
  const touched = node.filter((repo) => repo.lodash !== null);
  const random = createRandom((Math.imul(seed, 0x61c88647) ^ 0x5bd1e995) >>> 0);
  const sound = shuffle(random, touched.filter((repo) => repo.ci.outcome === 'pass' && !repo.breaksCi && !repo.regresses));
  const own = Math.min(sound.length, Math.round(touched.length * rates.prOwnFailureShare));
  const failingDeploys = deploys ? Math.min(sound.length - own, Math.round(touched.length * rates.deployFailureShare)) : 0;
  for (const repo of sound.slice(0, own)) {
    repo.ownFailure = true;
    repo.ci = { ...repo.ci, failOnChange: true };
  }
  for (const repo of sound.slice(own, own + failingDeploys)) repo.deployBreaks = DEPLOY_BREAKS;
}
