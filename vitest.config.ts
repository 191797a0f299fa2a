import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the CPUs: one worker on a 2-core machine, so every
    // file waited for the one before it, and most of the suite's wall time is spent waiting (on
    // git, package managers, child processes, CI delays of the fakes, a browser), not computing.
    // Two workers keep both cores busy.
    maxWorkers: 2,
    // A fresh process per file re-imported Octokit, Bolt, zod and the fakes 195 times (about
    // 0.8 s a file here). No test mocks modules, stubs globals or fakes timers, and the few that
    // change process.env restore it, so the files of a worker share one module graph.
    isolate: false,
  },
});
