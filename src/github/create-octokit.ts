import { Octokit as RestOctokit } from '@octokit/rest';
import { throttling } from '@octokit/plugin-throttling';
import { retry } from '@octokit/plugin-retry';
import { createAppAuth } from '@octokit/auth-app';
import Bottleneck from 'bottleneck';
import { FleetError } from '../errors.js';
import type { Store } from '../store/store.js';
import { createAppInstallations, type AppInstallations } from './app-installations.js';

const FleetOctokit = RestOctokit.plugin(throttling, retry);
export type Octokit = InstanceType<typeof FleetOctokit>;

export interface GitHubLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/**
 * A token, or a GitHub App: with `installationId` every request uses that installation (as
 * @octokit/auth-app does it); without, the App's installations are discovered and each request
 * goes with the token of the installation on the account it concerns (see app-installations.ts),
 * each installation with its own budget.
 */
export type GitHubAuth = { token: string } | { appId: number | string; privateKey: string; installationId?: number | string };

export interface OctokitSettings {
  auth: GitHubAuth;
  /** GITHUB_API_URL: GitHub Enterprise Server or the local stand-in; default https://api.github.com. */
  baseUrl?: string;
  /** The shared store: conditional-request cache, request counts, rate headers, write pacing. */
  store: Store;
  now: () => number;
  logger?: GitHubLogger;
  fetch?: typeof fetch;
  /** Content-creating requests allowed across every worker (GitHub's secondary limit: 80/min, 500/h). */
  pacing?: { perMinute: number; perHour: number };
  retry?: {
    /** Retries of 5xx and network errors (default 3). */
    retries?: number;
    /** Milliseconds per unit of the retry plugin's quadratic backoff (default 1000). */
    baseMs?: number;
  };
  throttle?: {
    /** Retries after a 429/403 rate limit before giving up (default 2). */
    maxRetries?: number;
    /** Milliseconds per second of Retry-After (default 1000; tests use 1). */
    retryAfterBaseMs?: number;
    /** Longest Retry-After worth waiting in-process, in seconds; longer waits go to the engine (default 120). */
    maxWaitSeconds?: number;
    /** Spacing between writes in this process (default 1000 ms, GitHub's advice). */
    writeSpacingMs?: number;
    /** Spacing between notification-triggering writes (default 3000 ms). */
    notificationSpacingMs?: number;
    /** Spacing between search requests (default 2000 ms: GitHub's 30 a minute). */
    searchSpacingMs?: number;
    /** Spacing between code searches (default 6000 ms: GitHub's 10 a minute). */
    codeSearchSpacingMs?: number;
  };
  userAgent?: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Auth endpoints must never be paced or cached: they mint the credentials everything else needs. */
function isAuthRoute(url: string): boolean {
  return /\/app\/installations\/[^/]+\/access_tokens$/.test(new URL(url, 'http://github.invalid').pathname);
}

function readHeader(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/**
 * Reserves one content-creating request in the shared budget, or throws `budget_exhausted` with
 * `details.retryAt` so the engine reschedules the target instead of failing it. The check and the
 * record happen in one IMMEDIATE transaction so two workers cannot both take the last slot.
 */
export function reserveWrite(store: Store, route: string, now: number, pacing: { perMinute: number; perHour: number }, budget = ''): void {
  store.transaction(() => {
    const windows = [
      { span: MINUTE, limit: pacing.perMinute, label: 'minute' },
      { span: HOUR, limit: pacing.perHour, label: 'hour' },
    ];
    for (const w of windows) {
      const since = now - w.span;
      if (store.github.writesSince(since, budget) < w.limit) continue;
      const oldest = store.github.oldestWriteSince(since, budget) ?? now;
      const retryAt = oldest + w.span + 1;
      const whose = budget === '' ? '' : ` (${budget.replace(':', ' ')})`;
      throw new FleetError(
        'budget_exhausted',
        `Fleet has used its GitHub budget${whose} of ${w.limit} content-creating requests per ${w.label}; the target will continue at ${new Date(retryAt).toISOString()} on its own.`,
        { retryAt, window: w.label, limit: w.limit, ...(budget === '' ? {} : { budget }) },
      );
    }
    store.github.recordWrite(route, now, budget);
    // Keep the table small: nothing older than the longest window is ever read again.
    store.github.pruneWrites(now - HOUR - MINUTE);
  });
}

/**
 * Builds the one Octokit client Fleet uses: token or GitHub App auth, retries of 5xx, throttling
 * of 429/secondary limits, conditional GETs served from the store's cache (a 304 does not count
 * against GitHub's rate limit), request counting, and pacing of content-creating requests shared
 * by every worker through the store.
 *
 * @example
 * const octokit = createOctokit({ auth: { token: env.GITHUB_TOKEN }, baseUrl: env.GITHUB_API_URL, store, now: Date.now });
 * const gateway = createGateway({ octokit, now: Date.now });
 */
export function createOctokit(settings: OctokitSettings): Octokit {
  const { store, now, logger } = settings;
  const pacing = settings.pacing ?? { perMinute: 80, perHour: 500 };
  const maxThrottleRetries = settings.throttle?.maxRetries ?? 2;
  const maxWaitSeconds = settings.throttle?.maxWaitSeconds ?? 120;
  const retryAfterBaseMs = settings.throttle?.retryAfterBaseMs ?? 1000;
  const baseFetch = settings.fetch ?? globalThis.fetch;

  // Every HTTP attempt (retries included) is counted, and the rate headers recorded, at the wire.
  // Set when the App's installations are routed per account: budgets are then kept per installation.
  let installations: AppInstallations | undefined;

  async function countingFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const response = await baseFetch(input, init);
    const authorization = (init?.headers as Record<string, string | undefined> | undefined)?.authorization;
    const at = now();
    store.github.countRequest(utcDay(at), response.status === 304);
    const limit = response.headers.get('x-ratelimit-limit');
    const remaining = response.headers.get('x-ratelimit-remaining');
    const reset = response.headers.get('x-ratelimit-reset');
    if (limit !== null && remaining !== null && reset !== null) {
      store.github.recordRate({
        resource: response.headers.get('x-ratelimit-resource') ?? 'core',
        limit: Number(limit),
        remaining: Number(remaining),
        resetAt: Number(reset) * 1000,
        updatedAt: at,
        budget: installations?.budgetOfAuthorization(authorization),
      });
    }
    return response;
  }

  function onLimit(kind: 'primary' | 'secondary') {
    return (retryAfter: number, options: { method: string; url: string }, _octokit: unknown, retryCount: number): boolean => {
      const fields = { method: options.method, route: options.url, retryAfter, retryCount };
      if (retryCount >= maxThrottleRetries || retryAfter > maxWaitSeconds) {
        logger?.warn(`GitHub ${kind} rate limit: giving up on this request for now`, fields);
        return false;
      }
      logger?.info(`GitHub ${kind} rate limit: retrying after ${retryAfter}s`, fields);
      return true;
    };
  }

  const app = 'token' in settings.auth ? undefined : settings.auth;
  const auth =
    'token' in settings.auth
      ? { auth: settings.auth.token }
      : app?.installationId !== undefined
        ? {
            authStrategy: createAppAuth,
            auth: { appId: app.appId, privateKey: app.privateKey, installationId: app.installationId },
          }
        : {
            authStrategy: (options: { request: Parameters<typeof createAppInstallations>[0]['request'] }) => (installations = createAppInstallations({ appId: app?.appId ?? '', privateKey: app?.privateKey ?? '', now, request: options.request })),
            auth: {},
          };

  const octokit = new FleetOctokit({
    ...auth,
    baseUrl: settings.baseUrl ?? 'https://api.github.com',
    userAgent: settings.userAgent ?? 'fleet',
    request: { fetch: countingFetch },
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => logger?.warn(message),
      error: (message: string) => logger?.warn(message),
    },
    retry: {
      retries: settings.retry?.retries ?? 3,
      retryAfterBaseValue: settings.retry?.baseMs ?? 1000,
      // 429 is the throttling plugin's (it honours Retry-After); retrying it here too would double the wait.
      doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 429, 451],
    },
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      retryAfterBaseValue: retryAfterBaseMs,
      fallbackSecondaryRateRetryAfter: 60,
      // Per-client groups: the plugin's defaults are process-wide and would tie unrelated clients together.
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: settings.throttle?.writeSpacingMs ?? 1000 }),
      notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: settings.throttle?.notificationSpacingMs ?? 3000 }),
      search: new Bottleneck.Group({ maxConcurrent: 1, minTime: settings.throttle?.searchSpacingMs ?? 2000 }),
    },
  });
  // Code search has its own, lower limit (10 a minute) on top of search's.
  const codeSearch = new Bottleneck({ maxConcurrent: 1, minTime: settings.throttle?.codeSearchSpacingMs ?? 6000 });

  /**
   * A plain 429 (not a secondary limit, remaining not 0) is left alone by the throttling plugin,
   * and the retry plugin's backoff ignores Retry-After: wait what GitHub asks, within the cap.
   */
  async function honourRetryAfter<T>(send: () => Promise<T>, method: string, url: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        const retryAfter = Number(readHeader((error as { response?: { headers?: Record<string, unknown> } }).response?.headers, 'retry-after'));
        if (status !== 429 || attempt >= maxThrottleRetries || !Number.isFinite(retryAfter) || retryAfter < 0 || retryAfter > maxWaitSeconds) throw error;
        logger?.info(`GitHub answered 429: retrying after ${retryAfter}s`, { method, route: url, retryAfter, retryCount: attempt });
        await new Promise((resolve) => setTimeout(resolve, retryAfter * retryAfterBaseMs));
      }
    }
  }

  // Registered last, so it wraps the auth, retry and throttling hooks: it runs once per logical request.
  octokit.hook.wrap('request', async (request, options) => {
    const method = options.method.toUpperCase();
    const url = String(options.url);
    if (method !== 'GET' && method !== 'HEAD') {
      if (!isAuthRoute(url)) reserveWrite(store, `${method} ${url}`, now(), pacing, (await installations?.budgetOfRequest(options)) ?? '');
      return honourRetryAfter(async () => request(options), method, url);
    }
    const key = `${method} ${octokit.request.endpoint(options as never).url}`;
    const cached = store.httpCache.get(key);
    if (cached) {
      if (cached.etag) options.headers['if-none-match'] = cached.etag;
      else if (cached.lastModified) options.headers['if-modified-since'] = cached.lastModified;
    }
    try {
      const send = async () => honourRetryAfter(async () => request(options), method, url);
      const response = url.startsWith('/search/code') ? await codeSearch.schedule(send) : await send();
      const etag = readHeader(response.headers, 'etag');
      const lastModified = readHeader(response.headers, 'last-modified');
      if (response.status === 200 && (etag || lastModified)) {
        store.httpCache.put({ key, etag: etag ?? null, lastModified: lastModified ?? null, status: 200, body: JSON.stringify(response.data), updatedAt: now() });
      }
      return response;
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (status === 304 && cached) {
        return { status: 200, url, headers: (error as { response?: { headers?: Record<string, string> } }).response?.headers ?? {}, data: JSON.parse(cached.body) as unknown };
      }
      throw error;
    }
  });

  return octokit;
}
