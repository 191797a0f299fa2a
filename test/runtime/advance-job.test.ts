import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/runtime/advance-job.js';
import { JobConfig } from '../../src/runtime/job-config.js';
import type { Gateway } from '../../src/github/gateway.js';

describe('createMetrics', () => {
  it('builds every configured provider by name, so each campaign reads the one it names', () => {
    const both = createMetrics(JobConfig.parse({ dbFile: 'x.db', metrics: { prometheusUrl: 'http://prometheus:9090', simulated: { seed: 1 } } }));
    expect(Object.keys(both).sort()).toEqual(['prometheus', 'simulated']);
  });

  it('leaves out a provider that is not configured rather than standing in another', () => {
    expect(Object.keys(createMetrics(JobConfig.parse({ dbFile: 'x.db', metrics: { simulated: { seed: 1 } } })))).toEqual(['simulated']);
    expect(createMetrics(JobConfig.parse({ dbFile: 'x.db' }))).toEqual({});
  });
});

describe('createMetrics with followDeployments', () => {
  it('makes the simulated provider follow the deployments read through the GitHub client it is given', async () => {
    const config = JobConfig.parse({ dbFile: 'x.db', metrics: { simulated: { seed: 1, followDeployments: true } } });
    expect(() => createMetrics(config)).toThrow(/no GitHub client/);
    const reads: string[] = [];
    const github = {
      listDeployments: (repo: string, filter: { environment?: string }) => {
        reads.push(`${repo} ${filter.environment}`);
        return Promise.resolve([]);
      },
      listDeploymentStatuses: () => Promise.resolve([]),
    } as unknown as Gateway;
    const { simulated } = createMetrics(config, { github, now: () => 0 });
    const metric = { name: 'latency', group: 'latency', direction: 'increase' as const, critical: false, effectSize: 0.1, mustHaveData: false };
    const query = { metric, target: 't', repo: 'acme/api', track: 'canary' as const, sha: 'abc', baselineSha: null, deployment: null, start: 0, end: 9_000, stepMs: 1_000 };
    // Nothing ran in canary: no series; without an environment, today's series.
    expect(await simulated!.fetchSeries({ ...query, environment: 'canary' })).toEqual([]);
    expect(reads).toEqual(['acme/api canary']);
    expect(await simulated!.fetchSeries({ ...query, environment: null })).toHaveLength(10);
    // Off by default: not a read.
    const plain = createMetrics(JobConfig.parse({ dbFile: 'x.db', metrics: { simulated: { seed: 1 } } }), { github });
    expect(await plain.simulated!.fetchSeries({ ...query, environment: 'canary' })).toHaveLength(10);
    expect(reads).toHaveLength(1);
  });
});
