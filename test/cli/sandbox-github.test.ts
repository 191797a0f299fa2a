import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  test('--app-key serves a GitHub App on the fleet\'s organisations and writes its private key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-sandbox-app-'));
    try {
      const io = createIo();
      const key = join(dir, 'app.pem');
      let installations: { account: { login: string } }[] = [];
      const code = await runSandboxGithubCommand(['github', '--repos', '3', '--app-key', key], io, {
        waitForStop: async (fake) => {
          expect(readFileSync(key, 'utf8')).toBe(fake.app?.privateKey);
          const seconds = Math.floor(Date.now() / 1000);
          const { sign } = await import('node:crypto');
          const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
          const signed = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: fake.app?.id, iat: seconds - 30, exp: seconds + 570 })}`;
          const jwt = `${signed}.${sign('sha256', Buffer.from(signed), readFileSync(key, 'utf8')).toString('base64url')}`;
          const response = await fetch(`${fake.url}/app/installations`, { headers: { authorization: `Bearer ${jwt}` } });
          installations = (await response.json()) as typeof installations;
        },
      });
      expect(code).toBe(0);
      expect(installations.map((i) => i.account.login)).toEqual(['acme', 'globex']);
      expect(io.out.join('')).toMatch(/GITHUB_APP_ID=\d+\) installed on acme \(#1\), globex \(#2\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad flags are refused with the usage line', async () => {
    const io = createIo();
    expect(await runSandboxGithubCommand(['github', '--repos', 'many'], io, { waitForStop: () => Promise.resolve() })).toBe(2);
    expect(io.err.join('')).toContain('Usage: fleet sandbox github');
    expect(await runSandboxGithubCommand(['gitlab'], io, { waitForStop: () => Promise.resolve() })).toBe(2);
    expect(await runSandboxGithubCommand(['github', '--webhook-url', 'http://127.0.0.1:1/x'], io, { waitForStop: () => Promise.resolve() })).toBe(2);
  });
});
