import { defineConfig } from 'vitest/config';

/**
 * The files that run the whole sandbox for minutes of real time, with processes of their own and
 * bounds in wall-clock time: the demo (headless and on its page), the chaos campaign, the browser
 * situations, and the canaries judged through a real Prometheus scraping in real time (beside
 * another worker its one-minute runs judged a chance error once). They run one at a time, after
 * the rest, as they did when the suite had one worker.
 */
const END_TO_END = ['test/sandbox/demo.test.ts', 'test/sandbox/demo-page.test.ts', 'test/chaos/campaign.test.ts', 'test/sandbox/situations/**/*.test.ts', 'test/metrics/prometheus-canary.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: END_TO_END,
          // Vitest's default is one worker fewer than the CPUs: one on a 2-core machine, so every
          // file waited for the one before it, while most of a file's time is spent waiting (on
          // git, package managers, child processes, the fakes' CI delays), not computing. Two
          // workers keep both cores busy.
          maxWorkers: 2,
          // A fresh process per file re-imported Octokit, Bolt, zod and the fakes for each of
          // ~190 files (about 0.8 s a file here). No test mocks modules, stubs globals or fakes
          // timers, and the few that change process.env restore it, so the files of a worker
          // share one module graph.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'end-to-end',
          include: END_TO_END,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
