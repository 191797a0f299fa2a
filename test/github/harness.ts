import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/database.js';
import { createStore, type Store } from '../../src/store/store.js';
import { createOctokit, type Octokit, type OctokitSettings } from '../../src/github/create-octokit.js';
import { createGateway, type Gateway } from '../../src/github/gateway.js';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../../src/sandbox/github/server.js';

export interface Harness {
  fake: FakeGitHub;
  store: Store;
  octokit: Octokit;
  github: Gateway;
  now: () => number;
  /** A second client over the same store (another worker), with its own settings. */
  client(settings?: Partial<OctokitSettings>): { octokit: Octokit; github: Gateway };
  close(): Promise<void>;
}

/** The real client over a real SQLite store, talking HTTP to the fake GitHub on 127.0.0.1. */
export async function startHarness(options: { fake?: FakeGitHubOptions; octokit?: Partial<OctokitSettings> } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-github-'));
  const db = openDatabase(join(dir, 'fleet.db'));
  const store = createStore(db);
  // A frozen clock that only `fake.state.advance` moves: waits and timeouts are asserted exactly.
  const start = Date.UTC(2025, 0, 6, 9, 0, 0);
  const fake = await startFakeGitHub({ port: 0, log: () => undefined, now: () => start, ...options.fake });
  const now = () => fake.state.now();
  function client(settings: Partial<OctokitSettings> = {}) {
    const octokit = createOctokit({
      auth: { token: 'test-token' },
      baseUrl: fake.url,
      store,
      now,
      retry: { retries: 2, baseMs: 1 },
      throttle: { retryAfterBaseMs: 1, writeSpacingMs: 0, notificationSpacingMs: 0, searchSpacingMs: 0, codeSearchSpacingMs: 0 },
      ...options.octokit,
      ...settings,
    });
    return { octokit, github: createGateway({ octokit, now }) };
  }
  const { octokit, github } = client();
  return {
    fake,
    store,
    octokit,
    github,
    now,
    client,
    async close() {
      await fake.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Content-creating requests (POST, PATCH, PUT, DELETE) in the fake's request log. */
export function writesIn(fake: FakeGitHub): string[] {
  return fake.requestLog.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.route}`);
}
