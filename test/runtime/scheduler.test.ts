import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createScheduler, type SchedulerEvent } from '../../src/runtime/scheduler.js';
import { openTempStore, seedCampaign, type TempStore } from '../engine/helpers.js';

const root = resolve(import.meta.dirname, '../..');
const jobsDir = join(root, 'dist/jobs');

function newestSource(): number {
  const dirs = [join(root, 'jobs'), join(root, 'src/engine'), join(root, 'src/steps')];
  return Math.max(...dirs.flatMap((d) => readdirSync(d).map((f) => statSync(join(d, f)).mtimeMs)));
}

/** Builds dist/ when it is missing or older than the sources the jobs run. */
function ensureBuilt(): void {
  const built = join(jobsDir, 'advance.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource()) return;
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch {
    // Type errors elsewhere in the tree still emit JavaScript; the check below is what matters.
  }
  if (!existsSync(built)) throw new Error('dist/jobs/advance.js was not built; run `npm run build` to see why.');
}

function waitFor(predicate: () => boolean): Promise<void> {
  return new Promise((resolvePromise) => {
    const poll = setInterval(() => {
      if (!predicate()) return;
      clearInterval(poll);
      resolvePromise();
    }, 10);
  });
}

describe('createScheduler (Bree over the compiled jobs)', () => {
  let t: TempStore;
  let events: SchedulerEvent[];
  const config = { github: { token: 'test-token', apiUrl: 'http://127.0.0.1:9' }, limits: { maxRounds: 3 } };
  const count = (kind: SchedulerEvent['kind']) => events.filter((e) => e.kind === kind && e.job === 'advance').length;

  beforeAll(() => ensureBuilt(), 180_000);
  beforeEach(() => {
    t = openTempStore();
    events = [];
  });
  afterEach(() => t.close());

  test('the advance job runs the engine on its own connection and reports back', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a']] });
    const target = t.store.targets.findByRepo(id, 'acme/a')!;
    t.store.targets.update(target.id, target.version, { state: 'skipped' }, 1);
    const scheduler = createScheduler({ dbFile: t.file, jobsDir, jobs: ['advance'], intervals: { advance: 3_600_000 }, workerData: config, onEvent: (e) => events.push(e) });
    await scheduler.start();
    await waitFor(() => count('finished') >= 1);
    await scheduler.stop();
    expect(events.filter((e) => e.kind === 'error')).toEqual([]);
    const message = events.find((e) => e.kind === 'message');
    expect(message).toMatchObject({ job: 'advance', message: { job: 'advance', ok: true } });
    expect(JSON.stringify(message)).not.toContain('test-token');
    expect(t.store.campaigns.get(id)?.state).toBe('completed');
  });

  test('wakes during a run do not start it twice: they coalesce into one more run', async () => {
    const scheduler = createScheduler({ dbFile: t.file, jobsDir, jobs: ['advance'], intervals: { advance: 3_600_000 }, workerData: config, onEvent: (e) => events.push(e) });
    await scheduler.start();
    scheduler.wake();
    scheduler.wake();
    scheduler.wake();
    await waitFor(() => count('finished') >= 2);
    await scheduler.stop();
    expect(count('started')).toBe(2);
    expect(events.filter((e) => e.kind === 'error')).toEqual([]);
  });

  test('stop lets a running job finish its tick and returns once it is gone', async () => {
    const scheduler = createScheduler({ dbFile: t.file, jobsDir, jobs: ['advance'], intervals: { advance: 3_600_000 }, workerData: config, onEvent: (e) => events.push(e) });
    await scheduler.start();
    scheduler.wake();
    await waitFor(() => count('started') >= 1);
    await scheduler.stop();
    expect(count('finished')).toBe(count('started'));
    scheduler.wake();
    expect(count('started')).toBe(1);
  });

  test('a job with a work check starts no worker while the check finds nothing, and runs once it does', async () => {
    let asked = 0;
    let work = false;
    const notify = (kind: SchedulerEvent['kind']) => events.filter((e) => e.kind === kind && e.job === 'notify').length;
    const scheduler = createScheduler({
      dbFile: t.file,
      jobsDir,
      jobs: ['notify'],
      intervals: { notify: 20 },
      workerData: { slack: { token: 'xoxb-test-token', apiUrl: 'http://127.0.0.1:9/api/' } },
      hasWork: {
        notify: () => {
          asked += 1;
          return work;
        },
      },
      onEvent: (e) => events.push(e),
    });
    await scheduler.start();
    await waitFor(() => asked >= 5);
    expect(notify('started')).toBe(0);
    work = true;
    await waitFor(() => notify('finished') >= 1);
    await scheduler.stop();
    expect(events.filter((e) => e.kind === 'error')).toEqual([]);
    expect(events.find((e) => e.kind === 'message' && e.job === 'notify')).toMatchObject({ message: { job: 'notify', ok: true } });
  });

  test('a work check that throws lets the run go ahead, and says so', async () => {
    const scheduler = createScheduler({
      dbFile: t.file,
      jobsDir,
      jobs: ['notify'],
      intervals: { notify: 20 },
      workerData: { slack: { token: 'xoxb-test-token', apiUrl: 'http://127.0.0.1:9/api/' } },
      hasWork: {
        notify: () => {
          throw new Error('database is locked');
        },
      },
      onEvent: (e) => events.push(e),
    });
    await scheduler.start();
    await waitFor(() => events.some((e) => e.kind === 'finished' && e.job === 'notify'));
    await scheduler.stop();
    expect(events.find((e) => e.kind === 'error')).toMatchObject({ job: 'notify', error: expect.stringContaining('database is locked') });
  });

  test('a job with a bad configuration reports a sentence, not a crash', async () => {
    const scheduler = createScheduler({ dbFile: t.file, jobsDir, jobs: ['advance'], intervals: { advance: 3_600_000 }, workerData: { github: {} }, onEvent: (e) => events.push(e) });
    await scheduler.start();
    await waitFor(() => count('finished') >= 1);
    await scheduler.stop();
    const message = events.find((e) => e.kind === 'message');
    expect(message).toMatchObject({ message: { ok: false, error: expect.stringContaining('GITHUB_TOKEN') } });
  });
});
