import Bree from 'bree';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FleetError } from '../errors.js';
import type { JobName } from './job-runner.js';

export interface SchedulerIntervals {
  /** How often `advance` polls (ms); webhooks and Slack actions wake it sooner. Default 5 s. */
  advance?: number;
  /** How often `notify` drains the outbox (ms). Default 2 s. */
  notify?: number;
  /** How often `digest` looks for channels whose local hour has come (ms). Default 5 min. */
  digest?: number;
}

export type SchedulerEvent =
  | { kind: 'started' | 'finished'; job: string }
  | { kind: 'message'; job: string; message: unknown }
  | { kind: 'error'; job: string; error: string };

export interface SchedulerOptions {
  /** The SQLite file; each job run opens its own connection to it. */
  dbFile: string;
  /** The compiled jobs (`dist/jobs`); found next to the compiled sources by default. */
  jobsDir?: string;
  intervals?: SchedulerIntervals;
  /** The rest of the job configuration (API URLs, tokens, limits): see JobConfig. Never logged. */
  workerData?: Record<string, unknown>;
  /** Which jobs to schedule (default all three). */
  jobs?: readonly JobName[];
  onEvent?: (event: SchedulerEvent) => void;
  /**
   * Asked at each interval of a job named here: when it says there is nothing to do, the run is
   * not started — each run is a new worker thread that loads Fleet's modules before it can find
   * that out (for `notify`: whether the outbox holds a message ready to send). A check that throws
   * lets the run go ahead.
   */
  hasWork?: Partial<Record<JobName, () => boolean>>;
}

export interface Scheduler {
  start(): Promise<void>;
  /** Lets running jobs finish their current tick (they are asked to cancel), then returns. */
  stop(): Promise<void>;
  /** Runs `advance` now; if it is running, once more right after it finishes. */
  wake(): void;
}

/** `dist/jobs` from this file, whether it runs compiled (dist/src/engine) or from the sources (src/engine). */
export function findJobsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [resolve(here, '../../jobs'), resolve(here, '../../dist/jobs')]) {
    if (existsSync(resolve(candidate, 'advance.js'))) return candidate;
  }
  throw new FleetError('config_invalid', 'The compiled jobs were not found (dist/jobs/advance.js). Run `npm run build` first.');
}

/**
 * The background jobs as Bree worker threads over the compiled `jobs/*.js`. Bree itself refuses
 * to start a job that is still running; a wake during a run is remembered and runs once after it.
 *
 * @example
 * const scheduler = createScheduler({ dbFile: env.FLEET_DB, workerData: { github: { token } } });
 * await scheduler.start();
 * scheduler.wake(); // after a Slack approval
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const jobs = options.jobs ?? ['advance', 'notify', 'digest'];
  const intervals = { advance: 5_000, notify: 2_000, digest: 300_000, ...options.intervals };
  const emit = options.onEvent ?? (() => undefined);
  const running = new Set<string>();
  const guards = new Map(Object.entries(options.hasWork ?? {}).filter(([name]) => (jobs as readonly string[]).includes(name)) as [JobName, () => boolean][]);
  const timers: NodeJS.Timeout[] = [];
  let pendingWake = false;
  let stopped = true;

  const quiet = (level: 'warn' | 'error') => (message: unknown) => {
    // Bree logs "already running" as a warning when an interval fires during a run: expected, not an error.
    if (level === 'error') emit({ kind: 'error', job: 'scheduler', error: message instanceof Error ? message.message : String(message) });
  };
  const bree = new Bree({
    root: options.jobsDir ?? findJobsDir(),
    defaultExtension: 'js',
    logger: { info: () => undefined, warn: quiet('warn'), error: quiet('error') },
    // A job with a work check is run by the scheduler's own timer below, which asks first.
    jobs: jobs.map((name) => (guards.has(name) ? { name, timeout: false } : { name, interval: intervals[name] })),
    worker: { workerData: { config: { ...options.workerData, dbFile: options.dbFile } } },
    errorHandler: (error, data) => emit({ kind: 'error', job: data.name, error: error instanceof Error ? error.message : String(error) }),
    workerMessageHandler: (data) => {
      if (data.message !== 'done') emit({ kind: 'message', job: data.name, message: data.message });
    },
  });
  bree.on('worker created', (name: string) => {
    running.add(name);
    emit({ kind: 'started', job: name });
  });
  bree.on('worker deleted', (name: string) => {
    running.delete(name);
    emit({ kind: 'finished', job: name });
    if (name === 'advance' && pendingWake && !stopped) {
      pendingWake = false;
      runAdvance();
    }
  });

  /** One interval of a job with a work check: started only when the check finds work (or fails) and the job is not running. */
  function runIfWork(name: JobName, hasWork: () => boolean): void {
    if (stopped || running.has(name)) return;
    let work = true;
    try {
      work = hasWork();
    } catch (error) {
      emit({ kind: 'error', job: name, error: `the work check failed, so the job runs: ${error instanceof Error ? error.message : String(error)}` });
    }
    if (!work) return;
    running.add(name);
    bree.run(name).catch((error: unknown) => {
      running.delete(name);
      emit({ kind: 'error', job: name, error: error instanceof Error ? error.message : String(error) });
    });
  }

  function runAdvance(): void {
    running.add('advance');
    bree.run('advance').catch((error: unknown) => {
      running.delete('advance');
      emit({ kind: 'error', job: 'advance', error: error instanceof Error ? error.message : String(error) });
    });
  }

  return {
    async start() {
      stopped = false;
      await bree.start();
      for (const [name, hasWork] of guards) timers.push(setInterval(() => runIfWork(name, hasWork), intervals[name]));
      // Bree waits one interval before a job's first run; work left by a restart should not wait.
      if (jobs.includes('advance') && !running.has('advance')) runAdvance();
    },
    async stop() {
      stopped = true;
      pendingWake = false;
      for (const timer of timers.splice(0)) clearInterval(timer);
      await bree.stop();
    },
    wake() {
      if (stopped || !jobs.includes('advance')) return;
      if (running.has('advance')) {
        pendingWake = true;
        return;
      }
      runAdvance();
    },
  };
}
