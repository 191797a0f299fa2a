import type { Actions } from './actions.js';
import { addActionsRoutes, type ActionsRenderer } from './actions-routes.js';
import type { AppCaller } from './apps.js';
import { encodeCommit, type GitMode, type GitObject } from './git-objects.js';
import type { Renderer } from './render.js';
import { mergeQueueRule, methodRefusal } from './merge-queue.js';
import { addRulesetRoutes } from './ruleset-routes.js';
import { addDeploymentRoutes } from './deployment-routes.js';
import { failHttp, type World } from './state.js';
import { paginate } from './paginate.js';
import { addSearchRoutes, type SearchOptions } from './search.js';

/**
 * The REST routes the fake serves, each named by its OpenAPI path template. Handlers read and
 * change the world and return a status and a body in GitHub's shape.
 */

export interface RouteRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** The login the token acts as. */
  login: string;
  /** The request's own URL (for pagination links). */
  url: URL;
  /** The GitHub App's view of the credential, when the fake serves an App (see apps.ts). */
  caller?: AppCaller;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  template: string;
  pattern: RegExp;
  handle: (request: RouteRequest) => RouteResult;
}

/** The largest file whose content GitHub's contents API returns in its JSON answer. */
const CONTENTS_LIMIT = 1024 * 1024;

/** The modes a tree entry may have over REST and the object type each one names. */
const TREE_MODE_TYPES: Record<GitMode, 'blob' | 'tree' | 'commit'> = { '100644': 'blob', '100755': 'blob', '120000': 'blob', '040000': 'tree', '160000': 'commit' };

/** Params that may hold slashes (refs, paths, basehead). */
const GREEDY = new Set(['ref', 'path', 'basehead']);

function compile(template: string): RegExp {
  const source = template.replace(/\{(\w+)\}/g, (_match, name: string) => (GREEDY.has(name) ? `(?<${name}>.+?)` : `(?<${name}>[^/]+)`));
  return new RegExp(`^${source}$`);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}


/** A GitHub App's installation token acts as a bot account (`<app>[bot]`, or the fake's own bot). */
function isBotLogin(world: World, login: string): boolean {
  return login === world.BOT || login.endsWith('[bot]');
}

function requireCommit(world: World, sha: unknown): string {
  const value = str(sha);
  if (!value || world.objects.get(value)?.type !== 'commit') failHttp(422, 'Object does not exist');
  return value;
}

/** Builds the route table over a world and its renderer. */
export function createRoutes(world: World, render: Renderer, options: { search?: SearchOptions; actions?: { actions: Actions; view: ActionsRenderer } } = {}): Route[] {
  const routes: Route[] = [];
  const add = (method: Route['method'], template: string, handle: Route['handle']): void => {
    routes.push({ method, template, pattern: compile(template), handle });
  };
  const repoOf = (params: Record<string, string>) => world.getRepo(params.owner ?? '', params.repo ?? '');
  const pullOf = (params: Record<string, string>, key = 'pull_number') => world.getPull(params.owner ?? '', params.repo ?? '', Number(params[key]));

  add('GET', '/rate_limit', () => ({ status: 200 }));

  add('GET', '/user', (request) => ({ status: 200, body: render.authenticatedUser(request.login) }));

  add('GET', '/orgs/{org}/repos', (request) => {
    const type = request.query.get('type') ?? 'all';
    // The fake's repositories are all private; `forks` and `sources` split them as GitHub does.
    const repos = world.listOrgRepos(request.params.org ?? '').filter((repo) => type !== 'public' && (type !== 'forks' || repo.fork) && (type !== 'sources' || !repo.fork));
    const { page, headers } = paginate(repos, request);
    return { status: 200, body: page.map(render.repo), headers };
  });

  add('GET', '/orgs/{org}/teams/{team_slug}/members', (request) => {
    const members = world.teamMembers(request.params.org ?? '', request.params.team_slug ?? '');
    const { page, headers } = paginate(members, request);
    return { status: 200, body: page.map((login) => render.user(login)), headers };
  });

  add('GET', '/repos/{owner}/{repo}', (request) => {
    const record = repoOf(request.params);
    // The full repository object carries its merge settings (GitHub shows them to those who can push).
    const settings = {
      allow_squash_merge: record.settings.allowSquashMerge,
      allow_merge_commit: record.settings.allowMergeCommit,
      allow_rebase_merge: record.settings.allowRebaseMerge,
      allow_auto_merge: record.settings.allowAutoMerge,
      allow_update_branch: record.settings.allowUpdateBranch,
      delete_branch_on_merge: record.settings.deleteBranchOnMerge,
    };
    if (!record.forkOf) return { status: 200, body: { ...render.repo(record), ...settings } };
    // A fork's full repository names what it was forked from (`parent`) and the root of that network (`source`).
    const up = (name: string) => world.getRepo(name.split('/')[0] ?? '', name.split('/')[1] ?? '');
    const parent = up(record.forkOf);
    let source = parent;
    while (source.forkOf) source = up(source.forkOf);
    return { status: 200, body: { ...render.repo(record), ...settings, parent: render.repo(parent), source: render.repo(source) } };
  });

  add('GET', '/repos/{owner}/{repo}/git/ref/{ref}', (request) => {
    const repo = repoOf(request.params);
    const ref = (request.params.ref ?? '').replace(/^refs\//, '');
    const sha = repo.refs.get(ref);
    if (!sha) failHttp(404, 'Not Found');
    return { status: 200, body: render.gitRef(repo, ref, sha) };
  });

  add('POST', '/repos/{owner}/{repo}/git/refs', (request) => {
    const repo = repoOf(request.params);
    const full = str(request.body.ref) ?? '';
    if (!/^refs\/[^/]+\/.+/.test(full)) failHttp(422, 'Reference name is invalid');
    const sha = requireCommit(world, request.body.sha);
    const ref = full.slice('refs/'.length);
    if (repo.refs.has(ref)) failHttp(422, 'Reference already exists');
    world.setRef(repo, ref, sha, request.login);
    return { status: 201, body: render.gitRef(repo, ref, sha), headers: { location: `${render.repoUrl(repo.owner, repo.name)}/git/refs/${ref}` } };
  });

  add('PATCH', '/repos/{owner}/{repo}/git/refs/{ref}', (request) => {
    const repo = repoOf(request.params);
    const ref = (request.params.ref ?? '').replace(/^refs\//, '');
    const current = repo.refs.get(ref);
    if (!current) failHttp(422, 'Reference does not exist');
    const sha = requireCommit(world, request.body.sha);
    if (request.body.force !== true && !world.objects.ancestors(sha).includes(current)) failHttp(422, 'Update is not a fast forward');
    world.setRef(repo, ref, sha, request.login);
    return { status: 200, body: render.gitRef(repo, ref, sha) };
  });

  add('DELETE', '/repos/{owner}/{repo}/git/refs/{ref}', (request) => {
    const repo = repoOf(request.params);
    world.deleteRef(repo, (request.params.ref ?? '').replace(/^refs\//, ''), request.login);
    return { status: 204 };
  });

  add('GET', '/repos/{owner}/{repo}/git/trees/{tree_sha}', (request) => {
    const repo = repoOf(request.params);
    const wanted = request.params.tree_sha ?? '';
    const resolved = world.resolveCommit(repo, wanted) ?? wanted;
    const object = world.objects.get(resolved);
    const treeSha = object?.type === 'commit' ? object.tree : object?.type === 'tree' ? object.sha : undefined;
    if (!treeSha) failHttp(404, 'Not Found');
    const base = render.repoUrl(repo.owner, repo.name);
    const entries: Record<string, unknown>[] = [];
    const recursive = request.query.has('recursive') && !['0', 'false'].includes(request.query.get('recursive') ?? '');
    const walk = (sha: string, prefix: string): void => {
      const tree = world.objects.get(sha);
      if (tree?.type !== 'tree') return;
      for (const entry of tree.entries) {
        const blob = world.objects.get(entry.sha);
        entries.push({
          path: prefix + entry.name,
          mode: entry.mode,
          type: entry.type,
          sha: entry.sha,
          ...(blob?.type === 'blob' ? { size: blob.content.length } : {}),
          url: `${base}/git/${entry.type === 'tree' ? 'trees' : 'blobs'}/${entry.sha}`,
        });
        if (recursive && entry.type === 'tree') walk(entry.sha, `${prefix}${entry.name}/`);
      }
    };
    walk(treeSha, '');
    return { status: 200, body: { sha: treeSha, url: `${base}/git/trees/${treeSha}`, tree: entries, truncated: false } };
  });

  add('POST', '/repos/{owner}/{repo}/git/trees', (request) => {
    const repo = repoOf(request.params);
    const baseTree = str(request.body.base_tree);
    if (baseTree && world.objects.get(baseTree)?.type !== 'tree') failHttp(422, 'Invalid tree info', [{ resource: 'Tree', field: 'base_tree', code: 'invalid' }]);
    const flat = baseTree ? world.objects.flatten(baseTree) : new Map();
    const items = Array.isArray(request.body.tree) ? (request.body.tree as Record<string, unknown>[]) : [];
    const invalid = (field: string): never => failHttp(422, 'Invalid tree info', [{ resource: 'Tree', field, code: 'invalid' }]);
    /** Removes what a new entry at `path` replaces: the entry itself, a directory's contents there, and files standing where its parent directories go. */
    const clear = (path: string): void => {
      for (const key of [...flat.keys()]) if (key === path || key.startsWith(`${path}/`)) flat.delete(key);
      for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) flat.delete(path.slice(0, slash));
    };
    for (const item of items) {
      const path = str(item.path);
      if (!path) failHttp(422, 'Invalid tree info', [{ resource: 'Tree', field: 'path', code: 'missing_field' }]);
      // GitHub's tree entry modes (its OpenAPI description): a file, an executable, a symbolic link
      // (the blob holds the target) are blobs; 040000 is a subtree and 160000 a submodule's commit.
      // The type, when given, has to be the one the mode means.
      if (item.mode !== undefined && !(typeof item.mode === 'string' && Object.hasOwn(TREE_MODE_TYPES, item.mode))) invalid('mode');
      const mode = (item.mode ?? '100644') as GitMode;
      const type = TREE_MODE_TYPES[mode];
      if (item.type !== undefined && item.type !== type) invalid('type');
      if (typeof item.content === 'string') {
        // Content makes a blob: a directory or a submodule cannot be given as text.
        if (type !== 'blob') invalid('content');
        clear(path);
        flat.set(path, { sha: world.objects.writeBlob(Buffer.from(item.content)), mode });
      } else if (item.sha === null) {
        clear(path);
      } else {
        const sha = str(item.sha) ?? '';
        if (!/^[0-9a-f]{40}$/.test(sha)) invalid('sha');
        // A submodule's commit lives in another repository; blobs and subtrees must be in this one.
        if (type !== 'commit' && world.objects.get(sha)?.type !== type) invalid('sha');
        clear(path);
        if (type === 'tree') for (const [inner, file] of world.objects.flatten(sha)) flat.set(`${path}/${inner}`, file);
        else flat.set(path, { sha, mode });
      }
    }
    const sha = world.objects.writeFlat(flat);
    const tree = world.objects.get(sha);
    const base = render.repoUrl(repo.owner, repo.name);
    const entries = tree?.type === 'tree' ? tree.entries : [];
    const body = {
      sha,
      url: `${base}/git/trees/${sha}`,
      truncated: false,
      tree: entries.map((entry) => {
        const blob = world.objects.get(entry.sha);
        return { path: entry.name, mode: entry.mode, type: entry.type, sha: entry.sha, ...(blob?.type === 'blob' ? { size: blob.content.length } : {}), url: `${base}/git/${entry.type === 'tree' ? 'trees' : 'blobs'}/${entry.sha}` };
      }),
    };
    return { status: 201, body, headers: { location: body.url } };
  });

  add('GET', '/repos/{owner}/{repo}/git/blobs/{file_sha}', (request) => {
    const repo = repoOf(request.params);
    const blob = world.objects.get(request.params.file_sha ?? '');
    if (blob?.type !== 'blob') failHttp(404, 'Not Found');
    const content = (blob.content.toString('base64').match(/.{1,60}/g) ?? []).join('\n');
    return { status: 200, body: { sha: blob.sha, node_id: `B_${blob.sha.slice(0, 20)}`, size: blob.content.length, url: `${render.repoUrl(repo.owner, repo.name)}/git/blobs/${blob.sha}`, content: content === '' ? '' : `${content}\n`, encoding: 'base64' } };
  });

  add('POST', '/repos/{owner}/{repo}/git/blobs', (request) => {
    const repo = repoOf(request.params);
    const content = str(request.body.content);
    if (content === undefined) failHttp(422, 'Invalid request.\n\n"content" wasn\'t supplied.');
    const buffer = request.body.encoding === 'base64' ? Buffer.from(content, 'base64') : Buffer.from(content);
    const sha = world.objects.writeBlob(buffer);
    const url = `${render.repoUrl(repo.owner, repo.name)}/git/blobs/${sha}`;
    return { status: 201, body: { sha, url }, headers: { location: url } };
  });

  add('GET', '/repos/{owner}/{repo}/git/commits/{commit_sha}', (request) => {
    const repo = repoOf(request.params);
    const commit = world.objects.get(request.params.commit_sha ?? '');
    if (commit?.type !== 'commit') failHttp(404, 'Not Found');
    return { status: 200, body: render.gitCommit(repo, commit) };
  });

  add('POST', '/repos/{owner}/{repo}/git/commits', (request) => {
    const repo = repoOf(request.params);
    const tree = str(request.body.tree);
    if (!tree || world.objects.get(tree)?.type !== 'tree') failHttp(422, 'Tree SHA does not exist');
    const parents = strings(request.body.parents);
    if (parents.some((sha) => world.objects.get(sha)?.type !== 'commit')) failHttp(422, 'Parent SHA does not exist or is not a commit object');
    const message = str(request.body.message);
    if (message === undefined) failHttp(422, 'Invalid request.\n\n"message" wasn\'t supplied.');
    const personOf = (value: unknown) => {
      const fallback = world.person(request.login);
      if (!value || typeof value !== 'object') return fallback;
      const given = value as Record<string, unknown>;
      const date = str(given.date);
      // Git records the offset the date was given in (`+02:00` → `+0200`); REST shows it in UTC.
      const offset = date ? /([+-])(\d{2}):?(\d{2})$/.exec(date) : null;
      const tz = offset ? `${offset[1] ?? '+'}${offset[2] ?? '00'}${offset[3] ?? '00'}` : undefined;
      return { name: str(given.name) ?? fallback.name, email: str(given.email) ?? fallback.email, date: date ? new Date(date).toISOString().replace('.000Z', 'Z') : fallback.date, ...(tz ? { tz } : {}) };
    };
    const author = personOf(request.body.author);
    const fields = { tree, parents, message, author, committer: request.body.committer ? personOf(request.body.committer) : author };
    const signature = request.body.signature;
    if (signature !== undefined && (typeof signature !== 'string' || signature.trim() === '')) failHttp(422, 'Invalid request.\n\nInvalid signature.');
    let sha: string;
    if (typeof signature === 'string') {
      // A custom signature goes into the commit as its `gpgsig` header, as GitHub writes it.
      const encoded = encodeCommit(fields).toString('utf8');
      const split = encoded.indexOf('\n\n');
      const header = `gpgsig ${signature.replace(/\n$/, '').split('\n').join('\n ')}`;
      sha = world.objects.writeRaw('commit', Buffer.from(`${encoded.slice(0, split)}\n${header}${encoded.slice(split)}`));
    } else {
      sha = world.objects.writeCommit(fields);
      // GitHub signs a commit an app (bot) creates through the API without a signature of its own.
      if (isBotLogin(world, request.login)) world.markSigned(sha);
    }
    const commit = world.objects.get(sha);
    if (commit?.type !== 'commit') failHttp(500, 'Server Error');
    const body = render.gitCommit(repo, commit);
    return { status: 201, body, headers: { location: String(body.url) } };
  });

  const contents: Route['handle'] = (request) => {
    const repo = repoOf(request.params);
    const ref = request.query.get('ref') ?? repo.defaultBranch;
    const sha = world.resolveCommit(repo, ref);
    const commit = sha ? world.objects.get(sha) : undefined;
    if (commit?.type !== 'commit') failHttp(404, `No commit found for the ref ${ref}`);
    const path = (request.params.path ?? '').replace(/\/+$/, '');
    const flat = world.objects.flatten(commit.tree);
    const base = render.repoUrl(repo.owner, repo.name);
    const entry = (name: string, full: string, type: 'file' | 'dir', objectSha: string, size: number): Record<string, unknown> => {
      const url = `${base}/contents/${full}?ref=${encodeURIComponent(ref)}`;
      const gitUrl = `${base}/git/${type === 'dir' ? 'trees' : 'blobs'}/${objectSha}`;
      const html = `${render.repoUrl(repo.owner, repo.name).replace('/repos/', '/')}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${full}`;
      return { type, size, name, path: full, sha: objectSha, url, git_url: gitUrl, html_url: html, download_url: type === 'file' ? `${html}?raw=1` : null, _links: { self: url, git: gitUrl, html } };
    };
    const file = flat.get(path);
    if (file) {
      const blob = world.objects.get(file.sha);
      if (blob?.type !== 'blob') failHttp(404, 'Not Found');
      const meta = entry(path.split('/').at(-1) ?? path, path, 'file', file.sha, blob.content.length);
      // GitHub's JSON answer carries the content of files up to 1 MB only; past that `content` is empty and `encoding` is "none" (read the blob instead).
      if (blob.content.length > CONTENTS_LIMIT) return { status: 200, body: { ...meta, content: '', encoding: 'none' } };
      const content = (blob.content.toString('base64').match(/.{1,60}/g) ?? []).join('\n');
      return { status: 200, body: { ...meta, content: content === '' ? '' : `${content}\n`, encoding: 'base64' } };
    }
    let treeSha: string | undefined = commit.tree;
    for (const part of path === '' ? [] : path.split('/')) {
      const parent: GitObject | undefined = treeSha ? world.objects.get(treeSha) : undefined;
      treeSha = parent?.type === 'tree' ? parent.entries.find((item) => item.name === part && item.type === 'tree')?.sha : undefined;
    }
    const tree = treeSha ? world.objects.get(treeSha) : undefined;
    if (tree?.type !== 'tree') failHttp(404, 'Not Found');
    const listing = tree.entries.map((item) => {
      const full = path === '' ? item.name : `${path}/${item.name}`;
      const blob = world.objects.get(item.sha);
      return entry(item.name, full, item.type === 'tree' ? 'dir' : 'file', item.sha, blob?.type === 'blob' ? blob.content.length : 0);
    });
    return { status: 200, body: listing };
  };
  add('GET', '/repos/{owner}/{repo}/contents/{path}', contents);
  // The root directory (`contents/`, an empty path; the server drops the trailing slash): GitHub lists the root.
  routes.push({ method: 'GET', template: '/repos/{owner}/{repo}/contents/{path}', pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/contents$/, handle: contents });

  add('GET', '/repos/{owner}/{repo}/compare/{basehead}', (request) => {
    const repo = repoOf(request.params);
    const [baseRef, headRef] = (request.params.basehead ?? '').split('...');
    const baseSha = baseRef ? world.resolveCommit(repo, baseRef) : undefined;
    const headSha = headRef ? world.resolveCommit(repo, headRef) : undefined;
    if (!baseSha || !headSha) failHttp(404, 'Not Found');
    const mergeBase = world.mergeBase(baseSha, headSha) ?? baseSha;
    const ofBase = new Set(world.objects.ancestors(baseSha));
    const ofHead = new Set(world.objects.ancestors(headSha));
    const ahead = [...ofHead].filter((sha) => !ofBase.has(sha)).reverse();
    const behind = [...ofBase].filter((sha) => !ofHead.has(sha));
    const status = baseSha === headSha ? 'identical' : behind.length === 0 ? 'ahead' : ahead.length === 0 ? 'behind' : 'diverged';
    const commitBody = (sha: string) => {
      const commit = world.objects.get(sha);
      if (commit?.type !== 'commit') failHttp(404, 'Not Found');
      return render.restCommit(repo, commit);
    };
    const html = `${render.repoUrl(repo.owner, repo.name).replace('/repos/', '/')}/compare/${request.params.basehead}`;
    const body = {
      url: `${render.repoUrl(repo.owner, repo.name)}/compare/${request.params.basehead}`,
      html_url: html,
      permalink_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      base_commit: commitBody(baseSha),
      merge_base_commit: commitBody(mergeBase),
      status,
      ahead_by: ahead.length,
      behind_by: behind.length,
      total_commits: ahead.length,
      commits: ahead.map(commitBody),
      files: render.diffFiles(mergeBase, headSha).map((file) => render.fileEntry(repo, file)),
    };
    return { status: 200, body };
  });

  add('GET', '/repos/{owner}/{repo}/pulls', (request) => {
    const repo = repoOf(request.params);
    const state = request.query.get('state') ?? 'open';
    const head = request.query.get('head');
    const base = request.query.get('base');
    const list = world.pulls.filter((pull) => {
      if (pull.owner !== repo.owner || pull.repo !== repo.name) return false;
      if (state !== 'all' && pull.state !== state) return false;
      if (base && pull.baseRef !== base) return false;
      if (head) {
        const [owner, branch] = head.includes(':') ? head.split(':') : [repo.owner, head];
        if (owner?.toLowerCase() !== repo.owner.toLowerCase() || pull.headRef !== branch) return false;
      }
      return true;
    });
    const ordered = request.query.get('direction') === 'asc' ? list : [...list].reverse();
    const { page, headers } = paginate(ordered, request);
    return { status: 200, body: page.map((record) => render.pull(record)), headers };
  });

  add('POST', '/repos/{owner}/{repo}/pulls', (request) => {
    const repo = repoOf(request.params);
    const title = str(request.body.title);
    const head = str(request.body.head);
    const base = str(request.body.base);
    if (!title || !head || !base) failHttp(422, 'Validation Failed', [{ resource: 'PullRequest', field: !title ? 'title' : !head ? 'head' : 'base', code: 'missing_field' }]);
    const pull = world.openPull(repo, { title, head, base, body: str(request.body.body) ?? null, draft: request.body.draft === true }, request.login);
    const body = render.pull(pull);
    return { status: 201, body, headers: { location: String(body.url) } };
  });

  add('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', (request) => ({ status: 200, body: render.pull(pullOf(request.params), { startCompute: true }) }));

  add('PATCH', '/repos/{owner}/{repo}/pulls/{pull_number}', (request) => {
    const pull = pullOf(request.params);
    const state = request.body.state === 'open' || request.body.state === 'closed' ? request.body.state : undefined;
    const body = request.body.body === null ? null : str(request.body.body);
    world.updatePull(pull, { title: str(request.body.title), ...(body !== undefined ? { body } : {}), state, base: str(request.body.base) }, request.login);
    return { status: 200, body: render.pull(pull) };
  });

  add('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/files', (request) => {
    const pull = pullOf(request.params);
    const repo = repoOf(request.params);
    const { page, headers } = paginate(render.pullFiles(pull), request);
    return { status: 200, body: page.map((file) => render.fileEntry(repo, file)), headers };
  });

  add('PUT', '/repos/{owner}/{repo}/pulls/{pull_number}/merge', (request) => {
    const pull = pullOf(request.params);
    const method = request.body.merge_method === 'squash' || request.body.merge_method === 'rebase' ? request.body.merge_method : 'merge';
    if (request.body.merge_method !== undefined && request.body.merge_method !== method) failHttp(422, 'Validation Failed', [{ resource: 'PullRequest', field: 'merge_method', code: 'invalid' }]);
    const repo = repoOf(request.params);
    // A branch behind a merge queue takes merges only through the queue.
    if (pull.state === 'open' && mergeQueueRule(world.branchRules(repo, pull.baseRef))) failHttp(405, 'Changes must be made through the merge queue');
    const notAllowed = pull.state === 'open' ? methodRefusal(repo, method) : undefined;
    if (notAllowed) failHttp(405, notAllowed);
    const sha = world.mergePull(pull, { sha: str(request.body.sha), method, title: str(request.body.commit_title), message: str(request.body.commit_message) }, request.login);
    return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
  });

  add('PUT', '/repos/{owner}/{repo}/pulls/{pull_number}/update-branch', (request) => {
    const pull = pullOf(request.params);
    const expected = request.body.expected_head_sha;
    if (expected !== undefined && typeof expected !== 'string') failHttp(422, 'Invalid request.\n\nFor \'properties/expected_head_sha\', ' + JSON.stringify(expected) + ' is not a string.');
    try {
      world.mergeQueue.updateBranch(pull, request.login, expected);
    } catch (error) {
      failHttp(422, error instanceof Error ? error.message : String(error));
    }
    return { status: 202, body: { message: 'Updating pull request branch.', url: `${render.repoUrl(pull.owner, pull.repo)}/pulls/${pull.number}` } };
  });

  add('POST', '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', (request) => {
    const pull = pullOf(request.params);
    const reviewers = strings(request.body.reviewers);
    if (reviewers.includes(pull.login)) failHttp(422, 'Review cannot be requested from pull request author.');
    for (const login of reviewers) if (!pull.requestedReviewers.includes(login)) pull.requestedReviewers.push(login);
    for (const slug of strings(request.body.team_reviewers)) if (!pull.requestedTeams.includes(slug)) pull.requestedTeams.push(slug);
    world.reviewsRequested(pull);
    return { status: 201, body: render.pull(pull) };
  });

  add('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/reviews', (request) => {
    const pull = pullOf(request.params);
    const { page, headers } = paginate(pull.reviews, request);
    return { status: 200, body: page.map((review) => render.review(pull, review)), headers };
  });

  add('POST', '/repos/{owner}/{repo}/pulls/{pull_number}/reviews', (request) => {
    const pull = pullOf(request.params);
    const review = world.submitReview(pull, { event: str(request.body.event), body: str(request.body.body), commitId: str(request.body.commit_id) }, request.login);
    pull.requestedReviewers = pull.requestedReviewers.filter((login) => login !== request.login);
    return { status: 200, body: render.review(pull, review) };
  });

  add('POST', '/repos/{owner}/{repo}/issues/{issue_number}/labels', (request) => {
    const pull = pullOf(request.params, 'issue_number');
    const given = strings(request.body.labels);
    if (given.length === 0) failHttp(422, 'Invalid request.\n\nNo labels given.');
    for (const name of given) if (!pull.labels.includes(name)) pull.labels.push(name);
    return { status: 200, body: render.pull(pull).labels };
  });

  add('GET', '/repos/{owner}/{repo}/issues/{issue_number}/comments', (request) => {
    const pull = pullOf(request.params, 'issue_number');
    const { page, headers } = paginate(pull.comments, request);
    return { status: 200, body: page.map((comment) => render.comment(pull, comment)), headers };
  });

  add('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', (request) => {
    const pull = pullOf(request.params, 'issue_number');
    const text = str(request.body.body);
    if (!text) failHttp(422, 'Validation Failed', [{ resource: 'IssueComment', field: 'body', code: 'missing_field' }]);
    // GitHub refuses comment bodies over 65,536 characters.
    if (text.length > 65_536) failHttp(422, 'Validation Failed', [{ resource: 'IssueComment', field: 'body', code: 'custom', message: 'body is too long (maximum is 65536 characters)' }]);
    const comment = { id: world.newId(), login: request.login, body: text, createdAt: world.iso(world.now()) };
    pull.comments.push(comment);
    const body = render.comment(pull, comment);
    return { status: 201, body, headers: { location: String(body.url) } };
  });

  add('GET', '/repos/{owner}/{repo}/commits/{ref}/check-runs', (request) => {
    const repo = repoOf(request.params);
    const sha = world.resolveCommit(repo, request.params.ref ?? '');
    if (!sha) failHttp(404, 'Not Found');
    const name = request.query.get('check_name');
    const status = request.query.get('status');
    // GitHub's default `filter=latest` lists only the newest run of each check; `all` adds earlier attempts.
    const all = request.query.get('filter') === 'all';
    const runs = (all ? world.runsFor(repo, sha) : world.latestRunsFor(repo, sha)).filter((run) => (!name || run.name === name) && (!status || run.status === status));
    const { page, headers } = paginate(runs, request);
    return { status: 200, body: { total_count: runs.length, check_runs: page.map(render.checkRun) }, headers };
  });

  add('POST', '/repos/{owner}/{repo}/check-suites/{check_suite_id}/rerequest', (request) => {
    const repo = repoOf(request.params);
    world.rerequestSuite(repo, Number(request.params.check_suite_id));
    // GitHub answers 201 with an empty object.
    return { status: 201, body: {} };
  });

  add('GET', '/repos/{owner}/{repo}/commits/{ref}/status', (request) => {
    const repo = repoOf(request.params);
    const sha = world.resolveCommit(repo, request.params.ref ?? '');
    if (!sha) failHttp(404, 'Not Found');
    return { status: 200, body: render.combinedStatus(repo, sha) };
  });

  add('GET', '/repos/{owner}/{repo}/branches/{branch}/protection', (request) => {
    const repo = repoOf(request.params);
    const branch = request.params.branch ?? '';
    if (!repo.refs.has(`heads/${branch}`)) failHttp(404, 'Branch not found');
    if (branch !== repo.defaultBranch || !repo.protection) failHttp(404, 'Branch not protected');
    const url = `${render.repoUrl(repo.owner, repo.name)}/branches/${branch}/protection`;
    const body: Record<string, unknown> = {
      url,
      required_status_checks: {
        url: `${url}/required_status_checks`,
        strict: repo.protection.strict === true,
        contexts: repo.protection.requiredChecks,
        contexts_url: `${url}/required_status_checks/contexts`,
        checks: repo.protection.requiredChecks.map((context) => ({ context, app_id: 15368 })),
      },
      enforce_admins: { url: `${url}/enforce_admins`, enabled: false },
      required_linear_history: { enabled: false },
      allow_force_pushes: { enabled: false },
      allow_deletions: { enabled: false },
      block_creations: { enabled: false },
      required_conversation_resolution: { enabled: false },
      lock_branch: { enabled: false },
      allow_fork_syncing: { enabled: false },
      required_signatures: { url: `${url}/required_signatures`, enabled: repo.protection.requiredSignatures === true },
    };
    if (repo.protection.requiredApprovals !== undefined) {
      body.required_pull_request_reviews = {
        url: `${url}/required_pull_request_reviews`,
        dismiss_stale_reviews: repo.protection.dismissStaleReviews === true,
        require_code_owner_reviews: repo.protection.requireCodeOwnerReviews === true,
        required_approving_review_count: repo.protection.requiredApprovals,
        require_last_push_approval: repo.protection.requireLastPushApproval === true,
      };
    }
    return { status: 200, body };
  });

  add('GET', '/repos/{owner}/{repo}/branches/{branch}/protection/required_signatures', (request) => {
    const repo = repoOf(request.params);
    const branch = request.params.branch ?? '';
    if (!repo.refs.has(`heads/${branch}`)) failHttp(404, 'Branch not found');
    if (branch !== repo.defaultBranch || !repo.protection) failHttp(404, 'Branch not protected');
    return { status: 200, body: { url: `${render.repoUrl(repo.owner, repo.name)}/branches/${branch}/protection/required_signatures`, enabled: repo.protection.requiredSignatures === true } };
  });

  addRulesetRoutes(add, world, render, paginate);

  addDeploymentRoutes(add, world, render, paginate);

  addSearchRoutes(add, world, render, options.search);
  if (options.actions) addActionsRoutes(add, world, options.actions.actions, options.actions.view, paginate);
  return routes;
}

/** Finds the route for a method and path; `allowed` lists methods the path takes when none matched. */
export function matchRoute(routes: Route[], method: string, path: string): { route: Route; params: Record<string, string> } | { allowed: string[] } {
  const allowed: string[] = [];
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(match.groups ?? {})) params[key] = decodeURIComponent(value);
    return { route, params };
  }
  return { allowed };
}
