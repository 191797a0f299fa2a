import { FleetError } from '../errors.js';
import { openDatabase } from '../store/database.js';
import { createStore } from '../store/store.js';
import { createOutboxClient, deliverOutbox, type DeliveryReport } from '../slack/deliver-outbox.js';
import type { JobConfig } from './job-config.js';

/**
 * One run of the notify job: drains what is ready in the outbox to Slack, a few batches at most.
 *
 * @example await runNotify(config, { now: Date.now, isCancelled: () => false })
 */
export async function runNotify(config: JobConfig, options: { now: () => number; isCancelled: () => boolean }): Promise<DeliveryReport[]> {
  if (!config.slack.token) throw new FleetError('config_invalid', 'The notify job has no Slack token: set SLACK_BOT_TOKEN.');
  const db = openDatabase(config.dbFile);
  const store = createStore(db);
  try {
    const client = createOutboxClient(config.slack.token, config.slack.apiUrl);
    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    const reports: DeliveryReport[] = [];
    for (let round = 0; round < 5 && !options.isCancelled(); round++) {
      const report = await deliverOutbox({ store, client, now: options.now, sleep });
      reports.push(report);
      if (report.posted + report.updated + report.other + report.recovered === 0) break;
    }
    return reports;
  } finally {
    db.close();
  }
}
