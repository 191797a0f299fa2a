import { describe, expect, test } from 'vitest';
import { stepTimeLimit } from '../../src/engine/run-step.js';

describe('stepTimeLimit', () => {
  const limits = { stepTimeoutMs: 60_000 };
  test("open-pr with a run change waits for the commands' timeouts too (5 minutes each by default)", () => {
    expect(stepTimeLimit(limits, { kind: 'open-pr' }, { kind: 'run', options: { commands: [{ run: 'make', timeout: '10m' }, { run: 'make test' }] } })).toBe(60_000 + 600_000 + 300_000);
  });
  test('every other step and change keeps the tick limit', () => {
    expect(stepTimeLimit(limits, { kind: 'open-pr' }, { kind: 'npm-dependency', options: { package: 'x', version: '1' } })).toBe(60_000);
    expect(stepTimeLimit(limits, { kind: 'merge' }, { kind: 'run', options: { commands: [{ run: 'make', timeout: '10m' }] } })).toBe(60_000);
    expect(stepTimeLimit(limits, { kind: 'open-pr' }, undefined)).toBe(60_000);
  });
});
