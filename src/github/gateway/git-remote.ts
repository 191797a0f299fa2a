import { FleetError } from '../../errors.js';
import type { GitIdentity, GitRemote } from '../../workspace/git.js';
import { splitRepo, type GatewayContext } from './context.js';

/** Git over HTTPS: where a repository's git remote is, how git signs in to it, and who Fleet commits as. */

export interface GitRemoteGateway {
  /** The repository's smart-HTTP remote, with the Authorization header of the current credential. */
  gitRemote(repo: string): GitRemote;
  /**
   * Who Fleet's commits are authored by when FLEET_GIT_AUTHOR is not set: for a GitHub App its bot
   * (`<slug>[bot]`, `<bot user id>+<slug>[bot]@users.noreply.github.com`, from GET /app and
   * GET /users/{slug}[bot]); for a token its user (GET /user, with GitHub's noreply address).
   * Read once per gateway.
   */
  botIdentity(): Promise<GitIdentity>;
}

/**
 * The web host git speaks to, from the REST base URL: api.github.com → https://github.com,
 * `<host>/api/v3` (Enterprise Server) → `<host>`, anything else (the sandbox's fake GitHub) → the
 * base URL itself.
 *
 * @example gitBaseUrl('https://api.github.com') // 'https://github.com'
 * @example gitBaseUrl('https://ghe.acme.io/api/v3') // 'https://ghe.acme.io'
 */
export function gitBaseUrl(apiBaseUrl: string): string {
  const trimmed = apiBaseUrl.replace(/\/+$/, '');
  const url = new URL(trimmed);
  if (url.hostname === 'api.github.com') return `${url.protocol}//github.com`;
  if (/\/api\/v3$/.test(url.pathname)) return `${url.origin}${url.pathname.replace(/\/api\/v3$/, '')}`;
  return trimmed;
}

/** GitHub's noreply address for an account: `<id>+<login>@users.noreply.github.com`. */
export function noreplyEmail(id: number, login: string): string {
  return `${id}+${login}@users.noreply.github.com`;
}

/** An installation token with less than this left is renewed before git gets it. */
const TOKEN_MARGIN_MS = 5 * 60_000;

export function createGitRemote(context: GatewayContext): GitRemoteGateway {
  const { octokit, call, now } = context;
  let identity: Promise<GitIdentity> | undefined;

  async function authorization(owner: string): Promise<string> {
    // Asked of the client's auth every time: an App's installation token is minted and renewed by
    // its auth strategy (before it expires), a plain token is returned as it is. `owner` picks the
    // installation on the repository's account when the App is installed on several.
    let auth = (await octokit.auth({ type: 'installation', owner })) as { token?: unknown; expiresAt?: unknown };
    // The strategy keeps a token for most of an hour; one that ends before a long clone could finish is renewed now.
    if (typeof auth.expiresAt === 'string' && Date.parse(auth.expiresAt) - now() < TOKEN_MARGIN_MS) {
      auth = (await octokit.auth({ type: 'installation', owner, refresh: true })) as { token?: unknown; expiresAt?: unknown };
    }
    if (typeof auth.token !== 'string' || auth.token === '') {
      throw new FleetError('config_invalid', "Fleet has no GitHub token to give git: set GITHUB_TOKEN, or the GITHUB_APP_* variables.", { retryable: false });
    }
    return `Basic ${Buffer.from(`x-access-token:${auth.token}`).toString('base64')}`;
  }

  function gitRemote(repo: string): GitRemote {
    const r = splitRepo(repo);
    const base = gitBaseUrl(String(octokit.request.endpoint.DEFAULTS.baseUrl));
    return { url: `${base}/${r.owner}/${r.repo}.git`, authorization: () => authorization(r.owner) };
  }

  async function readIdentity(): Promise<GitIdentity> {
    // An App's strategy answers { type: 'app' } with its JWT; a token's ignores the option and says 'token'.
    const auth = (await octokit.auth({ type: 'app' })) as { type?: unknown };
    if (auth.type === 'app') {
      const app = await call("reading the GitHub App's name", undefined, async () => (await octokit.rest.apps.getAuthenticated()).data);
      const slug = app?.slug;
      if (!slug) throw new FleetError('github_error', 'GitHub did not say which App Fleet is (GET /app has no slug); set FLEET_GIT_AUTHOR to "Name <email>".', { retryable: false });
      const login = `${slug}[bot]`;
      const user = await call(`reading the account of ${login}`, undefined, async () => (await octokit.rest.users.getByUsername({ username: login })).data);
      return { name: login, email: noreplyEmail(user.id, login) };
    }
    const user = await call('reading the account of the token', undefined, async () => (await octokit.rest.users.getAuthenticated()).data);
    return { name: user.name ?? user.login, email: noreplyEmail(user.id, user.login) };
  }

  function botIdentity(): Promise<GitIdentity> {
    identity ??= readIdentity().catch((error: unknown) => {
      identity = undefined;
      throw error;
    });
    return identity;
  }

  return { gitRemote, botIdentity };
}
