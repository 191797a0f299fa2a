import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/runtime/advance-job.js';
import { JobConfig } from '../../src/runtime/job-config.js';

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
