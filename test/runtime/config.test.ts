import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/runtime/config.js';
import { FleetError } from '../../src/errors.js';

const VALID = {
  SLACK_BOT_TOKEN: 'xoxb-1-secret-bot-token',
  SLACK_SIGNING_SECRET: 'signing-secret-value',
  GITHUB_TOKEN: 'ghp_secretgithubtoken',
  GITHUB_WEBHOOK_SECRET: 'webhook-secret-value',
  FLEET_DB: '/var/lib/fleet/fleet.db',
  FLEET_CAMPAIGNS: './campaigns',
  FLEET_ADMINS: 'U0ADMIN01, U0ADMIN02',
};

function problemsOf(env: Record<string, string | undefined>): { error: FleetError; lines: string[] } {
  try {
    loadConfig(env);
  } catch (error) {
    if (!(error instanceof FleetError)) throw error;
    return { error, lines: error.message.split('\n').slice(1) };
  }
  throw new Error('loadConfig accepted an invalid environment');
}

describe('loadConfig', () => {
  test('workspaces default to a folder beside the database, 4 at once and 10 GB; FLEET_GIT_AUTHOR is parsed', () => {
    const config = loadConfig(VALID);
    expect(config.workspaces).toEqual({ root: '/var/lib/fleet/workspaces', max: 4, maxMb: 10_240 });
    expect(config.gitAuthor).toBeNull();
    const set = loadConfig({ ...VALID, FLEET_WORKDIR: '/srv/fleet-work', FLEET_WORKSPACES: '2', FLEET_WORKDIR_MAX_MB: '512', FLEET_GIT_AUTHOR: 'Fleet Bot <fleet@acme.io>' });
    expect(set.workspaces).toEqual({ root: '/srv/fleet-work', max: 2, maxMb: 512 });
    expect(set.gitAuthor).toEqual({ name: 'Fleet Bot', email: 'fleet@acme.io' });
  });

  test('FLEET_HOST: unset listens on every interface; an IP address is kept; a name is refused', () => {
    expect(loadConfig(VALID).host).toBeNull();
    expect(loadConfig({ ...VALID, FLEET_HOST: ' 127.0.0.1 ' }).host).toBe('127.0.0.1');
    expect(loadConfig({ ...VALID, FLEET_HOST: '::1' }).host).toBe('::1');
    expect(problemsOf({ ...VALID, FLEET_HOST: 'localhost:3000' }).lines).toEqual([expect.stringContaining('FLEET_HOST is malformed')]);
  });

  test('malformed workspace variables and author are each named with what to set', () => {
    const { lines } = problemsOf({ ...VALID, FLEET_WORKSPACES: '0', FLEET_WORKDIR_MAX_MB: 'lots', FLEET_GIT_AUTHOR: 'fleet@acme.io' });
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.includes('FLEET_WORKSPACES'))).toMatch(/malformed.*from 1 to 256/);
    expect(lines.find((l) => l.includes('FLEET_WORKDIR_MAX_MB'))).toMatch(/malformed.*megabytes/);
    expect(lines.find((l) => l.includes('FLEET_GIT_AUTHOR'))).toMatch(/malformed.*"Name <email>"/);
    expect(problemsOf({ ...VALID, FLEET_GIT_AUTHOR: 'Fleet <not an email>' }).lines[0]).toContain('FLEET_GIT_AUTHOR');
  });

  test('parses a token configuration with defaults filled in', () => {
    const config = loadConfig(VALID);
    expect(config.github.auth).toEqual({ kind: 'token', token: 'ghp_secretgithubtoken' });
    expect(config.admins).toEqual(['U0ADMIN01', 'U0ADMIN02']);
    expect(config.port).toBe(3000);
    expect(config.github.contentPerMinute).toBe(80);
    expect(config.github.contentPerHour).toBe(500);
    expect(config.logLevel).toBe('info');
    expect(config.slack.appToken).toBeNull();
    expect(config.slack.apiUrl).toBeNull();
    expect(config.prometheusUrl).toBeNull();
    expect(config.campaigns).toEqual({ kind: 'directory', path: './campaigns' });
  });

  test('parses a GitHub App configuration, optional URLs and overrides', () => {
    const config = loadConfig({
      ...VALID,
      GITHUB_TOKEN: undefined,
      GITHUB_APP_ID: '12345',
      GITHUB_APP_PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\\nabc\\n-----END RSA PRIVATE KEY-----',
      GITHUB_APP_INSTALLATION_ID: '987',
      GITHUB_API_URL: 'http://127.0.0.1:4010/api/v3/',
      SLACK_API_URL: 'http://127.0.0.1:4020/api',
      SLACK_APP_TOKEN: 'xapp-1-abc',
      PROMETHEUS_URL: 'http://prometheus:9090/',
      FLEET_CAMPAIGNS: 'github:acme/fleet-campaigns/specs/',
      PORT: '8080',
      GITHUB_CONTENT_PER_MINUTE: '20',
      GITHUB_CONTENT_PER_HOUR: '100',
      LOG_LEVEL: 'debug',
    });
    expect(config.github.auth).toEqual({ kind: 'app', appId: 12345, installationId: 987, privateKey: '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----' });
    expect(config.github.apiUrl).toBe('http://127.0.0.1:4010/api/v3');
    expect(config.slack.apiUrl).toBe('http://127.0.0.1:4020/api/');
    expect(config.slack.appToken).toBe('xapp-1-abc');
    expect(config.prometheusUrl).toBe('http://prometheus:9090');
    expect(config.campaigns).toEqual({ kind: 'github', owner: 'acme', repo: 'fleet-campaigns', path: 'specs' });
    expect(config.port).toBe(8080);
    expect(config.github.contentPerMinute).toBe(20);
    expect(config.github.contentPerHour).toBe(100);
    expect(config.logLevel).toBe('debug');
  });

  test('lists every missing variable at once, one per line', () => {
    const { error, lines } = problemsOf({});
    expect(error.code).toBe('config_invalid');
    const named = lines.map((l) => /- (\w+)/.exec(l)?.[1]);
    expect(named.sort()).toEqual(['FLEET_ADMINS', 'FLEET_CAMPAIGNS', 'FLEET_DB', 'GITHUB_TOKEN', 'GITHUB_WEBHOOK_SECRET', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
    for (const line of lines) expect(line).toMatch(/is not set\. Set it to .+\.$/);
    expect(error.details.variables).toHaveLength(7);
  });

  test('treats blank values as missing', () => {
    const { lines } = problemsOf({ ...VALID, FLEET_DB: '   ' });
    expect(lines).toEqual([expect.stringContaining('FLEET_DB is not set')]);
  });

  test('names each missing GitHub App variable when the App is half configured', () => {
    const { lines } = problemsOf({ ...VALID, GITHUB_TOKEN: undefined, GITHUB_APP_INSTALLATION_ID: '7' });
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).toContain('GITHUB_APP_ID is not set');
    expect(lines.join('\n')).toContain('GITHUB_APP_PRIVATE_KEY is not set');
  });

  test('an App without an installation id uses every installation of the App', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----';
    const config = loadConfig({ ...VALID, GITHUB_TOKEN: undefined, GITHUB_APP_ID: '42', GITHUB_APP_PRIVATE_KEY: pem });
    expect(config.github.auth).toEqual({ kind: 'app', appId: 42, privateKey: pem });
    const { lines } = problemsOf({ ...VALID, GITHUB_TOKEN: undefined, GITHUB_APP_ID: '42' });
    expect(lines).toEqual([expect.stringContaining('GITHUB_APP_PRIVATE_KEY is not set')]);
  });

  test("FLEET_PUBLIC_URL is where a webhook deploy calls back; the deploy secrets are the FLEET_DEPLOY_* variables and no others", () => {
    const config = loadConfig({ ...VALID, FLEET_PUBLIC_URL: 'https://fleet.acme.io/', FLEET_DEPLOY_WEBHOOK_SECRET: 's3cret', FLEET_DEPLOY_SPINNAKER: 'other', FLEET_DEPLOY_EMPTY: ' ' });
    expect(config.publicUrl).toBe('https://fleet.acme.io');
    expect(config.deploySecrets).toEqual({ FLEET_DEPLOY_WEBHOOK_SECRET: 's3cret', FLEET_DEPLOY_SPINNAKER: 'other' });
    expect(config.deploySecrets).not.toHaveProperty('GITHUB_TOKEN');
    expect(loadConfig(VALID).publicUrl).toBeNull();
    const { lines } = problemsOf({ ...VALID, FLEET_PUBLIC_URL: 'fleet.acme.io' });
    expect(lines).toEqual([expect.stringMatching(/FLEET_PUBLIC_URL is malformed.*\/deploy\/callback/)]);
  });

  test('refuses a token and an App at the same time', () => {
    const { lines } = problemsOf({ ...VALID, GITHUB_APP_ID: '42' });
    expect(lines).toEqual([expect.stringContaining('are both set')]);
  });

  test('reports malformed values without echoing any of them', () => {
    const env = {
      ...VALID,
      SLACK_BOT_TOKEN: 'xoxp-user-token-not-a-bot',
      SLACK_APP_TOKEN: 'not-an-app-token',
      SLACK_API_URL: 'ftp://slack.example',
      GITHUB_API_URL: 'not a url',
      PROMETHEUS_URL: 'prom-host:9090',
      FLEET_CAMPAIGNS: 'github:acme',
      FLEET_ADMINS: 'U0ADMIN01,alice',
      PORT: '70000',
      GITHUB_CONTENT_PER_MINUTE: '0',
      GITHUB_CONTENT_PER_HOUR: 'lots',
      LOG_LEVEL: 'verbose',
    };
    const { error, lines } = problemsOf(env);
    const named = lines.map((l) => /- (\w+) is malformed/.exec(l)?.[1]);
    expect(named.sort()).toEqual([
      'FLEET_ADMINS',
      'FLEET_CAMPAIGNS',
      'GITHUB_API_URL',
      'GITHUB_CONTENT_PER_HOUR',
      'GITHUB_CONTENT_PER_MINUTE',
      'LOG_LEVEL',
      'PORT',
      'PROMETHEUS_URL',
      'SLACK_API_URL',
      'SLACK_APP_TOKEN',
      'SLACK_BOT_TOKEN',
    ]);
    for (const value of [env.SLACK_BOT_TOKEN, env.SLACK_APP_TOKEN, env.GITHUB_API_URL, env.PROMETHEUS_URL, env.FLEET_ADMINS, env.LOG_LEVEL, VALID.GITHUB_TOKEN, VALID.SLACK_SIGNING_SECRET, VALID.GITHUB_WEBHOOK_SECRET]) {
      expect(error.message).not.toContain(value);
    }
  });

  test('rejects a GitHub App key that is not PEM and ids that are not numbers', () => {
    const { lines } = problemsOf({ ...VALID, GITHUB_TOKEN: undefined, GITHUB_APP_ID: 'my-app', GITHUB_APP_PRIVATE_KEY: 'abc', GITHUB_APP_INSTALLATION_ID: '12x' });
    expect(lines.map((l) => /- (\w+)/.exec(l)?.[1]).sort()).toEqual(['GITHUB_APP_ID', 'GITHUB_APP_INSTALLATION_ID', 'GITHUB_APP_PRIVATE_KEY']);
  });

  test('FLEET_LAUNCHERS and FLEET_ORGS: unset means admins only and any organisation', () => {
    const config = loadConfig(VALID);
    expect(config.launchers).toEqual({ users: [], groups: [] });
    expect(config.orgs).toBeNull();
  });

  test('FLEET_LAUNCHERS splits users and user groups; FLEET_ORGS lists organisations', () => {
    const config = loadConfig({ ...VALID, FLEET_LAUNCHERS: 'U0LAUNCH1, W0LAUNCH2,S0PLATFRM', FLEET_ORGS: 'acme, acme-labs' });
    expect(config.launchers).toEqual({ users: ['U0LAUNCH1', 'W0LAUNCH2'], groups: ['S0PLATFRM'] });
    expect(config.orgs).toEqual(['acme', 'acme-labs']);
  });

  test.each([
    ['FLEET_LAUNCHERS', 'U0LAUNCH1,alice'],
    ['FLEET_LAUNCHERS', 'C0CHANNEL1'],
    ['FLEET_LAUNCHERS', '@U0LAUNCH1'],
    ['FLEET_ORGS', 'acme,acme/repo'],
    ['FLEET_ORGS', '-acme'],
  ])('a malformed %s entry (%s) is a config error naming the variable', (name, value) => {
    const { error, lines } = problemsOf({ ...VALID, [name]: value });
    expect(error.code).toBe('config_invalid');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${name} is malformed. Set it to a comma-separated list`);
  });
});
