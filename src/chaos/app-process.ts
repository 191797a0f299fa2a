import { appendFileSync } from 'node:fs';
import { loadConfig } from '../config.js';
import { describeError } from '../errors.js';
import { createLogger } from '../logger.js';
import { startFleet } from '../start-fleet.js';
import { openDatabase } from '../store/database.js';

/**
 * The process the crash-and-restart run kills: the real app and its jobs, configured from the
 * environment like production, pointed at the fakes that live in the parent (so their counts
 * survive every kill). Prints `ready <port>` once it listens.
 *
 * Extra variables: FLEET_CHAOS_LOG (the log file, written line by line so a SIGKILL loses
 * nothing already logged), FLEET_CHAOS_FAST=1 (the sandbox's job intervals, no write spacing).
 */
/**
 * A target leased by a process that was killed stays 'running' until the lease runs out (the step
 * time limit plus a minute), because the engine cannot tell a dead worker from a slow one.
 * startFleet does not release them yet (docs/RELIABILITY.md); with exactly one Fleet process per
 * database file, the leases a new process finds at start are all its dead predecessor's, so they
 * are made due now. Steps are idempotent, so running them again is safe: that is what is checked.
 */
function releaseLeases(file: string): void {
  const db = openDatabase(file);
  try {
    db.prepare("UPDATE targets SET due_at = @now, version = version + 1 WHERE state = 'running'").run({ now: Date.now() });
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const env = process.env;
  const config = loadConfig(env);
  if (env.FLEET_CHAOS_RELEASE_LEASES === '1') releaseLeases(config.db);
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
