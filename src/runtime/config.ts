import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { GITHUB_SOURCE, parseCampaignSource } from '../campaigns/campaign-source.js';
import { ORG_LOGIN, parseOrgScope } from '../campaigns/org-scope.js';
import { DEPENDENCY_VARIABLES, dependencyEnvironment } from '../changes/dependency/environment.js';
import type { DependencyEnvironment } from '../changes/dependency/types.js';
import { FleetError } from '../errors.js';

/**
 * Fleet's configuration: environment variables, validated once at start-up. Every missing or
 * malformed variable is reported in one error, each on its own line with what to set; values are
 * never echoed, since most of them are secrets.
 */

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** What each variable is for, shown when it is missing or malformed. */
const HELP: Record<string, string> = {
  SLACK_BOT_TOKEN: 'the bot token from the Slack app\'s "OAuth & Permissions" page (it starts with xoxb-)',
  SLACK_SIGNING_SECRET: 'the signing secret from the Slack app\'s "Basic Information" page',
  SLACK_APP_TOKEN: 'an app-level token with connections:write (it starts with xapp-), or leave it unset to receive events over HTTP',
  SLACK_API_URL: 'the Slack Web API base URL, e.g. https://slack.com/api/ (leave unset for Slack itself)',
  GITHUB_TOKEN: 'a GitHub token with repo and workflow scopes, or instead GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (with GITHUB_APP_INSTALLATION_ID to use one installation only)',
  GITHUB_APP_ID: "the GitHub App's numeric id from its settings page",
  GITHUB_APP_PRIVATE_KEY: 'the GitHub App\'s private key in PEM form ("-----BEGIN ... PRIVATE KEY-----"; "\\n" escapes are accepted)',
  GITHUB_APP_INSTALLATION_ID: 'the numeric id of the App\'s installation on your organisation (the number at the end of its installation URL), or leave it unset to use every installation of the App, each for its own organisation',
  GITHUB_API_URL: 'the GitHub REST API base URL, e.g. https://github.example.com/api/v3 for Enterprise Server (leave unset for github.com)',
  GITHUB_WEBHOOK_SECRET: 'the secret you entered for the GitHub webhook (used to verify X-Hub-Signature-256)',
  FLEET_DB: 'the path of the SQLite file Fleet keeps its state in, e.g. /var/lib/fleet/fleet.db',
  FLEET_CAMPAIGNS: 'where campaign specs live: a directory such as ./campaigns, or github:owner/repo/path',
  FLEET_ADMINS: 'a comma-separated list of Slack user ids who may run any campaign action, e.g. U024BE7LH,U0G9QF9C6',
  FLEET_LAUNCHERS: 'a comma-separated list of Slack user ids (U…, W…) and user-group ids (S…) who may start campaigns besides the admins, e.g. U024BE7LH,S0PLATFRM (unset: admins only)',
  FLEET_ORGS: 'a comma-separated list of GitHub organisation logins campaigns may target, e.g. acme,acme-labs (unset: any organisation)',
  PROMETHEUS_URL: 'the Prometheus base URL for canary metrics, e.g. http://prometheus:9090 (needed by campaigns whose canary.provider is prometheus, the default)',
  FLEET_PUBLIC_URL: "the address Fleet's HTTP server is reached at from outside, e.g. https://fleet.acme.io (a webhook deploy's system calls back to its /deploy/callback; unset: webhook deploys must name a statusUrl to poll)",
  PORT: 'the HTTP port for Slack and GitHub webhooks, a whole number from 0 to 65535 (default 3000)',
  FLEET_HOST: 'the address the HTTP server listens on, an IP address such as 127.0.0.1 or :: (default: every interface)',
  GITHUB_CONTENT_PER_MINUTE: 'the most content-creating GitHub requests per minute, a whole number (default 80)',
  GITHUB_CONTENT_PER_HOUR: 'the most content-creating GitHub requests per hour, a whole number (default 500)',
  FLEET_WORKDIR: 'the folder where Fleet checks out the repositories it changes, one folder per target, e.g. /var/lib/fleet/workspaces (default: a folder "workspaces" beside FLEET_DB)',
  FLEET_WORKSPACES: 'how many checkouts may exist at once, a whole number from 1 to 256 (default 4)',
  FLEET_WORKDIR_MAX_MB: 'the most disk the checkouts may take together, in megabytes, a whole number from 1 to 10000000 (default 10240); new checkouts wait for room',
  FLEET_GIT_AUTHOR: 'who Fleet\'s commits are authored by, as "Name <email>", e.g. "Fleet <fleet@acme.io>" (default: the GitHub App\'s bot, or the token\'s user)',
  FLEET_RETENTION_DAYS: 'how many days Fleet keeps its HTTP cache and handled webhook deliveries, a whole number from 1 to 3650 (default 30); events, gates, campaigns and targets are kept for good',
  FLEET_UNSANDBOXED: '1 to run codemods without a sandbox where bubblewrap is missing (not recommended: install bubblewrap instead), or leave it unset',
  ...DEPENDENCY_VARIABLES,
  LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')} (default info)`,
};

/** Unset and empty are the same thing in an environment. */
function text() {
  return z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined), z.string().optional());
}

function required() {
  return text().refine((v) => v !== undefined, { message: 'missing' });
}

function matching(pattern: RegExp) {
  return text().refine((v) => v === undefined || pattern.test(v), { message: 'malformed' });
}

function httpUrl() {
  return text().refine((v) => v === undefined || isHttpUrl(v), { message: 'malformed' });
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function wholeNumber(min: number, max: number, fallback: number) {
  return text()
    .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max), { message: 'malformed' })
    .transform((v) => (v === undefined ? fallback : Number(v)));
}

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;
/** "Name <email>", as git writes an author. */
const GIT_AUTHOR = /^([^<>\n]*[^<>\s])\s*<([^<>\s@]+@[^<>\s@]+)>$/;
const SLACK_GROUP = /^S[A-Z0-9]{2,}$/;

const Env = z
  .object({
    SLACK_BOT_TOKEN: required().refine((v) => v === undefined || v.startsWith('xoxb-'), { message: 'malformed' }),
    SLACK_SIGNING_SECRET: required(),
    SLACK_APP_TOKEN: matching(/^xapp-/),
    SLACK_API_URL: httpUrl(),
    GITHUB_TOKEN: text(),
    GITHUB_APP_ID: matching(/^\d+$/),
    GITHUB_APP_PRIVATE_KEY: text().refine((v) => v === undefined || v.includes('-----BEGIN'), { message: 'malformed' }),
    GITHUB_APP_INSTALLATION_ID: matching(/^\d+$/),
    GITHUB_API_URL: httpUrl(),
    GITHUB_WEBHOOK_SECRET: required(),
    FLEET_DB: required(),
    FLEET_CAMPAIGNS: required().refine((v) => v === undefined || !v.startsWith('github:') || GITHUB_SOURCE.test(v), { message: 'malformed' }),
    FLEET_ADMINS: required().refine((v) => v === undefined || splitList(v).every((id) => SLACK_USER.test(id)), { message: 'malformed' }),
    FLEET_LAUNCHERS: text().refine((v) => v === undefined || splitList(v).every((id) => SLACK_USER.test(id) || SLACK_GROUP.test(id)), { message: 'malformed' }),
    FLEET_ORGS: text().refine((v) => v === undefined || splitList(v).every((org) => ORG_LOGIN.test(org)), { message: 'malformed' }),
    PROMETHEUS_URL: httpUrl(),
    FLEET_PUBLIC_URL: httpUrl(),
    PORT: wholeNumber(0, 65_535, 3000),
    FLEET_HOST: text().refine((v) => v === undefined || isIP(v) !== 0, { message: 'malformed' }),
    GITHUB_CONTENT_PER_MINUTE: wholeNumber(1, 100_000, 80),
    GITHUB_CONTENT_PER_HOUR: wholeNumber(1, 1_000_000, 500),
    FLEET_WORKDIR: text(),
    FLEET_WORKSPACES: wholeNumber(1, 256, 4),
    FLEET_WORKDIR_MAX_MB: wholeNumber(1, 10_000_000, 10_240),
    FLEET_GIT_AUTHOR: matching(GIT_AUTHOR),
    FLEET_RETENTION_DAYS: wholeNumber(1, 3_650, 30),
    FLEET_UNSANDBOXED: matching(/^[01]$/),
    FLEET_NPM_REGISTRY: httpUrl(),
    FLEET_GOPROXY: text().refine((v) => v === undefined || v.split(/[,|]/).every((entry) => entry === 'direct' || entry === 'off' || isHttpUrl(entry)), { message: 'malformed' }),
    FLEET_GOSUMDB: text(),
    FLEET_PIP_INDEX_URL: httpUrl(),
    FLEET_MAVEN_REPOSITORY: httpUrl(),
    FLEET_DEPENDENCY_CREDENTIALS: text().refine((v) => v === undefined || splitList(v).every((name) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)), { message: 'malformed' }),
    LOG_LEVEL: text().refine((v) => v === undefined || (LOG_LEVELS as readonly string[]).includes(v), { message: 'malformed' }),
  })
  .superRefine((env, ctx) => {
    const app = { GITHUB_APP_ID: env.GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY: env.GITHUB_APP_PRIVATE_KEY, GITHUB_APP_INSTALLATION_ID: env.GITHUB_APP_INSTALLATION_ID };
    const appSet = Object.values(app).some((v) => v !== undefined);
    if (env.GITHUB_TOKEN !== undefined && appSet) {
      ctx.addIssue({ code: 'custom', path: ['GITHUB_TOKEN'], message: 'ambiguous' });
      return;
    }
    if (env.GITHUB_TOKEN !== undefined) return;
    if (!appSet) {
      ctx.addIssue({ code: 'custom', path: ['GITHUB_TOKEN'], message: 'missing' });
      return;
    }
    for (const [name, value] of Object.entries(app)) {
      // Without an installation id the App's installations are discovered, one per organisation.
      if (value === undefined && name !== 'GITHUB_APP_INSTALLATION_ID') ctx.addIssue({ code: 'custom', path: [name], message: 'missing' });
    }
  });

function parseGitAuthor(value: string | undefined): { name: string; email: string } | null {
  const match = value === undefined ? null : GIT_AUTHOR.exec(value);
  return match ? { name: match[1].trim(), email: match[2] } : null;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** A token, or a GitHub App: with `installationId` that installation only, without it every installation of the App (one per organisation). */
export type GithubAuth = { kind: 'token'; token: string } | { kind: 'app'; appId: number; privateKey: string; installationId?: number };

function need(value: string | undefined): string {
  // Only reached after validation proved the value present.
  if (value === undefined) throw new FleetError('internal', 'A validated configuration value is missing; report this as a bug.');
  return value;
}

/**
 * Every known variable present as a key (undefined when unset): optional fields are not checked
 * at all when their key is absent, and "missing" is itself a check.
 */
function pickKnown(env: unknown): Record<string, unknown> {
  const given = new Map<string, unknown>(typeof env === 'object' && env !== null ? Object.entries(env) : []);
  return Object.fromEntries(Object.keys(HELP).map((name) => [name, given.get(name)]));
}

export const FleetConfig = z.preprocess(pickKnown, Env).transform((env) => {
  const auth: GithubAuth =
    env.GITHUB_TOKEN !== undefined
      ? { kind: 'token', token: env.GITHUB_TOKEN }
      : {
          kind: 'app',
          appId: Number(env.GITHUB_APP_ID),
          privateKey: need(env.GITHUB_APP_PRIVATE_KEY).replace(/\\n/g, '\n'),
          ...(env.GITHUB_APP_INSTALLATION_ID === undefined ? {} : { installationId: Number(env.GITHUB_APP_INSTALLATION_ID) }),
        };
  return {
    slack: {
      botToken: need(env.SLACK_BOT_TOKEN),
      signingSecret: need(env.SLACK_SIGNING_SECRET),
      /** Set: Socket Mode; unset: the HTTP receiver on `port`. */
      appToken: env.SLACK_APP_TOKEN ?? null,
      /** With a trailing slash, as Slack's Web API client expects. */
      apiUrl: env.SLACK_API_URL === undefined ? null : env.SLACK_API_URL.replace(/\/*$/, '/'),
    },
    github: {
      auth,
      /** Without a trailing slash, as Octokit's baseUrl expects. */
      apiUrl: env.GITHUB_API_URL === undefined ? null : env.GITHUB_API_URL.replace(/\/+$/, ''),
      webhookSecret: need(env.GITHUB_WEBHOOK_SECRET),
      contentPerMinute: env.GITHUB_CONTENT_PER_MINUTE,
      contentPerHour: env.GITHUB_CONTENT_PER_HOUR,
    },
    db: need(env.FLEET_DB),
    campaigns: parseCampaignSource(need(env.FLEET_CAMPAIGNS)),
    admins: splitList(need(env.FLEET_ADMINS)),
    /** Who may start campaigns besides the admins; both empty when unset (admins only). */
    launchers: {
      users: splitList(env.FLEET_LAUNCHERS ?? '').filter((id) => SLACK_USER.test(id)),
      groups: splitList(env.FLEET_LAUNCHERS ?? '').filter((id) => SLACK_GROUP.test(id)),
    },
    /** The organisations campaigns may target; null when unset (unrestricted). */
    orgs: parseOrgScope(env.FLEET_ORGS),
    prometheusUrl: env.PROMETHEUS_URL === undefined ? null : env.PROMETHEUS_URL.replace(/\/+$/, ''),
    /** FLEET_PUBLIC_URL: where a webhook deploy's system calls Fleet back (`/deploy/callback`). */
    publicUrl: env.FLEET_PUBLIC_URL === undefined ? null : env.FLEET_PUBLIC_URL.replace(/\/+$/, ''),
    port: env.PORT,
    /** FLEET_HOST: the address the HTTP server listens on; null: every interface. */
    host: env.FLEET_HOST ?? null,
    /** Checkouts of the targets' repositories (see src/workspace/README.md). */
    workspaces: {
      root: resolve(env.FLEET_WORKDIR ?? join(dirname(need(env.FLEET_DB)), 'workspaces')),
      max: env.FLEET_WORKSPACES,
      maxMb: env.FLEET_WORKDIR_MAX_MB,
    },
    /** FLEET_GIT_AUTHOR; null: the App's bot identity (or the token's user), asked of GitHub. */
    gitAuthor: parseGitAuthor(env.FLEET_GIT_AUTHOR),
    /** FLEET_UNSANDBOXED=1: code from the catalog may run without bubblewrap (in a plain child process). */
    unsandboxed: env.FLEET_UNSANDBOXED === '1',
    /** FLEET_RETENTION_DAYS: how long the HTTP cache, webhook deliveries and expired signatures are kept. */
    retentionDays: env.FLEET_RETENTION_DAYS,
    logLevel: LOG_LEVELS.find((l) => l === env.LOG_LEVEL) ?? 'info',
  };
});
export type FleetConfig = z.infer<typeof FleetConfig> & {
  /** The dependency change's registries and the credentials FLEET_DEPENDENCY_CREDENTIALS allows, with their values. */
  dependencies: DependencyEnvironment;
  /** The webhook deploys' signing secrets: every FLEET_DEPLOY_* variable (a spec's `deploy.webhook.secretEnv` names one). */
  deploySecrets: Record<string, string>;
};
export type LogLevel = (typeof LOG_LEVELS)[number];

function describeProblem(name: string, problem: string): string {
  const help = HELP[name] ?? 'a valid value';
  switch (problem) {
    case 'missing':
      return `${name} is not set. Set it to ${help}.`;
    case 'ambiguous':
      return `GITHUB_TOKEN and the GITHUB_APP_* variables are both set. Keep one way to sign in to GitHub: unset GITHUB_TOKEN or the GITHUB_APP_* variables.`;
    default:
      return `${name} is malformed. Set it to ${help}.`;
  }
}

/** Where webhook deploy secrets come from: the variables named FLEET_DEPLOY_*, and no others (a spec cannot sign with GITHUB_TOKEN). */
export const DEPLOY_SECRET_PREFIX = 'FLEET_DEPLOY_';

function deploySecrets(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (name.startsWith(DEPLOY_SECRET_PREFIX) && value !== undefined && value.trim() !== '') out[name] = value;
  return out;
}

/**
 * Reads and validates the configuration; throws FleetError('config_invalid') listing every
 * problem, one per line.
 *
 * @example
 * const config = loadConfig(process.env);
 * config.github.auth.kind; // 'token' | 'app'
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): FleetConfig {
  const result = FleetConfig.safeParse(env);
  if (result.success) return { ...result.data, dependencies: dependencyEnvironment(env), deploySecrets: deploySecrets(env) };
  const problems = new Map<string, string>();
  for (const issue of result.error.issues) {
    const name = String(issue.path[0] ?? '');
    // One line per variable: "missing" wins over "malformed" for the same name.
    if (!problems.has(name) || issue.message === 'missing') problems.set(name, describeProblem(name, issue.message));
  }
  const lines = [...problems.values()];
  throw new FleetError(
    'config_invalid',
    `Fleet's configuration has ${lines.length} problem${lines.length === 1 ? '' : 's'}; fix ${lines.length === 1 ? 'it' : 'them'} in the environment and start again:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
    { variables: [...problems.keys()] },
  );
}
