import { createHash } from 'node:crypto';
import type { CommitVerification } from './state.js';

/**
 * Response bodies in the shapes GitHub's OpenAPI description gives them. Only the builders live
 * here; the records they read are in `state.ts`. URLs point at the fake's own base so that links
 * shown in Slack stay on the loopback.
 */

export interface ShapeContext {
  /** The API base, e.g. http://127.0.0.1:4010 */
  base: string;
}

const EPOCH = '2020-01-01T00:00:00Z';

/** A stable positive id for a name (users, teams, labels): the same name always gets the same id. */
export function stableId(kind: string, name: string): number {
  return createHash('sha1').update(`${kind}:${name}`).digest().readUInt32BE(0) % 90_000_000 + 1_000_000;
}

export function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`${kind}:${id}`).toString('base64').replace(/=+$/, '');
}

export function renderUser(ctx: ShapeContext, login: string, type: 'User' | 'Organization' | 'Bot' = 'User'): Record<string, unknown> {
  const id = stableId('user', login);
  const url = `${ctx.base}/users/${login}`;
  return {
    login,
    id,
    node_id: nodeId(type === 'Organization' ? 'O' : 'U', id),
    avatar_url: `${ctx.base}/avatars/${login}`,
    gravatar_id: '',
    url,
    html_url: `${ctx.base}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: false,
  };
}

export interface RepoView {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  topics: string[];
  language: string | null;
  archived: boolean;
  description: string | null;
  createdAt: string;
  pushedAt: string;
  openPulls: number;
  fork?: boolean;
}

export function renderRepo(ctx: ShapeContext, repo: RepoView): Record<string, unknown> {
  const fullName = `${repo.owner}/${repo.name}`;
  const url = `${ctx.base}/repos/${fullName}`;
  return {
    id: repo.id,
    node_id: nodeId('R', repo.id),
    name: repo.name,
    full_name: fullName,
    private: true,
    owner: renderUser(ctx, repo.owner, 'Organization'),
    html_url: `${ctx.base}/${fullName}`,
    description: repo.description,
    fork: repo.fork === true,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://127.0.0.1/${fullName}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@127.0.0.1:${fullName}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${ctx.base}/${fullName}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: `${ctx.base}/${fullName}`,
    homepage: null,
    language: repo.language,
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 100,
    default_branch: repo.defaultBranch,
    open_issues_count: repo.openPulls,
    open_issues: repo.openPulls,
    is_template: false,
    topics: repo.topics,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: repo.archived,
    disabled: false,
    visibility: 'private',
    pushed_at: repo.pushedAt,
    created_at: repo.createdAt,
    updated_at: repo.pushedAt,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    allow_forking: false,
    web_commit_signoff_required: false,
    license: null,
    network_count: 0,
    subscribers_count: 0,
  };
}

export function renderLabel(ctx: ShapeContext, owner: string, repo: string, name: string): Record<string, unknown> {
  const id = stableId('label', `${owner}/${repo}/${name}`);
  return {
    id,
    node_id: nodeId('LA', id),
    url: `${ctx.base}/repos/${owner}/${repo}/labels/${encodeURIComponent(name)}`,
    name,
    description: null,
    color: 'ededed',
    default: false,
  };
}

export function renderTeam(ctx: ShapeContext, org: string, slug: string): Record<string, unknown> {
  const id = stableId('team', `${org}/${slug}`);
  return {
    id,
    node_id: nodeId('T', id),
    url: `${ctx.base}/orgs/${org}/teams/${slug}`,
    html_url: `${ctx.base}/orgs/${org}/teams/${slug}`,
    name: slug,
    slug,
    description: null,
    privacy: 'closed',
    notification_setting: 'notifications_enabled',
    permission: 'pull',
    members_url: `${ctx.base}/orgs/${org}/teams/${slug}/members{/member}`,
    repositories_url: `${ctx.base}/orgs/${org}/teams/${slug}/repos`,
    parent: null,
    type: 'organization',
    organization_id: stableId('user', org),
  };
}

export function renderCommitPerson(person: { name: string; email: string; date: string }): Record<string, unknown> {
  return { name: person.name, email: person.email, date: person.date };
}

export function renderVerification(verification: CommitVerification): Record<string, unknown> {
  return { verified: verification.verified, reason: verification.reason, signature: verification.signature, payload: verification.payload, verified_at: verification.verified_at };
}

export { EPOCH };
