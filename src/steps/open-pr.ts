import type { Step } from './types.js';
import type { OpenPrOptions } from '../domain/step-options.js';
import type { GitHubStepDeps, PullRequest } from '../github/gateway.js';
import { applyChange, pathsToRead } from '../changes/apply-change.js';
import { buildDiffSizeSignal } from '../confidence/signals.js';
import { branchFor, markerFor, renderTemplate } from '../github/step-support.js';

/**
 * open-pr: computes the campaign's change on the default branch, commits it to the campaign's
 * branch and opens (or finds) the PR, with labels and CODEOWNERS reviewers. Idempotent by
 * find-before-create: the branch name is deterministic and the PR body carries a marker, so a
 * re-run after a crash at any point finds the branch, commit, PR, labels and reviewers it made.
 * Retried after a merge conflict (its state says `rebuild`), it makes the change again on the
 * default branch's current head and moves the PR's branch there (a force update of the branch).
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
    const tree = await github.listTree(repo, baseSha);
    const wanted = new Set(pathsToRead(spec.change, tree.map((e) => e.path)));
    const files = await github.readFiles(repo, tree.filter((e) => wanted.has(e.path)));
    const change = await applyChange(spec.change, files, { repo, ...(ctx.deps.catalogDir ? { catalogDir: ctx.deps.catalogDir } : {}), sandbox: { allowUnsandboxed: ctx.deps.unsandboxed === true } });
    if (change.noop) return { kind: 'done', skipTarget: change.reason, data: { noop: true, reason: change.reason, baseSha } };

    const modes = new Map(tree.map((e) => [e.path, e.mode]));
    const title = renderTemplate(spec.pr.title, { campaign: spec.name, repo, description: spec.description });
    const commit = await github.commitFiles({
      repo,
      baseBranch: info.defaultBranch,
      branch,
      message: title,
      files: change.files.map((f) => ({ ...f, ...(modes.has(f.path) ? { mode: modes.get(f.path) } : {}) })),
    });
    const facts = { stats: change.stats, paths: change.files.map((f) => f.path) };
    if (existing) {
      // The PR follows its branch: read it again for the new head.
      const moved = (await github.getPr(repo, existing.number)) ?? existing;
      return finish(moved, info.defaultBranch, facts, 'rebuilt', change.reason, change.unsandboxed === true, { rebuild: rebuild!, baseSha, previousHead: existing.headSha });
    }
    const rendered = renderTemplate(spec.pr.body, { campaign: spec.name, repo, description: spec.description });
    const body = change.unsandboxed ? `${rendered}\n\n> This change was made by a codemod that ran without a sandbox (FLEET_UNSANDBOXED=1).` : rendered;
    const pr = await github.openPr({ repo, branch, base: info.defaultBranch, title, body, marker, draft: spec.pr.draft });
    return finish(pr, info.defaultBranch, facts, commit.action === 'unchanged' ? 'found' : 'created', change.reason, change.unsandboxed === true);

    async function finish(pr: PullRequest, base: string, known: { stats: Stats; paths: string[] } | undefined, how: 'found' | 'created' | 'rebuilt', summary?: string, unsandboxed = false, rebuilt?: { rebuild: string; baseSha: string; previousHead: string }) {
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
            data: { prNumber: pr.number, prUrl: pr.url, branch: pr.headRef, headSha: pr.headSha, ...(rebuilt ?? {}), ...(summary ? { summary } : {}), ...(unsandboxed ? { unsandboxed } : {}), stats, reviewers: { users: reviewers.users, teams: reviewers.teams, note: reviewers.note } },
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
