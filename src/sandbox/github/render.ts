import { diffLines as lineDiff } from './diff.js';
import { isBinaryContent, type GitObject, type GitPerson } from './git-objects.js';
import { nodeId, renderLabel, renderRepo, renderTeam, renderUser, renderVerification, stableId, type ShapeContext } from './shapes.js';
import type { CheckRunRecord, CommentRecord, PullRecord, RepoRecord, ReviewRecord, World } from './state.js';

/** A commit's author or committer as REST shows it: the date in UTC, whatever zone git recorded. */
function restPerson(person: GitPerson): { name: string; email: string; date: string } {
  return { name: person.name, email: person.email, date: person.date };
}

/** Renders the world's records in GitHub's response shapes. */
export function createRenderer(world: World, ctx: ShapeContext) {
  const repoUrl = (owner: string, name: string): string => `${ctx.base}/repos/${owner}/${name}`;

  function repo(record: RepoRecord): Record<string, unknown> {
    const openPulls = world.pulls.filter((pull) => pull.owner === record.owner && pull.repo === record.name && pull.state === 'open').length;
    return renderRepo(ctx, { ...record, openPulls });
  }

  function gitRef(record: RepoRecord, ref: string, sha: string): Record<string, unknown> {
    return {
      ref: `refs/${ref}`,
      node_id: nodeId('REF', `${record.id}:${ref}`),
      url: `${repoUrl(record.owner, record.name)}/git/refs/${ref}`,
      object: world.objects.get(sha)?.type === 'tag' ? { type: 'tag', sha, url: `${repoUrl(record.owner, record.name)}/git/tags/${sha}` } : { type: 'commit', sha, url: `${repoUrl(record.owner, record.name)}/git/commits/${sha}` },
    };
  }

  function gitCommit(record: RepoRecord, commit: Extract<GitObject, { type: 'commit' }>): Record<string, unknown> {
    const url = repoUrl(record.owner, record.name);
    return {
      sha: commit.sha,
      node_id: nodeId('C', commit.sha),
      url: `${url}/git/commits/${commit.sha}`,
      html_url: `${ctx.base}/${record.owner}/${record.name}/commit/${commit.sha}`,
      author: restPerson(commit.author),
      committer: restPerson(commit.committer),
      tree: { sha: commit.tree, url: `${url}/git/trees/${commit.tree}` },
      message: commit.message,
      parents: commit.parents.map((sha) => ({ sha, url: `${url}/git/commits/${sha}`, html_url: `${ctx.base}/${record.owner}/${record.name}/commit/${sha}` })),
      verification: renderVerification(world.verification(commit.sha)),
    };
  }

  /** The "commit" shape of the REST commits API (used by compare). */
  function restCommit(record: RepoRecord, commit: Extract<GitObject, { type: 'commit' }>): Record<string, unknown> {
    const url = repoUrl(record.owner, record.name);
    const login = commit.author.email.endsWith('@users.noreply.github.com') ? commit.author.email.split('@')[0].replace(/^\d+\+/, '') : undefined;
    return {
      url: `${url}/commits/${commit.sha}`,
      sha: commit.sha,
      node_id: nodeId('C', commit.sha),
      html_url: `${ctx.base}/${record.owner}/${record.name}/commit/${commit.sha}`,
      comments_url: `${url}/commits/${commit.sha}/comments`,
      commit: {
        url: `${url}/git/commits/${commit.sha}`,
        author: restPerson(commit.author),
        committer: restPerson(commit.committer),
        message: commit.message,
        comment_count: 0,
        tree: { sha: commit.tree, url: `${url}/git/trees/${commit.tree}` },
        verification: renderVerification(world.verification(commit.sha)),
      },
      author: login ? renderUser(ctx, login) : null,
      committer: login ? renderUser(ctx, login) : null,
      parents: commit.parents.map((sha) => ({ sha, url: `${url}/commits/${sha}`, html_url: `${ctx.base}/${record.owner}/${record.name}/commit/${sha}` })),
    };
  }

  function branchSide(record: RepoRecord, ref: string, sha: string): Record<string, unknown> {
    return { label: `${record.owner}:${ref}`, ref, sha, user: renderUser(ctx, record.owner, 'Organization'), repo: repo(record) };
  }

  /** A PR in GitHub's shape; `startCompute` (a read of the single PR) starts GitHub's mergeability job. */
  function pull(record: PullRecord, options: { startCompute?: boolean } = {}): Record<string, unknown> {
    const owner = world.getRepo(record.owner, record.repo);
    const url = `${repoUrl(record.owner, record.repo)}/pulls/${record.number}`;
    const html = `${ctx.base}/${record.owner}/${record.repo}/pull/${record.number}`;
    const issue = `${repoUrl(record.owner, record.repo)}/issues/${record.number}`;
    const baseSha = world.resolveCommit(owner, record.baseRef) ?? record.headSha;
    const { mergeable, state } = world.observedMergeability(record, options.startCompute === true);
    const files = pullFiles(record);
    const onBase = new Set(world.objects.ancestors(baseSha));
    const commits = world.objects.ancestors(record.headSha).filter((sha) => !onBase.has(sha)).length;
    return {
      url,
      id: record.id,
      node_id: nodeId('PR', record.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: issue,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: `${repoUrl(record.owner, record.repo)}/pulls/comments{/number}`,
      comments_url: `${issue}/comments`,
      statuses_url: `${repoUrl(record.owner, record.repo)}/statuses/${record.headSha}`,
      number: record.number,
      state: record.state,
      locked: false,
      title: record.title,
      user: renderUser(ctx, record.login),
      body: record.body,
      labels: record.labels.map((name) => renderLabel(ctx, record.owner, record.repo, name)),
      milestone: null,
      active_lock_reason: null,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      closed_at: record.closedAt,
      merged_at: record.mergedAt,
      merge_commit_sha: record.mergeCommitSha,
      assignee: null,
      assignees: [],
      requested_reviewers: record.requestedReviewers.map((login) => renderUser(ctx, login)),
      requested_teams: record.requestedTeams.map((slug) => renderTeam(ctx, record.owner, slug)),
      head: branchSide(owner, record.headRef, record.headSha),
      base: branchSide(owner, record.baseRef, baseSha),
      _links: {
        self: { href: url },
        html: { href: html },
        issue: { href: issue },
        comments: { href: `${issue}/comments` },
        review_comments: { href: `${url}/comments` },
        review_comment: { href: `${repoUrl(record.owner, record.repo)}/pulls/comments{/number}` },
        commits: { href: `${url}/commits` },
        statuses: { href: `${repoUrl(record.owner, record.repo)}/statuses/${record.headSha}` },
      },
      author_association: 'CONTRIBUTOR',
      auto_merge: autoMerge(record),
      draft: record.draft,
      merged: record.merged,
      mergeable,
      rebaseable: mergeable,
      mergeable_state: state,
      merged_by: record.mergedBy ? renderUser(ctx, record.mergedBy) : null,
      comments: record.comments.length,
      review_comments: 0,
      maintainer_can_modify: false,
      commits,
      additions: files.reduce((sum, file) => sum + file.additions, 0),
      deletions: files.reduce((sum, file) => sum + file.deletions, 0),
      changed_files: files.length,
    };
  }

  /** A PR's auto-merge request in GitHub's `auto-merge` shape; null when it has none. */
  function autoMerge(record: PullRecord): Record<string, unknown> | null {
    const request = world.mergeQueue.autoMergeOf(record);
    if (!request) return null;
    return { enabled_by: renderUser(ctx, request.enabledBy), merge_method: request.method, commit_title: request.method === 'merge' ? `Merge pull request #${record.number} from ${record.owner}/${record.headRef}` : `${record.title} (#${record.number})`, commit_message: '' };
  }

  /** The diff-stat entries of the files endpoints, between a merge base and a head. */
  /** Binary files (git's test) get no patch and no line counts, as on GitHub. */
  function diffFiles(fromSha: string | undefined, toSha: string): { filename: string; status: string; additions: number; deletions: number; sha: string; patch?: string }[] {
    const treeOf = (sha: string | undefined) => {
      const commit = sha ? world.objects.get(sha) : undefined;
      return commit?.type === 'commit' ? world.objects.flatten(commit.tree) : new Map<string, { sha: string }>();
    };
    const before = treeOf(fromSha);
    const after = treeOf(toSha);
    const content = (sha: string | undefined): Buffer => {
      const blob = sha ? world.objects.get(sha) : undefined;
      return blob?.type === 'blob' ? blob.content : Buffer.alloc(0);
    };
    const out = [];
    for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const a = before.get(path)?.sha;
      const b = after.get(path)?.sha;
      if (a === b) continue;
      const status = !a ? 'added' : !b ? 'removed' : 'modified';
      const [was, now] = [content(a), content(b)];
      if (isBinaryContent(was) || isBinaryContent(now)) {
        out.push({ filename: path, status, additions: 0, deletions: 0, sha: b ?? a ?? '' });
        continue;
      }
      const diff = lineDiff(was.toString('utf8'), now.toString('utf8'));
      out.push({ filename: path, status, additions: diff.additions, deletions: diff.deletions, sha: b ?? a ?? '', patch: diff.patch });
    }
    return out;
  }

  function pullFiles(record: PullRecord) {
    const owner = world.getRepo(record.owner, record.repo);
    // After a merge the base branch contains the head, so diff from where they forked instead.
    const merge = record.mergeCommitSha ? world.objects.get(record.mergeCommitSha) : undefined;
    const baseSha = merge?.type === 'commit' ? merge.parents[0] : world.resolveCommit(owner, record.baseRef);
    return diffFiles(baseSha ? world.mergeBase(baseSha, record.headSha) : undefined, record.headSha);
  }

  function fileEntry(record: RepoRecord, file: ReturnType<typeof diffFiles>[number]): Record<string, unknown> {
    const url = repoUrl(record.owner, record.name);
    return {
      sha: file.sha,
      filename: file.filename,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      changes: file.additions + file.deletions,
      blob_url: `${ctx.base}/${record.owner}/${record.name}/blob/${file.sha}/${file.filename}`,
      raw_url: `${ctx.base}/${record.owner}/${record.name}/raw/${file.sha}/${file.filename}`,
      contents_url: `${url}/contents/${file.filename}`,
      ...(file.patch === undefined ? {} : { patch: file.patch }),
    };
  }

  const actionsApp = (): Record<string, unknown> => ({
    id: 15368,
    slug: 'github-actions',
    node_id: nodeId('A', 15368),
    owner: renderUser(ctx, 'github', 'Organization'),
    name: 'GitHub Actions',
    description: 'Automate your workflow from idea to production',
    external_url: 'https://help.github.com/en/actions',
    html_url: `${ctx.base}/apps/github-actions`,
    created_at: '2018-07-30T09:30:17Z',
    updated_at: '2019-12-10T19:04:12Z',
    permissions: { checks: 'write', contents: 'write', pull_requests: 'write', statuses: 'write' },
    events: ['check_run', 'check_suite', 'pull_request', 'push'],
  });

  function checkRun(run: CheckRunRecord): Record<string, unknown> {
    const url = repoUrl(run.owner, run.repo);
    const owner = world.getRepo(run.owner, run.repo);
    const html = `${ctx.base}/${run.owner}/${run.repo}/runs/${run.id}`;
    const summary = run.conclusion === 'failure' ? `${run.name} failed` : run.conclusion ? `${run.name} ${run.conclusion}` : `${run.name} is ${run.status.replace('_', ' ')}`;
    // A completed run shows what its CI found (a manifest that does not parse), as a real CI's output does.
    const shown = run.status === 'completed' && run.output ? run.output : { title: summary, summary };
    return {
      id: run.id,
      head_sha: run.headSha,
      node_id: nodeId('CR', run.id),
      external_id: String(run.id),
      url: `${url}/check-runs/${run.id}`,
      html_url: html,
      details_url: html,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: { title: shown.title, summary: shown.summary, text: null, annotations_count: 0, annotations_url: `${url}/check-runs/${run.id}/annotations` },
      name: run.name,
      check_suite: { id: run.suiteId },
      app: actionsApp(),
      pull_requests: world.pulls
        .filter((pull) => pull.owner === run.owner && pull.repo === run.repo && pull.state === 'open' && pull.headSha === run.headSha)
        .map((pull) => ({
          id: pull.id,
          number: pull.number,
          url: `${url}/pulls/${pull.number}`,
          head: { ref: pull.headRef, sha: pull.headSha, repo: { id: owner.id, url, name: owner.name } },
          base: { ref: pull.baseRef, sha: world.resolveCommit(owner, pull.baseRef) ?? pull.headSha, repo: { id: owner.id, url, name: owner.name } },
        })),
    };
  }

  function checkSuite(runs: CheckRunRecord[]): Record<string, unknown> {
    const first = runs[0];
    const url = repoUrl(first.owner, first.repo);
    const failed = runs.some((run) => run.conclusion === 'failure' || run.conclusion === 'timed_out' || run.conclusion === 'cancelled');
    const completed = runs.every((run) => run.status === 'completed');
    const pullRequests = (checkRun(first).pull_requests as unknown[]) ?? [];
    return {
      id: first.suiteId,
      node_id: nodeId('CS', first.suiteId),
      head_branch: first.headBranch,
      head_sha: first.headSha,
      status: completed ? 'completed' : 'queued',
      conclusion: completed ? (failed ? 'failure' : 'success') : null,
      url: `${url}/check-suites/${first.suiteId}`,
      before: null,
      after: first.headSha,
      pull_requests: pullRequests,
      app: actionsApp(),
      created_at: first.startedAt,
      updated_at: runs.map((run) => run.completedAt ?? run.startedAt).sort().at(-1),
      latest_check_runs_count: runs.length,
      check_runs_url: `${url}/check-suites/${first.suiteId}/check-runs`,
      rerequestable: world.getRepo(first.owner, first.repo).ci?.rerequestable !== false,
    };
  }

  function statusState(run: CheckRunRecord): 'pending' | 'success' | 'failure' | 'error' {
    if (run.status !== 'completed') return 'pending';
    if (run.conclusion === 'success' || run.conclusion === 'neutral' || run.conclusion === 'skipped') return 'success';
    return run.conclusion === 'failure' ? 'failure' : 'error';
  }

  function status(run: CheckRunRecord): Record<string, unknown> {
    const id = stableId('status', `${run.id}:${run.status}`);
    return {
      url: `${repoUrl(run.owner, run.repo)}/statuses/${run.headSha}`,
      avatar_url: `${ctx.base}/avatars/github-actions`,
      id,
      node_id: nodeId('SC', id),
      state: statusState(run),
      description: `${run.name}: ${run.conclusion ?? run.status}`,
      target_url: `${ctx.base}/${run.owner}/${run.repo}/runs/${run.id}`,
      context: run.name,
      created_at: run.startedAt,
      updated_at: run.completedAt ?? run.startedAt,
    };
  }

  function combinedStatus(record: RepoRecord, sha: string): Record<string, unknown> {
    // A commit status per context: a re-run's status replaces the earlier one, as on GitHub.
    const runs = world.latestRunsFor(record, sha);
    const states = runs.map(statusState);
    const state = states.some((s) => s === 'failure' || s === 'error') ? 'failure' : states.length > 0 && states.every((s) => s === 'success') ? 'success' : 'pending';
    return {
      state,
      statuses: runs.map(status),
      sha,
      total_count: runs.length,
      repository: repo(record),
      commit_url: `${repoUrl(record.owner, record.name)}/commits/${sha}`,
      url: `${repoUrl(record.owner, record.name)}/commits/${sha}/status`,
    };
  }

  function review(record: PullRecord, item: ReviewRecord): Record<string, unknown> {
    const html = `${ctx.base}/${record.owner}/${record.repo}/pull/${record.number}`;
    return {
      id: item.id,
      node_id: nodeId('PRR', item.id),
      user: renderUser(ctx, item.login),
      body: item.body,
      state: item.state,
      html_url: `${html}#pullrequestreview-${item.id}`,
      pull_request_url: `${repoUrl(record.owner, record.repo)}/pulls/${record.number}`,
      _links: { html: { href: `${html}#pullrequestreview-${item.id}` }, pull_request: { href: `${repoUrl(record.owner, record.repo)}/pulls/${record.number}` } },
      ...(item.state === 'PENDING' ? {} : { submitted_at: item.submittedAt }),
      commit_id: item.commitId,
      author_association: 'MEMBER',
    };
  }

  function comment(record: PullRecord, item: CommentRecord): Record<string, unknown> {
    const url = repoUrl(record.owner, record.repo);
    return {
      id: item.id,
      node_id: nodeId('IC', item.id),
      url: `${url}/issues/comments/${item.id}`,
      html_url: `${ctx.base}/${record.owner}/${record.repo}/pull/${record.number}#issuecomment-${item.id}`,
      body: item.body,
      user: renderUser(ctx, item.login),
      created_at: item.createdAt,
      updated_at: item.createdAt,
      issue_url: `${url}/issues/${record.number}`,
      author_association: 'MEMBER',
    };
  }

  /** GET /user: the token's account in GitHub's public-user shape. */
  function authenticatedUser(login: string): Record<string, unknown> {
    const created = '2020-01-01T00:00:00Z';
    return { ...renderUser(ctx, login), name: login, company: null, blog: '', location: null, email: null, hireable: null, bio: null, public_repos: 0, public_gists: 0, followers: 0, following: 0, created_at: created, updated_at: created };
  }

  const user = (login: string): Record<string, unknown> => renderUser(ctx, login);
  return { user, repo, gitRef, gitCommit, restCommit, pull, pullFiles, diffFiles, fileEntry, checkRun, checkSuite, status, combinedStatus, review, comment, repoUrl, authenticatedUser };
}

export type Renderer = ReturnType<typeof createRenderer>;
