import { FleetError, describeError } from '../errors.js';
import { JobConfig } from './job-config.js';
import type { TickReport } from '../engine/tick.js';

export type JobName = 'advance' | 'notify' | 'digest';

/** The worker side of Bree's protocol: 'cancel' in, 'done' out, plus a summary message. */
export interface JobPort {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  postMessage(message: unknown): void;
}

function summarize(reports: TickReport[]): Record<string, unknown> {
  return {
    ticks: reports.length,
    ran: reports.reduce((sum, r) => sum + r.ran, 0),
    frozen: reports.some((r) => r.frozen),
    decisions: reports.flatMap((r) => r.waves.decisions.map((d) => `${d.campaignId}:${d.wave}:${d.decision}`)),
  };
}

/**
 * The body of every job file: reads the configuration from `workerData`, runs the job, reports a
 * summary to the scheduler and signals completion. An error is reported as a message (a sentence,
 * never the configuration) rather than crashing the worker.
 *
 * @example await runJob('advance', workerData, parentPort)
 */
export async function runJob(name: JobName, workerData: unknown, port: JobPort | null, handlers: Partial<Record<JobName, (config: JobConfig, isCancelled: () => boolean) => Promise<unknown>>> = {}): Promise<void> {
  let cancelled = false;
  port?.on('message', (message) => {
    if (message === 'cancel') cancelled = true;
  });
  const isCancelled = () => cancelled;
  try {
    const raw = (workerData as { config?: unknown } | null)?.config;
    const parsed = JobConfig.safeParse(raw);
    if (!parsed.success) throw new FleetError('config_invalid', `The ${name} job got an invalid configuration: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}.`);
    const config = parsed.data;
    const handler = handlers[name];
    let summary: unknown;
    if (handler) summary = await handler(config, isCancelled);
    // Each job loads only what it runs: a worker starts afresh for every run.
    else if (name === 'advance') summary = summarize(await (await import('./advance-job.js')).runAdvance(config, { now: Date.now, isCancelled }));
    else if (name === 'digest') summary = { channels: (await import('./digest-job.js')).runDigest(config, Date.now) };
    else {
      const reports = await (await import('./notify-job.js')).runNotify(config, { now: Date.now, isCancelled });
      summary = { posted: reports.reduce((n, r) => n + r.posted, 0), updated: reports.reduce((n, r) => n + r.updated, 0), dead: reports.reduce((n, r) => n + r.dead, 0) };
    }
    port?.postMessage({ job: name, ok: true, summary });
  } catch (error) {
    port?.postMessage({ job: name, ok: false, error: describeError(error) });
  }
  port?.postMessage('done');
}
