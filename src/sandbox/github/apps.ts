import { createPublicKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { failHttp } from './state.js';
import { paginate } from './paginate.js';
import { nodeId, renderUser, stableId, type ShapeContext } from './shapes.js';
import type { Route, RouteRequest, RouteResult } from './routes.js';

/**
 * A GitHub App as GitHub serves it: the App's own routes, asked with a JWT signed by the App's
 * private key (RS256, verified with its public key; `iat`/`exp` checked as GitHub checks them),
 * its installations (one per organisation or user), and the installation access tokens they mint.
 * An installation token acts as `<slug>[bot]`, only on its installation's account, until it
 * expires.
 */

export interface FakeAppInstallationInput {
  id?: number;
  /** The organisation (or user) the App is installed on. */
  account: string;
  type?: 'Organization' | 'User';
}

export interface FakeAppOptions {
  id?: number;
  slug?: string;
  name?: string;
  /** PKCS#1 or PKCS#8 PEM; a fresh 2048-bit key pair is made when omitted. */
  privateKey?: string;
  installations: FakeAppInstallationInput[];
  /** How long an installation token lives (GitHub: one hour). Tests shorten it to see a refresh. */
  tokenLifetimeMs?: number;
}

export interface FakeAppInstallation {
  id: number;
  account: string;
  type: 'Organization' | 'User';
}

/** What the fake tells about its App: the private key is what Fleet is given (GITHUB_APP_PRIVATE_KEY). */
export interface FakeAppInfo {
  id: number;
  slug: string;
  privateKey: string;
  installations: FakeAppInstallation[];
}

/** Who an Authorization header speaks for, as far as the App is concerned. */
export type AppCaller =
  | { kind: 'app' }
  | { kind: 'installation'; installation: FakeAppInstallation; login: string; repositories?: ReadonlySet<string> }
  | { kind: 'refused'; status: number; message: string };

interface TokenRecord {
  installationId: number;
  expiresAt: number;
  /** Lower-cased names, when the token was asked for some repositories only. */
  repositories?: ReadonlySet<string>;
}

/** The permissions every fake installation was granted (what Fleet needs). */
const PERMISSIONS = { checks: 'write', contents: 'write', metadata: 'read', pull_requests: 'write', statuses: 'read', members: 'read' } as const;
const EVENTS = ['check_run', 'check_suite', 'merge_group', 'pull_request', 'pull_request_review', 'push', 'status'];
/** GitHub's longest JWT: `exp` at most ten minutes after `iat`. */
const MAX_JWT_SECONDS = 600;
/** GitHub tolerates an `iat` a little in the future (clock drift). */
const IAT_DRIFT_SECONDS = 60;
const UNDECODABLE = 'A JSON web token could not be decoded';

function base64url(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

function parseJson(buffer: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(buffer.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function compile(template: string): RegExp {
  return new RegExp(`^${template.replace(/\{(\w+)\}/g, (_match, name: string) => `(?<${name}>[^/]+)`)}$`);
}

/** The App's registry and routes over a shape context and the fake's clock. */
export function createApps(options: FakeAppOptions, deps: { ctx: ShapeContext; now: () => number }) {
  const id = options.id ?? 4242;
  const slug = options.slug ?? 'fleet-sandbox';
  const name = options.name ?? 'Fleet Sandbox';
  const lifetimeMs = options.tokenLifetimeMs ?? 3_600_000;
  if (!Number.isFinite(lifetimeMs) || lifetimeMs <= 0) throw new Error('The fake App needs a positive tokenLifetimeMs.');
  let privateKey = options.privateKey;
  let publicKey: KeyObject;
  if (privateKey) publicKey = createPublicKey(privateKey);
  else {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    privateKey = pair.privateKey;
    publicKey = createPublicKey(pair.publicKey);
  }
  const installations: FakeAppInstallation[] = [];
  for (const [index, input] of options.installations.entries()) {
    const installationId = input.id ?? 1 + index;
    if (installations.some((other) => other.id === installationId || other.account.toLowerCase() === input.account.toLowerCase())) {
      throw new Error(`The fake App has two installations with id ${installationId} or on ${input.account}; give each account one installation.`);
    }
    installations.push({ id: installationId, account: input.account, type: input.type ?? 'Organization' });
  }
  const tokens = new Map<string, TokenRecord>();
  const createdAt = new Date(Date.UTC(2024, 0, 1)).toISOString();
  const login = `${slug}[bot]`;

  function installationOn(account: string): FakeAppInstallation | undefined {
    return installations.find((installation) => installation.account.toLowerCase() === account.toLowerCase());
  }

  /** Verifies a JWT as GitHub does; undefined when it is good. */
  function jwtProblem(jwt: string): string | undefined {
    const parts = jwt.split('.');
    if (parts.length !== 3) return UNDECODABLE;
    const [head = '', body = '', signature = ''] = parts;
    const header = parseJson(base64url(head));
    const claims = parseJson(base64url(body));
    if (!header || !claims || header.alg !== 'RS256') return UNDECODABLE;
    if (!verify('sha256', Buffer.from(`${head}.${body}`), publicKey, base64url(signature))) return UNDECODABLE;
    if (String(claims.iss) !== String(id)) return UNDECODABLE;
    const nowSeconds = Math.floor(deps.now() / 1000);
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > nowSeconds + IAT_DRIFT_SECONDS) {
      return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued.";
    }
    if (typeof exp !== 'number' || !Number.isInteger(exp) || exp <= nowSeconds) {
      return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.";
    }
    if (exp - iat > MAX_JWT_SECONDS) return "'Expiration time' claim ('exp') is too far in the future.";
    return undefined;
  }

  /**
   * Who an Authorization header is, when it is the App's: a JWT (`bearer <three parts>`) or an
   * installation token it minted. Undefined for anything else (the server's own tokens decide).
   */
  function authenticate(authorization: string | undefined): AppCaller | undefined {
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? '');
    const credential = match?.[1];
    if (!credential) return undefined;
    if (/^[\w-]+\.[\w-]+\.[\w-]*$/.test(credential)) {
      const problem = jwtProblem(credential);
      return problem ? { kind: 'refused', status: 401, message: problem } : { kind: 'app' };
    }
    const record = tokens.get(credential);
    if (!record) return credential.startsWith('ghs_') ? { kind: 'refused', status: 401, message: 'Bad credentials' } : undefined;
    const installation = installations.find((candidate) => candidate.id === record.installationId);
    if (!installation || record.expiresAt <= deps.now()) return { kind: 'refused', status: 401, message: 'Bad credentials' };
    return { kind: 'installation', installation, login, ...(record.repositories ? { repositories: record.repositories } : {}) };
  }

  /** The account a token acts on may not reach another's repositories: GitHub answers 404, as if they did not exist. */
  function reaches(caller: AppCaller | undefined, account: string | undefined, repo?: string): boolean {
    if (caller?.kind !== 'installation' || account === undefined) return true;
    if (caller.installation.account.toLowerCase() !== account.toLowerCase()) return false;
    // A token asked for some repositories sees only those.
    return repo === undefined || !caller.repositories || caller.repositories.has(repo.toLowerCase());
  }

  function renderInstallation(installation: FakeAppInstallation): Record<string, unknown> {
    const created = createdAt;
    // GitHub's description of GET /app/installations wants the account to be a user and an enterprise at once (allOf): it gets the fields of both.
    const user = renderUser(deps.ctx, installation.account, installation.type);
    const account = { ...user, name: installation.account, slug: installation.account, created_at: created, updated_at: created };
    return {
      id: installation.id,
      client_id: `Iv1.${id.toString(16).padStart(16, '0')}`,
      account,
      repository_selection: 'all',
      access_tokens_url: `${deps.ctx.base}/app/installations/${installation.id}/access_tokens`,
      repositories_url: `${deps.ctx.base}/installation/repositories`,
      html_url: installation.type === 'Organization' ? `${deps.ctx.base}/organizations/${installation.account}/settings/installations/${installation.id}` : `${deps.ctx.base}/settings/installations/${installation.id}`,
      app_id: id,
      app_slug: slug,
      target_id: user.id,
      target_type: installation.type,
      permissions: { ...PERMISSIONS },
      events: [...EVENTS],
      created_at: created,
      updated_at: created,
      single_file_name: null,
      has_multiple_single_files: false,
      single_file_paths: [],
      suspended_by: null,
      suspended_at: null,
    };
  }

  function renderApp(): Record<string, unknown> {
    return {
      id,
      slug,
      node_id: nodeId('A', id),
      client_id: `Iv1.${id.toString(16).padStart(16, '0')}`,
      owner: renderUser(deps.ctx, installations[0]?.account ?? 'fleet-sandbox', 'Organization'),
      name,
      description: 'The GitHub App Fleet runs as in the sandbox.',
      external_url: `${deps.ctx.base}/apps/${slug}`,
      html_url: `${deps.ctx.base}/apps/${slug}`,
      created_at: createdAt,
      updated_at: createdAt,
      permissions: { ...PERMISSIONS },
      events: [...EVENTS],
      installations_count: installations.length,
    };
  }

  function requireApp(request: RouteRequest): void {
    const caller = request.caller;
    // An installation token or a user's token on an App route: GitHub wants the App's JWT there.
    if (caller?.kind !== 'app') failHttp(401, UNDECODABLE);
  }


  function mint(installation: FakeAppInstallation, body: Record<string, unknown>, repoExists: (owner: string, repo: string) => boolean): RouteResult {
    // As GitHub: a token may be narrowed to some repositories and permissions, never widened.
    const names = body.repositories;
    if (names !== undefined && (!Array.isArray(names) || names.some((name) => typeof name !== 'string' || !repoExists(installation.account, name)))) {
      failHttp(422, 'There is at least one repository that does not exist or is not accessible to the parent installation.');
    }
    const asked = body.permissions;
    if (asked !== undefined) {
      const granted: Record<string, string> = PERMISSIONS;
      const ok = asked !== null && typeof asked === 'object' && !Array.isArray(asked) && Object.entries(asked).every(([name, level]) => granted[name] !== undefined && (level === 'read' || (level === 'write' && granted[name] === 'write')));
      if (!ok) failHttp(422, 'The permissions requested are not granted to this installation.');
    }
    const token = `ghs_${randomBytes(27).toString('base64url').slice(0, 36)}`;
    const expiresAt = deps.now() + lifetimeMs;
    const repositories = Array.isArray(names) ? new Set(names.map((name) => String(name).toLowerCase())) : undefined;
    tokens.set(token, { installationId: installation.id, expiresAt, ...(repositories ? { repositories } : {}) });
    // GitHub gives expires_at to the second.
    const permissions = asked && typeof asked === 'object' ? { ...(asked as Record<string, string>) } : { ...PERMISSIONS };
    return { status: 201, body: { token, expires_at: new Date(Math.floor(expiresAt / 1000) * 1000).toISOString().replace('.000Z', 'Z'), permissions, repository_selection: repositories ? 'selected' : 'all' } };
  }

  /** The App's routes, to add to the server's table (so the request log names their templates). */
  function routes(repoExists: (owner: string, repo: string) => boolean): Route[] {
    const table: Route[] = [];
    const add = (method: Route['method'], template: string, handle: Route['handle']): void => {
      table.push({ method, template, pattern: compile(template), handle });
    };
    add('GET', '/app', (request) => {
      requireApp(request);
      return { status: 200, body: renderApp() };
    });
    add('GET', '/app/installations', (request) => {
      requireApp(request);
      const { page, headers } = paginate(installations.map(renderInstallation), request);
      return { status: 200, body: page, headers };
    });
    add('POST', '/app/installations/{installation_id}/access_tokens', (request) => {
      requireApp(request);
      const installation = installations.find((candidate) => String(candidate.id) === request.params.installation_id);
      if (!installation) failHttp(404, 'Not Found');
      return mint(installation, request.body, repoExists);
    });
    add('GET', '/repos/{owner}/{repo}/installation', (request) => {
      requireApp(request);
      const installation = installationOn(request.params.owner ?? '');
      if (!installation || !repoExists(request.params.owner ?? '', request.params.repo ?? '')) failHttp(404, 'Not Found');
      return { status: 200, body: renderInstallation(installation) };
    });
    add('GET', '/orgs/{org}/installation', (request) => {
      requireApp(request);
      const installation = installationOn(request.params.org ?? '');
      if (!installation) failHttp(404, 'Not Found');
      return { status: 200, body: renderInstallation(installation) };
    });
    add('GET', '/users/{username}', (request) => {
      const username = request.params.username ?? '';
      const type = username.endsWith('[bot]') ? 'Bot' : installationOn(username)?.type ?? 'User';
      return { status: 200, body: { ...renderUser(deps.ctx, username, type), id: type === 'Bot' ? stableId('bot', username) : stableId('user', username), name: null, company: null, blog: '', location: null, email: null, hireable: null, bio: null, twitter_username: null, public_repos: 0, public_gists: 0, followers: 0, following: 0, created_at: createdAt, updated_at: createdAt } };
    });
    return table;
  }

  const info: FakeAppInfo = { id, slug, privateKey, installations };
  return { info, authenticate, reaches, installationOn, routes, login };
}

export type Apps = ReturnType<typeof createApps>;
