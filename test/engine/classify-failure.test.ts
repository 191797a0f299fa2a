import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { classifyFailure, FleetError, type FleetErrorCode } from '../../src/errors.js';
import { toFleetError } from '../../src/github/gateway/errors.js';

/** An Octokit RequestError as far as Fleet reads it: a status, GitHub's body and its headers. */
function httpError(status: number, message: string, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(message), { status, response: { headers, data: { message } } });
}

function networkError(code: string, viaCause = false): Error {
  const inner = Object.assign(new Error(`connect ${code} 127.0.0.1:443`), { code });
  return viaCause ? new TypeError('fetch failed', { cause: inner }) : inner;
}

const NOW = Date.UTC(2026, 0, 1);

describe('classifyFailure', () => {
  // One row per GitHub answer, thrown raw by Octokit and as toFleetError turns it into a FleetError.
  test.each<{ name: string; status: number; message: string; headers?: Record<string, string>; retryable: boolean }>([
    { name: '401', status: 401, message: 'Bad credentials', retryable: false },
    { name: '403 plain', status: 403, message: 'Resource not accessible by integration', retryable: false },
    { name: '403 rate-limited (headers)', status: 403, message: 'API rate limit exceeded for installation', headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1767225600' }, retryable: true },
    { name: '403 secondary limit', status: 403, message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', headers: { 'retry-after': '60' }, retryable: true },
    { name: '404', status: 404, message: 'Not Found', retryable: false },
    { name: '409', status: 409, message: 'Reference update failed', retryable: true },
    { name: '410', status: 410, message: 'Issues are disabled for this repo', retryable: false },
    { name: '422', status: 422, message: 'Reference already exists', retryable: false },
    { name: '429', status: 429, message: 'Too many requests', headers: { 'retry-after': '30' }, retryable: true },
    { name: '500', status: 500, message: 'Internal Server Error', retryable: true },
    { name: '502', status: 502, message: 'Bad Gateway', retryable: true },
    { name: '503', status: 503, message: 'Service Unavailable', retryable: true },
  ])('GitHub $name: retryable $retryable', ({ status, message, headers, retryable }) => {
    const raw = httpError(status, message, headers);
    const fleet = toFleetError(raw, 'opening the PR', 'acme/a', NOW);
    for (const error of [raw, fleet]) {
      const failure = classifyFailure(error);
      expect(failure.retryable).toBe(retryable);
      if (!retryable) {
        expect(failure.reason).toContain(message);
        expect(failure.nextStep).toBeTruthy();
      }
    }
  });

  test("a permanent GitHub failure keeps toFleetError's sentence, which says what to do", () => {
    const failure = classifyFailure(toFleetError(httpError(422, 'Reference already exists'), 'creating the branch', 'acme/a', NOW));
    expect(failure).toMatchObject({ retryable: false });
    expect(failure.reason).toContain("check the campaign's branch, labels and files");
    expect(failure.reason).toContain('Reference already exists');
  });

  test.each([
    ['ECONNRESET', false],
    ['ETIMEDOUT', false],
    ['ECONNREFUSED', false],
    ['ENOTFOUND', false],
    ['ECONNRESET', true],
    ['UND_ERR_CONNECT_TIMEOUT', true],
  ])('network error %s (inside fetch failed: %s) is retried', (code, viaCause) => {
    expect(classifyFailure(networkError(code, viaCause))).toMatchObject({ retryable: true });
  });

  test.each([
    ['an abort', Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })],
    ['a timeout', Object.assign(new Error('The operation timed out'), { name: 'TimeoutError' })],
    ['toFleetError of a network failure', toFleetError(networkError('ECONNRESET'), 'reading the repository', 'acme/a', NOW)],
    ['fetch failed with a cause', new TypeError('fetch failed', { cause: new Error('other side closed') })],
  ])('%s is retried', (_name, error) => {
    expect(classifyFailure(error)).toMatchObject({ retryable: true });
  });

  test.each([
    ['a zod parse error of a GitHub body', (() => {
      const parsed = z.object({ sha: z.string() }).safeParse({ sha: 42 });
      return parsed.success ? new Error('parsed') : parsed.error;
    })()],
    ['a TypeError from an unexpected shape', new TypeError("Cannot read properties of undefined (reading 'sha')")],
    ['a body that is not JSON', new SyntaxError('Unexpected token < in JSON at position 0')],
  ])('%s is permanent', (_name, error) => {
    const failure = classifyFailure(error);
    expect(failure.retryable).toBe(false);
    expect(failure.reason).toContain('shape Fleet expects');
    expect(failure.nextStep).toBeTruthy();
  });

  test.each<[FleetErrorCode, boolean]>([
    ['config_invalid', false],
    ['spec_invalid', false],
    ['spec_not_found', false],
    ['change_invalid', false],
    ['change_failed', false],
    ['bad_input', false],
    ['forbidden', false],
    ['not_found', false],
    ['transition_refused', false],
    ['internal', false],
    ['conflict', true],
    ['frozen', true],
    ['timeout', true],
    ['budget_exhausted', true],
    ['github_error', true],
    ['slack_error', true],
    ['metrics_error', true],
  ])('FleetError %s: retryable %s', (code, retryable) => {
    const error = new FleetError(code, `Something about ${code}; do this next.`);
    expect(classifyFailure(error)).toMatchObject({ retryable, reason: `Something about ${code}; do this next.` });
  });

  test('a FleetError that says it is not retryable is permanent', () => {
    const error = new FleetError('github_error', 'acme/a has more files than GitHub lists in one tree; narrow the change.', { repo: 'acme/a', retryable: false });
    expect(classifyFailure(error)).toMatchObject({ retryable: false });
  });

  test.each([
    ['an Error', new Error('the process is gone')],
    ['a string', 'boom'],
    ['undefined', undefined],
    ['an object', { what: 'no idea' }],
  ])('an unknown thrown value (%s) is retried as before, with a sentence', (_name, error) => {
    const failure = classifyFailure(error);
    expect(failure.retryable).toBe(true);
    expect(failure.reason).toMatch(/^Unexpected error: /);
  });
});
