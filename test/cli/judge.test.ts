import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JUDGE_EXIT, runJudgeCommand } from '../../src/cli/judge.js';
import type { JudgeResult } from '../../src/confidence/judge.js';

let dir: string;
let out: string;
let err: string;
const io = {
  stdout: (s: string) => {
    out += s;
  },
  stderr: (s: string) => {
    err += s;
  },
  readFile: (path: string) => readFile(path, 'utf8'),
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-judge-'));
  out = '';
  err = '';
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const steady = Array.from({ length: 60 }, (_, i) => 100 + ((i * 7) % 11));
const input = {
  metrics: [
    { name: 'latency', group: 'latency', direction: 'increase', critical: false, canary: steady.map((v) => v * 1.4), baseline: steady },
    { name: 'errors', group: 'errors', direction: 'increase', critical: false, canary: [0, 0, null, 0], baseline: [0, 0, 0, 0] },
  ],
  thresholds: { pass: 95, marginal: 75 },
};

describe('fleet judge', () => {
  it('prints the classification, the statistics and the score as JSON', async () => {
    const code = await runJudgeCommand([write('canary.json', input)], io);
    expect(code).toBe(JUDGE_EXIT.judged);
    expect(err).toBe('');
    const result = JSON.parse(out) as JudgeResult;
    expect(result.metrics.map((m) => [m.name, m.classification])).toEqual([
      ['latency', 'High'],
      ['errors', 'Pass'],
    ]);
    const latency = result.metrics[0].statistics.mannWhitney!;
    expect(latency.u).toBeGreaterThan(3000);
    expect(latency.pValue).toBeLessThan(0.001);
    expect(result.metrics[1].statistics.canary).toMatchObject({ count: 3, missing: 1 });
    // Two equal groups, one at 0 and one at 100: 50 → fail.
    expect(result).toMatchObject({ score: 50, verdict: 'fail' });
  });

  it('exits 1 on a failing verdict with --check', async () => {
    expect(await runJudgeCommand(['--check', write('canary.json', input)], io)).toBe(JUDGE_EXIT.failed);
  });

  it('explains invalid input field by field and exits 2', async () => {
    const bad = { metrics: [{ name: 'x', direction: 'up', canary: [1, 'two'], baseline: [] }], thresholds: { pass: 101 } };
    expect(await runJudgeCommand([write('bad.json', bad)], io)).toBe(JUDGE_EXIT.badInput);
    expect(out).toBe('');
    expect(err).toContain('is not a valid canary judgement input');
    expect(err).toContain('metrics.0.direction');
    expect(err).toContain('metrics.0.canary.1');
    expect(err).toContain('thresholds.pass');
  });

  it('refuses a file that is not JSON, a missing file, and bad usage', async () => {
    expect(await runJudgeCommand([write('x.json', '{nope')], io)).toBe(JUDGE_EXIT.badInput);
    expect(err).toMatch(/is not JSON/);
    err = '';
    expect(await runJudgeCommand([join(dir, 'missing.json')], io)).toBe(JUDGE_EXIT.badInput);
    expect(err).toMatch(/^Cannot read .*missing\.json/);
    err = '';
    expect(await runJudgeCommand([], io)).toBe(JUDGE_EXIT.badInput);
    expect(err).toMatch(/^Give exactly one input file\./);
    expect(await runJudgeCommand(['--verbose', 'a.json'], io)).toBe(JUDGE_EXIT.badInput);
  });

  it('prints its usage with --help', async () => {
    expect(await runJudgeCommand(['--help'], io)).toBe(0);
    expect(out).toMatch(/^Usage: fleet judge/);
  });
});
