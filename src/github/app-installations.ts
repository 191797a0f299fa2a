import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { FleetError } from '../errors.js';

/**
 * A GitHub App installed on several accounts (organisations or users), as one Octokit auth
 * strategy: the installations are discovered (`GET /app/installations`, with the App's JWT), each
 * request goes with the token of the installation on the account it concerns (`/repos/{owner}/…`,
 * `/orgs/{org}/…`, `/search/*` by the query's `org:`/`user:`/`repo:` qualifiers, or the
 * `request.fleetAccount` a caller names), and each installation's token is minted
 * (`POST /app/installations/{id}/access_tokens`), kept, and minted again before it expires.
 *
 * The JWT is signed here (RS256) with the injected clock rather than by @octokit/auth-app, whose
 * token cache keeps a token 59 minutes whatever its `expires_at` says.
 */

export interface AppInstallationsOptions {
  appId: number | string;
  privateKey: string;
  now: () => number;
  /** A token with less than this left is minted again before it is used (default five minutes). */
  refreshMarginMs?: number;
}

export interface InstallationSummary {
  id: number;
  account: string;
}

interface TokenState {
  token: string;
  expiresAt: number;
  /** When it was minted (by the injected clock). */
  mintedAt: number;
}

/** The shape of Octokit's `request` as far as this strategy uses it. */
interface RequestLike {
  (route: string, parameters?: Record<string, unknown>): Promise<{ status: number; data: unknown; headers: Record<string, unknown> }>;
  endpoint: {
    merge: (route: unknown, parameters?: unknown) => EndpointLike;
    /** Expands the URL template with the parameters (what is sent). */
    parse: (options: EndpointLike) => { url: string };
    DEFAULTS: { baseUrl: string };
  };
}

interface EndpointLike {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  request?: { fleetAccount?: unknown };
  [key: string]: unknown;
}

const APP_ROUTE = /^\/(?:app(?:\/|$)|app\/installations|orgs\/[^/]+\/installation$|repos\/[^/]+\/[^/]+\/installation$|users\/[^/]+\/installation$)/i;
/** Discovery is asked again for an account not yet seen at most this often. */
const REDISCOVER_MS = 60_000;

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** The path of a request URL relative to the API's base URL, without its query. */
function pathOf(url: string, baseUrl: string): { path: string; query: URLSearchParams } {
  const parsed = new URL(url, 'http://github.invalid');
  const base = new URL(baseUrl, 'http://github.invalid').pathname.replace(/\/+$/, '');
  const path = parsed.pathname.startsWith(base) ? parsed.pathname.slice(base.length) : parsed.pathname;
  return { path: path || '/', query: parsed.searchParams };
}

/**
 * The accounts a search query is scoped to: its `org:`, `user:` and `repo:owner/name` qualifiers.
 *
 * @example searchAccounts('lodash in:file org:acme') // ['acme']
 */
export function searchAccounts(query: string): string[] {
  const names = [...query.matchAll(/(?:^|\s)(org|user|repo):("?)([^\s"]+)\2/gi)].map((match) => (match[1]?.toLowerCase() === 'repo' ? (match[3] ?? '').split('/')[0] ?? '' : match[3] ?? ''));
  return [...new Set(names.filter((name) => name !== '').map((name) => name.toLowerCase()))];
}

/**
 * The account a request concerns, from its path (or a search's qualifiers, or a caller's
 * `request.fleetAccount`); undefined when the request names none.
 */
export function accountOfRequest(endpoint: { url: string; request?: { fleetAccount?: unknown }; variables?: unknown }, baseUrl: string): string | undefined {
  const hint = endpoint.request?.fleetAccount;
  if (typeof hint === 'string' && hint !== '') return hint.toLowerCase();
  const { path, query } = pathOf(endpoint.url, baseUrl);
  const scoped = /^\/(?:repos|orgs)\/([^/]+)/i.exec(path);
  if (scoped?.[1]) return decodeURIComponent(scoped[1]).toLowerCase();
  if (/^\/search\//i.test(path)) {
    const accounts = searchAccounts(query.get('q') ?? '');
    if (accounts.length > 1) {
      throw new FleetError('bad_input', `The search "${query.get('q') ?? ''}" names several accounts (${accounts.join(', ')}); with a GitHub App each organisation is searched with its own installation: search one at a time.`);
    }
    return accounts[0];
  }
  const variables = endpoint.variables;
  if (path === '/graphql' && variables && typeof variables === 'object') {
    const owner = (variables as { owner?: unknown; org?: unknown }).owner ?? (variables as { org?: unknown }).org;
    if (typeof owner === 'string' && owner !== '') return owner.toLowerCase();
  }
  return undefined;
}

function httpError(status: number, message: string, url: string): Error {
  // Shaped as Octokit's RequestError as far as the gateway reads it (status, response.data.message).
  return Object.assign(new Error(message), { name: 'HttpError', status, response: { status, url, headers: {}, data: { message } } });
}

/**
 * The auth strategy (pass it as Octokit's `authStrategy`): `auth({ type: 'app' })` gives the JWT,
 * `auth({ type: 'installation', owner?, installationId?, refresh? })` the token of an account's
 * installation, and its hook signs every request with the right one.
 */
export function createAppInstallations(options: AppInstallationsOptions & { request: RequestLike }) {
  const { request, now } = options;
  /**
   * Discovery and minting go straight to the wire (the client's fetch, so they are still counted):
   * through the client's hooks they would wait for a throttling slot that the very requests
   * waiting for their token hold.
   */
  const direct = (route: string, parameters: Record<string, unknown>) => request(route, { ...parameters, request: { hook: (send: (o: unknown) => unknown, endpoint: unknown) => send(endpoint) } });
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  let key: KeyObject;
  try {
    key = createPrivateKey(options.privateKey);
  } catch {
    throw new FleetError('config_invalid', 'GITHUB_APP_PRIVATE_KEY is not a PEM private key: paste the .pem file GitHub gave for the App (with its BEGIN/END lines).', { retryable: false });
  }
  let jwt: { token: string; expiresAt: number } | undefined;
  let installations: InstallationSummary[] | undefined;
  let discoveredAt = 0;
  let discovering: Promise<InstallationSummary[]> | undefined;
  const tokens = new Map<number, TokenState>();
  const minting = new Map<number, Promise<TokenState>>();
  /** Which installation each token we handed out belongs to (for budgets keyed by installation). */
  const owners = new Map<string, number>();

  function appJwt(): string {
    const at = now();
    if (jwt && jwt.expiresAt - at > 60_000) return jwt.token;
    // As GitHub advises: issued 30 s in the past for clock drift, expiring ten minutes after that.
    const iat = Math.floor(at / 1000) - 30;
    const exp = iat + 600;
    const head = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
    const body = base64url(JSON.stringify({ iat, exp, iss: /^\d+$/.test(String(options.appId)) ? Number(options.appId) : String(options.appId) }));
    const signature = sign('sha256', Buffer.from(`${head}.${body}`), key).toString('base64url');
    jwt = { token: `${head}.${body}.${signature}`, expiresAt: exp * 1000 };
    return jwt.token;
  }

  async function discover(): Promise<InstallationSummary[]> {
    discovering ??= (async () => {
      const found: InstallationSummary[] = [];
      for (let page = 1; ; page++) {
        const response = await direct('GET /app/installations', { per_page: 100, page, headers: { authorization: `bearer ${appJwt()}` } });
        const items = Array.isArray(response.data) ? (response.data as { id?: unknown; account?: { login?: unknown } | null }[]) : [];
        for (const item of items) {
          if (typeof item.id === 'number' && typeof item.account?.login === 'string') found.push({ id: item.id, account: item.account.login });
        }
        if (items.length < 100) break;
      }
      installations = found.sort((a, b) => a.id - b.id);
      discoveredAt = now();
      return installations;
    })().finally(() => {
      discovering = undefined;
    });
    return discovering;
  }

  /** The installation on an account (or the first, for a request that names none). */
  async function installationFor(account: string | undefined, url = ''): Promise<InstallationSummary> {
    let known = installations ?? (await discover());
    if (account === undefined) {
      const first = known[0];
      if (!first) throw new FleetError('config_invalid', 'The GitHub App is installed nowhere (GET /app/installations is empty): install it on the organisations Fleet works on.', { retryable: false });
      return first;
    }
    let found = known.find((installation) => installation.account.toLowerCase() === account.toLowerCase());
    if (!found && now() - discoveredAt >= REDISCOVER_MS) {
      known = await discover();
      found = known.find((installation) => installation.account.toLowerCase() === account.toLowerCase());
    }
    // GitHub answers a repository the App cannot see with 404; so does Fleet, saying why.
    if (!found) throw httpError(404, `The GitHub App is not installed on ${account} (installed on: ${known.map((i) => i.account).join(', ') || 'nothing'}); install it there or leave ${account} out.`, url);
    return found;
  }

  async function tokenOf(installationId: number, refresh = false): Promise<TokenState> {
    const held = tokens.get(installationId);
    // Minted again with less than the margin left, or half its life for a token shorter-lived than twice the margin.
    if (!refresh && held && held.expiresAt - now() > Math.min(margin, (held.expiresAt - held.mintedAt) / 2)) return held;
    const pending = minting.get(installationId);
    if (pending) return pending;
    const promise = (async () => {
      const response = await direct('POST /app/installations/{installation_id}/access_tokens', { installation_id: installationId, headers: { authorization: `bearer ${appJwt()}` } });
      const data = response.data as { token?: unknown; expires_at?: unknown };
      if (typeof data.token !== 'string' || typeof data.expires_at !== 'string') {
        throw new FleetError('github_error', `GitHub did not give a token for installation ${installationId} (no token or expires_at in its answer).`, { retryable: true });
      }
      const state = { token: data.token, expiresAt: Date.parse(data.expires_at), mintedAt: now() };
      const previous = tokens.get(installationId);
      if (previous) owners.delete(previous.token);
      tokens.set(installationId, state);
      owners.set(state.token, installationId);
      return state;
    })().finally(() => minting.delete(installationId));
    minting.set(installationId, promise);
    return promise;
  }

  interface AuthOptions {
    type?: string;
    owner?: string;
    installationId?: number | string;
    refresh?: boolean;
  }

  async function auth(authOptions: AuthOptions = {}): Promise<Record<string, unknown>> {
    if (authOptions.type === 'app') {
      const token = appJwt();
      return { type: 'app', token, appId: Number(options.appId), expiresAt: new Date(jwt?.expiresAt ?? 0).toISOString() };
    }
    const installationId = authOptions.installationId !== undefined ? Number(authOptions.installationId) : (await installationFor(authOptions.owner)).id;
    const state = await tokenOf(installationId, authOptions.refresh === true);
    return { type: 'token', tokenType: 'installation', token: state.token, installationId, expiresAt: new Date(state.expiresAt).toISOString() };
  }

  /** The installation a request will be sent as (undefined for the App's own routes). */
  async function installationOfRequest(endpoint: EndpointLike): Promise<number | undefined> {
    const url = request.endpoint.parse(endpoint).url;
    const { path } = pathOf(url, request.endpoint.DEFAULTS.baseUrl);
    if (APP_ROUTE.test(path)) return undefined;
    return (await installationFor(accountOfRequest({ url, request: endpoint.request, variables: endpoint.variables }, request.endpoint.DEFAULTS.baseUrl), url)).id;
  }

  async function hook(send: (options: EndpointLike) => Promise<unknown>, route: unknown, parameters?: unknown): Promise<unknown> {
    const endpoint = request.endpoint.merge(route, parameters);
    const installationId = await installationOfRequest(endpoint);
    if (installationId === undefined) {
      endpoint.headers.authorization = `bearer ${appJwt()}`;
      return send(endpoint);
    }
    endpoint.headers.authorization = `token ${(await tokenOf(installationId)).token}`;
    try {
      return await send(endpoint);
    } catch (error) {
      // A token GitHub no longer takes (revoked, or its clock ran ahead of ours): mint one and try once more.
      if ((error as { status?: unknown }).status !== 401) throw error;
      endpoint.headers.authorization = `token ${(await tokenOf(installationId, true)).token}`;
      return send(endpoint);
    }
  }

  /** The budget an Authorization header spends: `installation:<id>`, `app` for the App's JWT, undefined for unknown ones. */
  function budgetOfAuthorization(authorization: string | undefined): string | undefined {
    if (/^bearer\s+\S+\.\S+\.\S+$/i.test(authorization ?? '')) return 'app';
    const token = /^token\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const installationId = token ? owners.get(token) : undefined;
    return installationId === undefined ? undefined : `installation:${installationId}`;
  }

  /** The budget a request will spend (resolving its installation, discovering them if needed). */
  async function budgetOfRequest(route: unknown, parameters?: unknown): Promise<string | undefined> {
    const installationId = await installationOfRequest(request.endpoint.merge(route, parameters));
    return installationId === undefined ? undefined : `installation:${installationId}`;
  }

  return Object.assign(auth, { hook, budgetOfAuthorization, budgetOfRequest, installations: async () => installations ?? discover() });
}

export type AppInstallations = ReturnType<typeof createAppInstallations>;
