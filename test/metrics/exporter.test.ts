import { describe, expect, it } from 'vitest';
import { createSimulatedExporter, LATENCY_BUCKETS } from '../../src/metrics/exporter.js';
import type { DeployedVersion, DeploymentHistory } from '../../src/metrics/provider.js';

const T0 = 1_700_000_000_000;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the text format's sample lines (comments checked for HELP/TYPE only). */
function parse(text: string): { samples: Sample[]; types: Record<string, string> } {
  const samples: Sample[] = [];
  const types: Record<string, string> = {};
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.trimEnd().split('\n')) {
    const type = /^# TYPE (\w+) (counter|histogram|gauge|summary)$/.exec(line);
    if (type) {
      types[type[1]] = type[2];
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^(\w+)\{((?:\w+="(?:[^"\\]|\\.)*",?)*)\} (\S+)$/.exec(line);
    if (!m) throw new Error(`Not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of m[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2].replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { samples, types };
}

function history(versions: DeployedVersion[]): DeploymentHistory {
  return { versions: (repo, environment) => versions.filter((v) => v.repo === repo && v.environment === environment) };
}

const VERSIONS: DeployedVersion[] = [
  { repo: 'acme/api', environment: 'production', sha: 'p1', deployment: 1, from: T0 - 3_600_000, to: null, carriesChange: false },
  { repo: 'acme/api', environment: 'canary', sha: 'c1', deployment: 2, from: T0 + 10_000, to: T0 + 200_000, carriesChange: true },
  { repo: 'acme/bad', environment: 'production', sha: 'p2', deployment: 3, from: T0 - 3_600_000, to: null, carriesChange: false },
  { repo: 'acme/bad', environment: 'canary', sha: 'c2', deployment: 4, from: T0, to: null, carriesChange: true },
];

function total(samples: Sample[], where: Record<string, string>, name: string, codes?: RegExp): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v) && (!codes || codes.test(s.labels.code)))
    .reduce((sum, s) => sum + s.value, 0);
}

describe('createSimulatedExporter', () => {
  it('exposes only running versions, with counters that grow by the seconds elapsed', async () => {
    let now = T0;
    const exporter = createSimulatedExporter({ history: history(VERSIONS), repos: ['acme/api', 'acme/bad'], truth: (repo) => ({ regresses: repo === 'acme/bad' }), seed: 3, now: () => now });
    const first = parse(await exporter.render());
    expect(first.types).toEqual({ http_requests_total: 'counter', http_request_duration_seconds: 'histogram' });
    const shas = (samples: Sample[]) => [...new Set(samples.map((s) => s.labels.sha))].sort();
    // The canary c1 has not come up yet.
    expect(shas(first.samples)).toEqual(['c2', 'p1', 'p2']);
    // Counters start at zero when a version is first seen.
    expect(total(first.samples, { sha: 'p1' }, 'http_requests_total')).toBe(0);

    now = T0 + 60_000;
    const second = parse(await exporter.render());
    expect(shas(second.samples)).toEqual(['c1', 'c2', 'p1', 'p2']);
    const served = total(second.samples, { sha: 'p1' }, 'http_requests_total');
    // 60 seconds at about 40 requests a second.
    expect(served).toBeGreaterThan(60 * 40 * 0.7);
    expect(served).toBeLessThan(60 * 40 * 1.3);
    const c1 = second.samples.find((s) => s.name === 'http_request_duration_seconds_count' && s.labels.sha === 'c1');
    expect(c1?.labels).toEqual({ repo: 'acme/api', environment: 'canary', sha: 'c1', deployment: '2' });

    now = T0 + 120_000;
    const third = parse(await exporter.render());
    for (const s of second.samples) {
      const later = third.samples.find((t) => t.name === s.name && JSON.stringify(t.labels) === JSON.stringify(s.labels));
      expect(later!.value).toBeGreaterThanOrEqual(s.value);
    }

    // c1 was taken down at T0 + 200 s: it disappears from the scrape.
    now = T0 + 240_000;
    expect(shas(parse(await exporter.render()).samples)).toEqual(['c2', 'p1', 'p2']);
  });

  it('writes cumulative histogram buckets whose +Inf is the count', async () => {
    let now = T0;
    const exporter = createSimulatedExporter({ history: history(VERSIONS), repos: ['acme/api'], truth: () => ({ regresses: false }), seed: 1, now: () => now });
    await exporter.render();
    now = T0 + 30_000;
    const { samples } = parse(await exporter.render());
    const buckets = samples.filter((s) => s.name === 'http_request_duration_seconds_bucket' && s.labels.sha === 'p1');
    expect(buckets.map((b) => b.labels.le)).toEqual([...LATENCY_BUCKETS.map(String), '+Inf']);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i].value).toBeGreaterThanOrEqual(buckets[i - 1].value);
    const count = total(samples, { sha: 'p1' }, 'http_request_duration_seconds_count');
    expect(buckets.at(-1)!.value).toBe(count);
    expect(count).toBe(total(samples, { sha: 'p1' }, 'http_requests_total'));
    const sum = total(samples, { sha: 'p1' }, 'http_request_duration_seconds_sum');
    expect(sum / count).toBeGreaterThan(0.03);
    expect(sum / count).toBeLessThan(0.15);
  });

  it('serves more 5xx or slower requests from a version that carries a regressing change, not from production', async () => {
    const share = async (kind: 'errors' | 'latency') => {
      let now = T0;
      const exporter = createSimulatedExporter({ history: history(VERSIONS), repos: ['acme/bad'], truth: () => ({ regresses: true, kind }), seed: 4, now: () => now });
      await exporter.render();
      now = T0 + 300_000;
      const { samples } = parse(await exporter.render());
      const of = (sha: string) => ({
        errors: total(samples, { sha }, 'http_requests_total', /^5..$/) / total(samples, { sha }, 'http_requests_total'),
        mean: total(samples, { sha }, 'http_request_duration_seconds_sum') / total(samples, { sha }, 'http_request_duration_seconds_count'),
      });
      return { canary: of('c2'), production: of('p2') };
    };
    const errors = await share('errors');
    expect(errors.canary.errors / errors.production.errors).toBeGreaterThan(3);
    expect(errors.canary.mean / errors.production.mean).toBeLessThan(1.1);
    const latency = await share('latency');
    expect(latency.canary.mean / latency.production.mean).toBeGreaterThan(1.25);
    expect(latency.canary.errors / latency.production.errors).toBeLessThan(2);
  });

  it('escapes label values', async () => {
    const odd: DeployedVersion = { repo: 'acme/"odd"\\', environment: 'canary', sha: 'a\nb', deployment: 9, from: T0, to: null, carriesChange: false };
    const exporter = createSimulatedExporter({ history: history([odd]), repos: [odd.repo], truth: () => ({ regresses: false }), seed: 1, now: () => T0 });
    const text = await exporter.render();
    expect(text).toContain('repo="acme/\\"odd\\"\\\\",environment="canary",sha="a\\nb"');
    expect(parse(text).samples[0].labels).toMatchObject({ repo: 'acme/"odd"\\', sha: 'a\nb' });
  });

  it('serves GET /metrics on 127.0.0.1 and nothing else', async () => {
    const exporter = createSimulatedExporter({ history: history(VERSIONS), repos: () => ['acme/api'], truth: () => ({ regresses: false }), seed: 1, now: () => T0 });
    const server = await exporter.listen();
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const ok = await fetch(`${server.url}/metrics`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(parse(await ok.text()).samples.some((s) => s.labels.sha === 'p1')).toBe(true);
      expect((await fetch(`${server.url}/other`)).status).toBe(404);
      const post = await fetch(`${server.url}/metrics`, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
    } finally {
      await server.close();
    }
  });
});
