import { appendFileSync } from 'node:fs';
import { loadConfig } from '../runtime/config.js';
import { describeError } from '../errors.js';
import { createLogger } from '../runtime/logger.js';
import { startFleet } from '../runtime/start-fleet.js';

/**
 * The process the crash-and-restart run kills: the real app and its jobs, configured from the
 * environment like production, pointed at the fakes that live in the parent (so their counts
 * survive every kill). Prints `ready <port>` once it listens.
 *
 * Extra variables: FLEET_CHAOS_LOG (the log file, written line by line so a SIGKILL loses
 * nothing already logged), FLEET_CHAOS_FAST=1 (the sandbox's job intervals, no write spacing).
 */
async function main(): Promise<void> {
  const env = process.env;
  const config = loadConfig(env);
  const logFile = env.FLEET_CHAOS_LOG;
  const logger = createLogger({
    level: 'debug',
    // Synchronous on purpose: a line must be on disk before the next kill can come.
    write: (line) => (logFile ? appendFileSync(logFile, `${line}\n`) : process.stderr.write(`${line}\n`)),
    secrets: [config.slack.botToken, config.slack.signingSecret, config.github.webhookSecret, config.github.auth.kind === 'token' ? config.github.auth.token : config.github.auth.privateKey],
  });
  // Spread in, so a start option that a given build lacks is simply not passed.
  const fast: Record<string, unknown> = env.FLEET_CHAOS_FAST === '1' ? { githubSpacing: { writeMs: 0, notificationMs: 0 }, githubRetryBaseMs: 20 } : {};
  const fleet = await startFleet(config, {
    logger,
    host: '127.0.0.1',
    intervals: { advance: 500, notify: 250, digest: 3_600_000 },
    retryAfterBaseMs: 1,
    onJobEvent: (event) => {
      if (event.kind === 'message') logger.debug('job report', { job: event.job, message: event.message });
    },
    ...fast,
  });
  process.stdout.write(`ready ${fleet.port}\n`);
  const stop = () => {
    fleet.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${describeError(error)}\n`);
  process.exit(1);
});
