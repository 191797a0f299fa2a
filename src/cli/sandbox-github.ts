import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CliIo } from './io.js';
import { generateFleet } from '../sandbox/fleet/generate-fleet.js';
import { seedFleet } from '../sandbox/fleet/seed-fleet.js';
import { startFakeGitHub, type FakeGitHub } from '../sandbox/github/server.js';

export interface SandboxGithubDeps {
  /** Resolves when the server should stop; by default on SIGINT or SIGTERM. */
  waitForStop?: (fake: FakeGitHub) => Promise<void>;
}

const USAGE = 'fleet sandbox github [--port N] [--repos N] [--seed N] [--org NAME] [--webhook-url URL] [--app-key FILE]';

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function parseCount(value: string | undefined, fallback: number, flag: string, io: CliIo): number | undefined {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (Number.isInteger(number) && number >= 0) return number;
  io.stderr(`${flag} takes a whole number, not "${value}". Usage: ${USAGE}\n`);
  return undefined;
}

/**
 * `fleet sandbox github`: starts the fake GitHub seeded with a generated fleet, prints its base
 * URL and serves until SIGINT or SIGTERM. Webhooks go to `--webhook-url`, signed with
 * GITHUB_WEBHOOK_SECRET. With `--app-key FILE` it also serves a GitHub App installed on the
 * fleet's organisations (and `globex`), writes the App's private key to FILE (mode 0600) and prints
 * the GITHUB_APP_ID to give Fleet.
 *
 * @example
 * await runSandboxGithubCommand(['github', '--port', '4010', '--repos', '48'], io); // serves until Ctrl-C
 */
export async function runSandboxGithubCommand(args: string[], io: CliIo, deps: SandboxGithubDeps = {}): Promise<number> {
  const rest = args[0] === 'github' ? args.slice(1) : args;
  if (args[0] !== undefined && args[0] !== 'github' && !args[0].startsWith('--')) {
    io.stderr(`Unknown sandbox "${args[0]}". Usage: ${USAGE}\n`);
    return 2;
  }
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args: rest, options: { port: { type: 'string' }, repos: { type: 'string' }, seed: { type: 'string' }, org: { type: 'string' }, 'webhook-url': { type: 'string' }, 'app-key': { type: 'string' } } }).values;
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}. Usage: ${USAGE}\n`);
    return 2;
  }
  const port = parseCount(values.port, 0, '--port', io);
  const repos = parseCount(values.repos, 48, '--repos', io);
  const seed = parseCount(values.seed, 1, '--seed', io);
  if (port === undefined || repos === undefined || seed === undefined) return 2;
  const webhookUrl = values['webhook-url'];
  const secret = io.env.GITHUB_WEBHOOK_SECRET;
  if (webhookUrl && !secret) {
    io.stderr('--webhook-url needs GITHUB_WEBHOOK_SECRET in the environment to sign deliveries; set it to the app\'s webhook secret.\n');
    return 2;
  }

  const fleet = generateFleet({ seed, repos, ...(values.org ? { org: values.org } : {}) });
  const appKey = values['app-key'];
  const orgs = [...new Set([...fleet.map((repo) => repo.org), 'globex'])];
  const fake = await startFakeGitHub({
    port,
    ...(webhookUrl && secret ? { webhook: { url: webhookUrl, secret } } : {}),
    ...(appKey ? { app: { installations: orgs.map((account) => ({ account })) } } : {}),
    log: (line) => io.stderr(`[fake-github] ${line}\n`),
    // The sandbox's CD: production deployed from the start and on every merge, each deployment reported on the clock.
    cd: {},
  });
  seedFleet(fake, fleet);
  if (appKey && fake.app) {
    try {
      writeFileSync(appKey, fake.app.privateKey, { mode: 0o600 });
    } catch (error) {
      await fake.close();
      io.stderr(`Could not write the App's private key to ${appKey}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
    io.stdout(`GitHub App ${fake.app.slug} (GITHUB_APP_ID=${fake.app.id}) installed on ${fake.app.installations.map((i) => `${i.account} (#${i.id})`).join(', ')}; its private key is in ${appKey} (GITHUB_APP_PRIVATE_KEY="$(cat ${appKey})").\n`);
  }
  const teams = [...new Set(fleet.map((repo) => repo.team))];
  io.stdout(`Fake GitHub listening on ${fake.url} with ${fleet.length} repositories in ${fleet[0]?.org ?? values.org ?? 'acme'} (${teams.join(', ')}).\n`);
  io.stdout(`GITHUB_API_URL=${fake.url}\n`);
  const first = fleet[0];
  if (first) io.stdout(`Git: git clone ${fake.gitUrl(first.org, first.name)} (the token as the password, e.g. git -c http.extraHeader="Authorization: Bearer <token>")\n`);
  try {
    await (deps.waitForStop ?? waitForSignal)(fake);
  } finally {
    await fake.close();
  }
  io.stdout('Fake GitHub stopped.\n');
  return 0;
}
