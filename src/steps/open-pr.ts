import { lstat, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Step, StepContext, StepResult } from './types.js';
import type { OpenPrOptions } from '../domain/step-options.js';
import type { FileChange, GitHubStepDeps, PullRequest, RepoInfo } from '../github/gateway.js';
import { applyChange, pathsToRead } from '../changes/apply-change.js';
import { applyChangeInDirectory, type DirectoryChange } from '../changes/apply-in-directory.js';
import { buildDiffSizeSignal } from '../confidence/signals.js';
import { isFleetError } from '../errors.js';
import { branchFor, markerFor, renderTemplate, workspaceKey } from '../github/step-support.js';
import { runGit, type GitIdentity } from '../workspace/git.js';
import { commitAndPush, type Workspace } from '../workspace/workspaces.js';

/**
 * open-pr: makes the campaign's change on the default branch, commits it to the campaign's
 * branch and opens (or finds) the PR, with the spec's labels (none asked, no request) and
 * CODEOWNERS reviewers (GitHub asks those of a ready PR itself; Fleet asks a draft's).
 *
 * With a workspace pool (`deps.workspaces`, which the runtime always gives) the change is made in
 * a real checkout of the default branch at its head (`applyChangeInDirectory`: every kind, `run`
 * included) and pushed with one `git push` (branch and commit in one request). Where the default
 * branch's protection requires signed commits, the same change goes through the git data API
 * instead, so that GitHub signs the commit. Without a pool (step tests, callers with no disk) the
 * in-memory kinds read their files over REST and commit through the git data API, as before.
 *
 * Idempotent by find-before-create: the branch name is deterministic and the PR body carries a
 * marker, so a re-run after a crash at any point finds the branch, commit, PR, labels and
 * reviewers it made; a branch that already holds exactly this change on this base is not pushed
 * again. Retried after a merge conflict (its state says `rebuild`), it makes the change again on
 * the default branch's current head and moves the PR's branch there with
 * `--force-with-lease=<the head Fleet recorded>`: a commit someone else pushed to the branch makes
 * the lease fail, and the target goes to a person instead of losing their work.
 *
 * @example
 * const result = await openPrStep.run(ctx); // { kind: 'done', patch: { prNumber: 7, ... } }
 */
export const openPrStep: Step<OpenPrOptions, GitHubStepDeps> = {
  kind: 'open-pr',
  async run(ctx) {
    const { github } = ctx.deps;
    const { spec, target, campaign } = ctx;
    const repo = target.repo;
    const info = await github.getRepo(repo);
    if (!info) return { kind: 'needs-human', reason: `${repo} was not found on GitHub: check the name, or skip the target.` };
    if (info.archived) return { kind: 'done', skipTarget: `${repo} is archived`, data: { skipped: 'archived' } };

    const branch = branchFor(spec);
    const marker = markerFor(campaign, target);
    const existing = await github.findPr({ repo, branch, marker });
    // A Retry after a merge conflict (or a branch behind a strict base): the change is made again
    // on the default branch as it is now, and the PR's branch is moved onto it.
    const rebuild = ctx.state.rebuild === 'dirty' || ctx.state.rebuild === 'behind' ? ctx.state.rebuild : undefined;
    if (existing && !(rebuild && existing.state === 'open' && !existing.merged)) return finish(existing, info.defaultBranch, undefined, 'found');

    const baseSha = await github.getBranchSha(repo, info.defaultBranch);
    if (!baseSha) return { kind: 'needs-human', reason: `${repo} has no commit on ${info.defaultBranch}; nothing to change.` };
    const title = renderTemplate(spec.pr.title, { campaign: spec.name, repo, description: spec.description });
    // The head Fleet recorded for its PR: the lease of a rebuild. Someone else's push since then makes it fail.
    const lease = existing ? (target.headSha ?? existing.headSha) : undefined;

    const made = ctx.deps.workspaces ? await inWorkspace(ctx, info, { branch, baseSha, title, lease }) : await inMemory(ctx, info, { branch, baseSha, title, lease });
    if (made.kind === 'result') return made.result;
    const { commit, change } = made;
    {
      const facts = { stats: change.stats, paths: change.paths };
      if (existing) {
        // The PR follows its branch: read it again for the new head.
        const moved = (await github.getPr(repo, existing.number)) ?? existing;
        const result = await finish(moved, info.defaultBranch, facts, 'rebuilt', change.reason, change.unsandboxed, { rebuild: rebuild!, baseSha, previousHead: existing.headSha }, made.evidence);
        await made.done?.();
        return result;
      }
      const rendered = renderTemplate(spec.pr.body, { campaign: spec.name, repo, description: spec.description });
      const body = change.unsandboxed ? `${rendered}\n\n> This change was made by a codemod that ran without a sandbox (FLEET_UNSANDBOXED=1).` : rendered;
      const pr = await github.openPr({ repo, branch, base: info.defaultBranch, title, body, marker, draft: spec.pr.draft });
      const result = await finish(pr, info.defaultBranch, facts, commit.action === 'unchanged' ? 'found' : 'created', change.reason, change.unsandboxed, undefined, made.evidence);
      await made.done?.();
      return result;
    }

    async function finish(pr: PullRequest, base: string, known: { stats: Stats; paths: string[] } | undefined, how: 'found' | 'created' | 'rebuilt', summary?: string, unsandboxed = false, rebuilt?: { rebuild: string; baseSha: string; previousHead: string }, evidence?: Record<string, unknown>) {
      // A PR found on a re-run: its own file list is the truth about what it changes.
      const facts = known ?? (await describePr(pr.number));
      await github.addLabels(repo, pr.number, spec.pr.labels.filter((l) => !pr.labels.includes(l)));
      const reviewers = spec.pr.reviewersFromCodeowners
        ? await github.requestReviewers({ repo, pr, paths: facts.paths, ref: base })
        : { users: [], teams: [], requested: false, note: 'turned off in the spec' };
      const stats = facts.stats;
      // The confidence model's one diff-size curve, with the PR's own counts beside it.
      const diffSize = buildDiffSizeSignal(stats.additions + stats.deletions);
      return {
        kind: 'done' as const,
        data: { prNumber: pr.number, prUrl: pr.url, branch: pr.headRef, headSha: pr.headSha, stats, reviewers, labels: spec.pr.labels, ...(unsandboxed ? { unsandboxed } : {}) },
        patch: {
          prNumber: pr.number,
          prUrl: pr.url,
          branch: pr.headRef,
          headSha: pr.headSha,
          signals: { diffSize: { value: diffSize.value, evidence: { ...stats, ...diffSize.evidence } } },
        },
        events: [
          {
            kind: how === 'created' ? 'pr.opened' : how === 'rebuilt' ? 'pr.rebuilt' : 'pr.found',
            data: { prNumber: pr.number, prUrl: pr.url, branch: pr.headRef, headSha: pr.headSha, ...(rebuilt ?? {}), ...(summary ? { summary } : {}), ...(unsandboxed ? { unsandboxed } : {}), stats, reviewers: { users: reviewers.users, teams: reviewers.teams, note: reviewers.note }, ...(evidence ?? {}) },
          },
        ],
      };
    }

    async function describePr(number: number): Promise<{ stats: Stats; paths: string[] }> {
      const files = await github.listPrFiles(repo, number);
      return {
        stats: { filesChanged: files.length, additions: files.reduce((n, f) => n + f.additions, 0), deletions: files.reduce((n, f) => n + f.deletions, 0) },
        paths: files.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path])),
      };
    }
  },
};

interface Stats {
  filesChanged: number;
  additions: number;
  deletions: number;
}

/** What making the change came to: a result for the engine now, or a commit on the branch for a PR. */
type Made =
  | { kind: 'result'; result: StepResult }
  | {
      kind: 'committed';
      commit: { sha: string; action: 'created' | 'updated' | 'unchanged' };
      change: { reason: string; stats: Stats; paths: string[]; unsandboxed: boolean };
      /** Figures for the event (how long git took, which way the commit went). */
      evidence?: Record<string, unknown>;
      /** Runs once the PR is there, or the step ends otherwise: the workspace is done with. */
      done?: () => Promise<void>;
    };

type Ctx = StepContext<OpenPrOptions, GitHubStepDeps>;

function changeContext(ctx: Ctx) {
  return { repo: ctx.target.repo, ...(ctx.deps.catalogDir ? { catalogDir: ctx.deps.catalogDir } : {}), sandbox: { allowUnsandboxed: ctx.deps.unsandboxed === true }, ...(ctx.deps.dependencies ? { dependencies: ctx.deps.dependencies } : {}) };
}

/** The change in memory: the files it reads over REST, the commit through the git data API. */
async function inMemory(ctx: Ctx, info: RepoInfo, input: { branch: string; baseSha: string; title: string; lease: string | null | undefined }): Promise<Made> {
  const { github } = ctx.deps;
  const repo = ctx.target.repo;
  const { baseSha } = input;
  const tree = await github.listTree(repo, baseSha);
  const wanted = new Set(pathsToRead(ctx.spec.change, tree.map((e) => e.path)));
  const files = await github.readFiles(repo, tree.filter((e) => wanted.has(e.path)));
  const change = await applyChange(ctx.spec.change, files, changeContext(ctx));
  if (change.noop) return { kind: 'result', result: { kind: 'done', skipTarget: change.reason, data: { noop: true, reason: change.reason, baseSha } } };
  const modes = new Map(tree.map((e) => [e.path, e.mode]));
  const commit = await github.commitFiles({
    repo,
    baseBranch: info.defaultBranch,
    branch: input.branch,
    message: input.title,
    files: change.files.map((f) => ({ ...f, ...(modes.has(f.path) ? { mode: modes.get(f.path) } : {}) })),
    ...(input.lease !== undefined ? { lease: input.lease } : {}),
  });
  return { kind: 'committed', commit, change: { reason: change.reason, stats: change.stats, paths: change.files.map((f) => f.path), unsandboxed: change.unsandboxed === true } };
}

/** How much of a command's output the target's reason (and so its Slack message) carries; the event keeps all of it. */
const TAIL_IN_REASON = 1500;

/**
 * The change in a checkout of the default branch at `baseSha`, pushed with git (or, where
 * signed commits are required, committed through the API from the checkout's files).
 */
async function inWorkspace(ctx: Ctx, info: RepoInfo, input: { branch: string; baseSha: string; title: string; lease: string | null | undefined }): Promise<Made> {
  const { github } = ctx.deps;
  const pool = ctx.deps.workspaces!;
  const repo = ctx.target.repo;
  const { branch, baseSha } = input;
  const key = workspaceKey(ctx.campaign.id, repo);
  const remote = github.gitRemote(repo);
  const started = Date.now();
  const ws = await pool.acquire({ key, remote, sha: baseSha, branch: info.defaultBranch });
  const acquiredMs = Date.now() - started;
  let removeNow = false;
  // Once the PR is there the workspace is done with (a rebuild checks out afresh).
  const remove = async () => pool.remove(key);
  try {
    let change: DirectoryChange;
    const changeStarted = Date.now();
    try {
      change = await applyChangeInDirectory(ctx.spec.change, ws.dir, changeContext(ctx));
    } catch (error) {
      if (!isFleetError(error, 'change_failed')) throw error;
      // A command that failed: the target goes to a person with the reason and the end of what it printed.
      const tail = typeof error.details.outputTail === 'string' ? error.details.outputTail : '';
      const shown = tail.length > TAIL_IN_REASON ? `…${tail.slice(-TAIL_IN_REASON)}` : tail;
      const reason = tail ? `${error.message}\nThe last lines of its output:\n${shown}` : error.message;
      return { kind: 'result', result: { kind: 'needs-human', reason, events: [{ kind: 'change.failed', data: { reason: error.message, baseSha, ...(tail ? { outputTail: tail } : {}), ...pick(error.details, ['command', 'exitCode', 'signal']) } }] } };
    }
    const changeMs = Date.now() - changeStarted;
    if (change.noop) {
      removeNow = true;
      return { kind: 'result', result: { kind: 'done', skipTarget: change.reason, data: { noop: true, reason: change.reason, baseSha } } };
    }
    const paths = change.entries.flatMap((e) => (e.previousPath ? [e.path, e.previousPath] : [e.path]));
    const summary = { reason: change.reason, stats: change.stats, paths, unsandboxed: change.unsandboxed === true };

    const pushStarted = Date.now();
    if ((await github.getBranchRules(repo, info.defaultBranch)).signatures.required) {
      // GitHub signs the commits its API makes: the same change goes that way, from the checkout's files.
      const files = await filesOf(ws, change);
      const commit = await github.commitFiles({ repo, baseBranch: info.defaultBranch, branch, message: input.title, files, ...(input.lease !== undefined ? { lease: input.lease } : {}) });
      return { kind: 'committed', commit, change: summary, evidence: { git: { via: 'api', acquireMs: acquiredMs, changeMs, pushMs: Date.now() - pushStarted } }, done: remove };
    }

    const author: GitIdentity = ctx.deps.gitAuthor ?? (await github.botIdentity());
    const branchSha = await github.getBranchSha(repo, branch);
    let lease: string | null;
    if (input.lease !== undefined) {
      // A rebuild: the branch must be where Fleet left it.
      if ((branchSha ?? null) !== input.lease) return { kind: 'result', result: movedByOthers(repo, branch, input.lease, branchSha) };
      lease = input.lease;
    } else if (branchSha) {
      // A re-run after a crash: the branch may already hold this very change on this base.
      const tree = (await runGit(['write-tree'], { cwd: ws.dir })).stdout.trim();
      const head = await github.readCommit(repo, branchSha);
      if (head.treeSha === tree && head.parents.length === 1 && head.parents[0] === baseSha) {
        return { kind: 'committed', commit: { sha: branchSha, action: 'unchanged' }, change: summary, evidence: { git: { via: 'push', pushed: false, acquireMs: acquiredMs, changeMs } }, done: remove };
      }
      // Fleet's own earlier commit on an older base (no PR was opened for it) is replaced; anyone else's is not.
      if (head.author.email !== author.email || head.parents.length !== 1) return { kind: 'result', result: movedByOthers(repo, branch, null, branchSha) };
      lease = branchSha;
    } else {
      lease = null;
    }
    try {
      const pushed = await commitAndPush(ws, { remote, branch, message: input.title, author, lease });
      return { kind: 'committed', commit: { sha: pushed.sha, action: lease === null ? 'created' : 'updated' }, change: summary, evidence: { git: { via: 'push', pushed: true, acquireMs: acquiredMs, changeMs, pushMs: Date.now() - pushStarted } }, done: remove };
    } catch (error) {
      if (isFleetError(error, 'branch_moved')) return { kind: 'result', result: { kind: 'needs-human', reason: error.message, events: [{ kind: 'branch.moved', data: { branch, lease, reason: error.message } }] } };
      throw error;
    }
  } finally {
    // Kept for a retry of the same sha (a failure, a person's Retry); `remove` runs once the PR is there.
    await ws.release();
    if (removeNow) await remove();
  }
}

function movedByOthers(repo: string, branch: string, expected: string | null, found: string | undefined): StepResult {
  const was = expected ? `at ${expected.slice(0, 7)}, where Fleet left it` : 'absent';
  const reason = `${branch} in ${repo} holds a commit Fleet did not make (${found ? found.slice(0, 7) : 'the branch is gone'}; Fleet expected it ${was}), so Fleet does not overwrite it. Look at the branch, then press Retry to make the change again on top of the default branch, or Skip the target.`;
  return { kind: 'needs-human', reason, events: [{ kind: 'branch.moved', data: { branch, expected, found: found ?? null } }] };
}

function pick(details: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => details[k] !== undefined).map((k) => [k, details[k]]));
}

/** The checkout's change as git data API files: text as text, binary files as base64, links as their target, with git's modes. */
async function filesOf(ws: Workspace, change: DirectoryChange): Promise<FileChange[]> {
  const files: FileChange[] = [];
  for (const entry of change.entries) {
    if (entry.previousPath) files.push({ path: entry.previousPath, content: null });
    if (entry.status === 'deleted') {
      files.push({ path: entry.path, content: null });
      continue;
    }
    const path = join(ws.dir, entry.path);
    if (entry.mode === '120000' || (await lstat(path)).isSymbolicLink()) {
      files.push({ path: entry.path, content: await readlink(path), mode: '120000' });
      continue;
    }
    const bytes = await readFile(path);
    files.push(entry.binary ? { path: entry.path, base64: bytes.toString('base64'), mode: entry.mode } : { path: entry.path, content: bytes.toString('utf8'), mode: entry.mode });
  }
  return files;
}
