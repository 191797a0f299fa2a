import { FleetError } from '../../errors.js';
import type { Octokit } from '../create-octokit.js';
import { statusOf, toFleetError } from './errors.js';

/**
 * What every area of the gateway shares: the client from `createOctokit` (which owns the cache,
 * the pacing and the retries), the clock, and the two wrappers that map failures to FleetErrors.
 */
export interface GatewayContext {
  octokit: Octokit;
  now: () => number;
  /** Runs one request; a failure becomes a FleetError saying what Fleet was doing, and where. */
  call: <T>(what: string, repo: string | undefined, fn: () => Promise<T>) => Promise<T>;
  /** Like `call`, but a 404 means "not there" rather than an error. */
  callOrMissing: <T>(what: string, repo: string | undefined, fn: () => Promise<T>) => Promise<T | undefined>;
}

export function createGatewayContext(deps: { octokit: Octokit; now: () => number }): GatewayContext {
  const { octokit, now } = deps;

  async function call<T>(what: string, repo: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toFleetError(error, what, repo, now());
    }
  }

  async function callOrMissing<T>(what: string, repo: string | undefined, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toFleetError(error, what, repo, now());
    }
  }

  return { octokit, now, call, callOrMissing };
}

export function splitRepo(repo: string): { owner: string; repo: string } {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repo);
  if (!match) throw new FleetError('bad_input', `"${repo}" is not a repository: write it as owner/name, e.g. acme/api.`);
  return { owner: match[1], repo: match[2] };
}
