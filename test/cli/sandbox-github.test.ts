import { describe, expect, test } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runSandboxGithubCommand } from '../../src/cli/sandbox-github.js';

function createIo(env: Record<string, string> = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text), readFile: () => Promise.reject(new Error('no files')), env };
}

describe('fleet sandbox github', () => {
  test('serves a seeded fleet at the printed URL until told to stop', async () => {
    const io = createIo();
    let listed: { name: string }[] = [];
    const code = await runSandboxGithubCommand(['github', '--repos', '6', '--seed', '3'], io, {
      waitForStop: async (fake) => {
        const response = await fetch(`${fake.url}/orgs/acme/repos?per_page=100`, { headers: { authorization: 'token t' } });
        listed = (await response.json()) as { name: string }[];
      },
    });
    expect(code).toBe(0);
    expect(listed).toHaveLength(6);
    expect(io.out.join('')).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ with 6 repositories/);
  });

  test('bad flags are refused with the usage line', async () => {
    const io = createIo();
    expect(await runSandboxGithubCommand(['github', '--repos', 'many'], io, { waitForStop: () => Promise.resolve() })).toBe(2);
    expect(io.err.join('')).toContain('Usage: fleet sandbox github');
    expect(await runSandboxGithubCommand(['gitlab'], io, { waitForStop: () => Promise.resolve() })).toBe(2);
    expect(await runSandboxGithubCommand(['github', '--webhook-url', 'http://127.0.0.1:1/x'], io, { waitForStop: () => Promise.resolve() })).toBe(2);
  });
});
