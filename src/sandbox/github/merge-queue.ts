import type { FlatTree, GitPerson, ObjectStore } from './git-objects.js';
import type { MergeQueueParameters, RulesetRecord, RulesetRule } from './rulesets.js';
import type { BranchProtection, CheckRunRecord, MergeableState, PullRecord, RepoRecord, WorldEvent } from './state.js';

/**
 * Merging as GitHub offers it beyond `PUT /merge`: update-branch (the base merged into the head),
 * auto-merge (the PR merges itself once its requirements are met) and the merge queue of a branch
 * whose ruleset has a `merge_queue` rule. A queued PR gets a merge group: a commit of the base (or
 * the group ahead of it) with the PR merged in, on `gh-readonly-queue/<base>/pr-<n>-<sha>`; CI runs
 * on it, `merge_group` `checks_requested` is sent, and when the group's required checks pass (and
 * every check on it completed) the base moves to it (the queue's merge method decides the commit)
 * and the group is `destroyed` with reason `merged`; a required check that fails removes the PR
 * from the queue (`destroyed`, reason `dequeued`), and the groups behind it are built again.
 */

export type MergeMethod = 'merge' | 'squash' | 'rebase';

export interface QueueEntryRecord {
  id: number;
  owner: string;
  repo: string;
  number: number;
  baseRef: string;
  /** The PR head the entry was queued with. */
  headSha: string;
  method: MergeMethod;
  enqueuedAt: string;
  enqueuedBy: string;
  /** The merge group, once built. */
  group: MergeGroupRecord | null;
  state: 'QUEUED' | 'AWAITING_CHECKS' | 'MERGEABLE' | 'UNMERGEABLE' | 'LOCKED';
}

export interface MergeGroupRecord {
  /** `gh-readonly-queue/main/pr-7-<sha>` */
  headRef: string;
  headSha: string;
  baseRef: string;
  /** The commit the group was built on: the base's tip or the group ahead. */
  baseSha: string;
  /** When the group was built (epoch ms on the world's clock). */
  builtAt: number;
}

export interface QueueRemoval {
  reason: string;
  at: string;
}

/** What the merge-queue module needs from the world (closures of `createWorld`). */
export interface MergeQueueDeps {
  objects: ObjectStore;
  pulls: PullRecord[];
  now: () => number;
  iso: (ms: number) => string;
  newId: () => number;
  person: (login: string) => GitPerson;
  getRepo: (owner: string, name: string) => RepoRecord;
  resolveCommit: (repo: RepoRecord, ref: string) => string | undefined;
  mergeBase: (a: string, b: string) => string | undefined;
  mergeTrees: (base: string | undefined, ours: string, theirs: string) => FlatTree | undefined;
  setRef: (repo: RepoRecord, ref: string, sha: string, actor: string) => void;
  deleteRef: (repo: RepoRecord, ref: string, actor: string) => void;
  latestRunsFor: (repo: RepoRecord, sha: string) => CheckRunRecord[];
  branchRules: (repo: RepoRecord, branch: string) => { rule: RulesetRule; ruleset: RulesetRecord }[];
  mergeability: (pull: PullRecord) => { mergeable: boolean | null; state: MergeableState };
  mergePull: (pull: PullRecord, input: { sha?: string; method: MergeMethod }, actor: string, via: 'api' | 'queue' | 'auto') => string;
  markSigned: (sha: string) => void;
  /** Records a merge in the world's merge log. */
  recordMerge: (pull: PullRecord, headSha: string, method: MergeMethod, via: 'api' | 'queue' | 'auto') => void;
  /** Deletes a merged PR's head branch where the repository asks GitHub to (`delete_branch_on_merge`). */
  deleteMergedHead: (pull: PullRecord, actor: string) => void;
  emit: (event: WorldEvent) => void;
}

const PASSING = new Set(['success', 'neutral', 'skipped']);
const QUEUE_ACTOR = 'github-merge-queue[bot]';

/** The `merge_queue` rule that applies to a branch, if any. */
export function mergeQueueRule(rules: readonly { rule: RulesetRule }[]): MergeQueueParameters | undefined {
  for (const { rule } of rules) if (rule.type === 'merge_queue') return rule.parameters;
  return undefined;
}

/** Whether the repository allows the merge method, and GitHub's 405 when it does not. */
export function methodRefusal(repo: RepoRecord, method: MergeMethod): string | undefined {
  if (method === 'merge' && !repo.settings.allowMergeCommit) return 'Merge commits are not allowed on this repository.';
  if (method === 'squash' && !repo.settings.allowSquashMerge) return 'Squash merges are not allowed on this repository.';
  if (method === 'rebase' && !repo.settings.allowRebaseMerge) return 'Rebase merges are not allowed on this repository.';
  return undefined;
}

export function createMergeQueue(deps: MergeQueueDeps) {
  const entries: QueueEntryRecord[] = [];
  /** `owner/repo#n` → the times the queue removed that PR, and why (GitHub's RemovedFromMergeQueueEvent). */
  const removals = new Map<string, QueueRemoval[]>();
  /** `owner/repo#n` → the PR's auto-merge request. */
  const autoMerges = new Map<string, { method: MergeMethod; enabledBy: string; enabledAt: string }>();

  const keyOf = (pull: { owner: string; repo: string; number: number }): string => `${pull.owner}/${pull.repo}#${pull.number}`.toLowerCase();
  const pullOf = (entry: QueueEntryRecord): PullRecord | undefined => deps.pulls.find((p) => p.owner === entry.owner && p.repo === entry.repo && p.number === entry.number);
  const queueOf = (owner: string, repo: string, baseRef: string): QueueEntryRecord[] => entries.filter((e) => e.owner === owner && e.repo === repo && e.baseRef === baseRef);

  /** The required checks of a branch: its active rulesets' and classic protection's. */
  function requiredChecks(repo: RepoRecord, branch: string): string[] {
    const names = new Set<string>();
    for (const { rule } of deps.branchRules(repo, branch)) if (rule.type === 'required_status_checks') for (const check of rule.parameters.required_status_checks) names.add(check.context);
    const protection: BranchProtection | null = branch === repo.defaultBranch ? repo.protection : null;
    for (const name of protection?.requiredChecks ?? []) names.add(name);
    return [...names];
  }

  function entryOf(pull: PullRecord): QueueEntryRecord | undefined {
    return entries.find((e) => e.owner === pull.owner && e.repo === pull.repo && e.number === pull.number);
  }

  function position(entry: QueueEntryRecord): number {
    return queueOf(entry.owner, entry.repo, entry.baseRef).indexOf(entry) + 1;
  }

  function emitGroup(action: 'checks_requested' | 'destroyed', group: MergeGroupRecord, owner: string, repo: string, reason?: 'merged' | 'invalidated' | 'dequeued'): void {
    deps.emit({ kind: 'merge_group', action, owner, repo, group: { ...group }, ...(reason ? { reason } : {}) });
  }

  /** Takes down an entry's group (its branch deleted, `destroyed` sent). */
  function destroyGroup(entry: QueueEntryRecord, reason: 'merged' | 'invalidated' | 'dequeued'): void {
    const group = entry.group;
    if (!group) return;
    entry.group = null;
    const repo = deps.getRepo(entry.owner, entry.repo);
    if (repo.refs.has(`heads/${group.headRef}`)) deps.deleteRef(repo, `heads/${group.headRef}`, QUEUE_ACTOR);
    emitGroup('destroyed', group, entry.owner, entry.repo, reason);
  }

  /** Removes a PR from its queue, saying why; the groups behind it are built again. */
  function dequeue(entry: QueueEntryRecord, reason: string, groupReason: 'invalidated' | 'dequeued', actor = QUEUE_ACTOR): void {
    const queue = queueOf(entry.owner, entry.repo, entry.baseRef);
    const behind = queue.slice(queue.indexOf(entry) + 1);
    destroyGroup(entry, groupReason);
    entries.splice(entries.indexOf(entry), 1);
    const list = removals.get(keyOf(entry)) ?? [];
    list.push({ reason, at: deps.iso(deps.now()) });
    removals.set(keyOf(entry), list);
    const pull = pullOf(entry);
    if (pull) deps.emit({ kind: 'pull_request', action: 'dequeued', pull, actor });
    for (const later of behind) destroyGroup(later, 'invalidated');
  }

  /** Builds the merge group of an entry on `baseSha`; false (and the PR dequeued) on a conflict. */
  function buildGroup(entry: QueueEntryRecord, baseSha: string): boolean {
    const repo = deps.getRepo(entry.owner, entry.repo);
    const pull = pullOf(entry);
    if (!pull) return false;
    const tree = deps.mergeTrees(deps.mergeBase(baseSha, pull.headSha), baseSha, pull.headSha);
    if (!tree) {
      dequeue(entry, 'MERGE_CONFLICT', 'invalidated');
      return false;
    }
    const message = `Merge pull request #${pull.number} from ${pull.owner}/${pull.headRef}\n\n${pull.title}`;
    const sha = deps.objects.writeCommit({ tree: deps.objects.writeFlat(tree), parents: [baseSha, pull.headSha], message, author: deps.person(QUEUE_ACTOR), committer: deps.person('web-flow') });
    deps.markSigned(sha);
    const headRef = `gh-readonly-queue/${entry.baseRef}/pr-${pull.number}-${pull.headSha}`;
    entry.group = { headRef, headSha: sha, baseRef: entry.baseRef, baseSha, builtAt: deps.now() };
    entry.state = 'AWAITING_CHECKS';
    deps.setRef(repo, `heads/${headRef}`, sha, QUEUE_ACTOR);
    emitGroup('checks_requested', entry.group, entry.owner, entry.repo);
    return true;
  }

  /** Merges an entry whose group passed: the base moves to the group (or its squash), the PR is merged. */
  function mergeGroup(entry: QueueEntryRecord): void {
    const group = entry.group;
    const pull = pullOf(entry);
    if (!group || !pull) return;
    const repo = deps.getRepo(entry.owner, entry.repo);
    let commit = group.headSha;
    if (entry.method !== 'merge') {
      const object = deps.objects.get(group.headSha);
      if (object?.type !== 'commit') return;
      commit = deps.objects.writeCommit({ tree: object.tree, parents: [group.baseSha], message: `${pull.title} (#${pull.number})`, author: deps.person(pull.login), committer: deps.person('web-flow') });
      deps.markSigned(commit);
    }
    deps.recordMerge(pull, group.headSha, entry.method, 'queue');
    deps.setRef(repo, `heads/${entry.baseRef}`, commit, QUEUE_ACTOR);
    const at = deps.iso(deps.now());
    pull.state = 'closed';
    pull.merged = true;
    pull.mergedAt = at;
    pull.closedAt = at;
    pull.updatedAt = at;
    pull.mergedBy = QUEUE_ACTOR;
    pull.mergeCommitSha = commit;
    autoMerges.delete(keyOf(pull));
    entries.splice(entries.indexOf(entry), 1);
    destroyGroup(entry, 'merged');
    deps.emit({ kind: 'pull_request', action: 'closed', pull, actor: QUEUE_ACTOR });
    deps.deleteMergedHead(pull, QUEUE_ACTOR);
  }

  /** Moves every queue along: builds groups, merges the first whose checks passed, removes failures. */
  function processQueues(): void {
    const bases = new Set(entries.map((e) => `${e.owner}\u0000${e.repo}\u0000${e.baseRef}`));
    for (const key of bases) {
      const [owner = '', name = '', baseRef = ''] = key.split('\u0000');
      const repo = deps.getRepo(owner, name);
      for (let guard = 0; guard < 100; guard += 1) {
        const queue = queueOf(owner, name, baseRef);
        const first = queue[0];
        if (!first) break;
        const pull = pullOf(first);
        if (!pull || pull.state !== 'open' || pull.headSha !== first.headSha) {
          dequeue(first, pull?.state !== 'open' ? 'CLOSED' : 'PULL_REQUEST_HEAD_CHANGED', 'dequeued');
          continue;
        }
        const tip = deps.resolveCommit(repo, baseRef);
        if (!tip) break;
        // Groups are built in order, each on the one ahead; a base that moved under them rebuilds them.
        let on = tip;
        let rebuilt = false;
        for (const entry of queue) {
          if (entry.group && entry.group.baseSha !== on) destroyGroup(entry, 'invalidated');
          if (!entry.group && !buildGroup(entry, on)) {
            rebuilt = true;
            break;
          }
          on = entry.group?.headSha ?? on;
        }
        if (rebuilt) continue;
        const group = first.group;
        if (!group) break;
        const required = requiredChecks(repo, baseRef);
        const runs = deps.latestRunsFor(repo, group.headSha);
        const failed = required.filter((check) => runs.some((run) => run.name === check && run.status === 'completed' && !PASSING.has(run.conclusion ?? '')));
        if (failed.length > 0) {
          first.state = 'UNMERGEABLE';
          dequeue(first, `FAILED_CHECKS: ${failed.join(', ')}`, 'dequeued');
          continue;
        }
        const passed = required.every((check) => runs.some((run) => run.name === check && run.status === 'completed'));
        const complete = runs.every((run) => run.status === 'completed');
        // A required check that never reports within the queue's `check_response_timeout_minutes` removes the PR.
        const timeout = (mergeQueueRule(deps.branchRules(repo, baseRef))?.check_response_timeout_minutes ?? 60) * 60_000;
        if ((!passed || !complete) && deps.now() - group.builtAt >= timeout) {
          first.state = 'UNMERGEABLE';
          dequeue(first, 'CHECKS_TIMED_OUT', 'dequeued');
          continue;
        }
        if (!passed || !complete) break;
        first.state = 'MERGEABLE';
        mergeGroup(first);
      }
    }
  }

  /** GraphQL's enqueuePullRequest; a refusal is thrown as an Error with GitHub's words. */
  function enqueue(pull: PullRecord, actor: string, expectedHeadOid?: string): QueueEntryRecord {
    const repo = deps.getRepo(pull.owner, pull.repo);
    const existing = entryOf(pull);
    if (existing) return existing;
    if (pull.state !== 'open') throw new Error('Pull request is closed');
    if (expectedHeadOid && expectedHeadOid !== pull.headSha) throw new Error('Head sha didn\'t match expected head oid');
    const rule = mergeQueueRule(deps.branchRules(repo, pull.baseRef));
    if (!rule) throw new Error('Merge queue is not enabled for the base branch of this pull request');
    if (pull.draft) throw new Error('Pull request is still a draft');
    const state = deps.mergeability(pull).state;
    // A queued PR must meet its branch's requirements (reviews, checks on its head); the group is built on the latest base, so being behind is fine.
    const runs = deps.latestRunsFor(repo, pull.headSha);
    const unmet = requiredChecks(repo, pull.baseRef).filter((check) => !runs.some((run) => run.name === check && run.status === 'completed' && PASSING.has(run.conclusion ?? '')));
    if (state === 'dirty' || state === 'blocked' || unmet.length > 0) throw new Error(`Pull request is not mergeable: its merge state is ${unmet.length > 0 ? 'BLOCKED' : state.toUpperCase()}`);
    const entry: QueueEntryRecord = {
      id: deps.newId(),
      owner: pull.owner,
      repo: pull.repo,
      number: pull.number,
      baseRef: pull.baseRef,
      headSha: pull.headSha,
      method: rule.merge_method.toLowerCase() as MergeMethod,
      enqueuedAt: deps.iso(deps.now()),
      enqueuedBy: actor,
      group: null,
      state: 'QUEUED',
    };
    entries.push(entry);
    deps.emit({ kind: 'pull_request', action: 'enqueued', pull, actor });
    processQueues();
    return entry;
  }

  /** GraphQL's enablePullRequestAutoMerge; a refusal is thrown as an Error with GitHub's words. */
  function enableAutoMerge(pull: PullRecord, actor: string, method: MergeMethod, expectedHeadOid?: string): void {
    const repo = deps.getRepo(pull.owner, pull.repo);
    if (!repo.settings.allowAutoMerge) throw new Error('Pull request Auto merge is not allowed for this repository');
    if (pull.state !== 'open') throw new Error('Pull request is closed');
    if (expectedHeadOid && expectedHeadOid !== pull.headSha) throw new Error('Head sha didn\'t match expected head oid');
    const queued = mergeQueueRule(deps.branchRules(repo, pull.baseRef)) !== undefined;
    const refusal = queued ? undefined : methodRefusal(repo, method);
    if (refusal) throw new Error(refusal.replace(/\.$/, ''));
    const state = deps.mergeability(pull).state;
    // GitHub will not wait for what is already there: a PR that can merge now is merged, not scheduled.
    if (state === 'clean' && !queued) throw new Error('Pull request is in clean status');
    if (state === 'dirty') throw new Error('Pull request is in dirty status');
    autoMerges.set(keyOf(pull), { method, enabledBy: actor, enabledAt: deps.iso(deps.now()) });
    deps.emit({ kind: 'pull_request', action: 'auto_merge_enabled', pull, actor });
    processAutoMerges();
  }

  /** Merges (or queues) every PR with auto-merge on whose requirements are met and whose checks all completed. */
  function processAutoMerges(): void {
    for (const [key, request] of [...autoMerges]) {
      const pull = deps.pulls.find((p) => keyOf(p) === key);
      if (!pull || pull.state !== 'open') {
        autoMerges.delete(key);
        continue;
      }
      const repo = deps.getRepo(pull.owner, pull.repo);
      const runs = deps.latestRunsFor(repo, pull.headSha);
      if (runs.some((run) => run.status !== 'completed')) continue;
      const state = deps.mergeability(pull).state;
      if (mergeQueueRule(deps.branchRules(repo, pull.baseRef))) {
        if ((state === 'clean' || state === 'unstable' || state === 'behind') && !entryOf(pull)) {
          autoMerges.delete(key);
          enqueue(pull, request.enabledBy);
        }
        continue;
      }
      if (state !== 'clean' && state !== 'unstable') continue;
      try {
        deps.mergePull(pull, { sha: pull.headSha, method: request.method }, request.enabledBy, 'auto');
        autoMerges.delete(key);
      } catch {
        // A requirement the state did not show (a refusal of the merge itself): auto-merge waits on.
      }
    }
  }

  /**
   * GitHub's update-branch: merges the base into the PR's head (a commit GitHub writes and signs),
   * so CI runs on the new head and `synchronize` is sent. Throws GitHub's 422 words.
   */
  function updateBranch(pull: PullRecord, actor: string, expectedHeadSha?: string): string {
    const repo = deps.getRepo(pull.owner, pull.repo);
    if (pull.state !== 'open') throw new Error('Pull request is closed');
    if (expectedHeadSha && expectedHeadSha !== pull.headSha) throw new Error('expected head sha didn’t match current head ref.');
    const baseSha = deps.resolveCommit(repo, pull.baseRef);
    if (!baseSha || deps.objects.ancestors(pull.headSha).includes(baseSha)) throw new Error('There are no new commits on the base branch.');
    const tree = deps.mergeTrees(deps.mergeBase(baseSha, pull.headSha), pull.headSha, baseSha);
    if (!tree) throw new Error('merge conflict between base and head');
    const message = `Merge branch '${pull.baseRef}' into ${pull.headRef}`;
    const sha = deps.objects.writeCommit({ tree: deps.objects.writeFlat(tree), parents: [pull.headSha, baseSha], message, author: deps.person(actor), committer: deps.person('web-flow') });
    deps.markSigned(sha);
    deps.setRef(repo, `heads/${pull.headRef}`, sha, actor);
    return sha;
  }

  return {
    entries,
    entryOf,
    position,
    removalsOf: (pull: PullRecord): QueueRemoval[] => [...(removals.get(keyOf(pull)) ?? [])],
    autoMergeOf: (pull: PullRecord) => autoMerges.get(keyOf(pull)),
    disableAutoMerge: (pull: PullRecord): void => void autoMerges.delete(keyOf(pull)),
    enqueue,
    dequeue: (pull: PullRecord, actor: string): void => {
      const entry = entryOf(pull);
      if (entry) dequeue(entry, 'MANUAL', 'dequeued', actor);
    },
    enableAutoMerge,
    updateBranch,
    /** Called after CI moved (each request, `advance`, a completed check). */
    process(): void {
      processQueues();
      processAutoMerges();
    },
  };
}

export type MergeQueue = ReturnType<typeof createMergeQueue>;
