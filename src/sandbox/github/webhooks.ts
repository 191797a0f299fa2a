import { createHmac, randomUUID } from 'node:crypto';
import type { Renderer } from './render.js';
import { renderUser, type ShapeContext } from './shapes.js';
import { localDate, type GitPerson } from './git-objects.js';
import type { PushRecord, WorldEvent, World } from './state.js';
import type { WorkflowRunRecord } from './actions.js';
import { createDeploymentShapes } from './deployment-routes.js';

export interface WebhookTarget {
  url: string;
  secret: string;
}

export interface DeliveryRecord {
  id: string;
  event: string;
  action: string | null;
  /** The receiver's HTTP status, or null when it could not be reached. */
  status: number | null;
  error: string | null;
  at: number;
}

export interface WebhookSenderDeps {
  world: World;
  render: Renderer;
  ctx: ShapeContext;
  fetch: typeof fetch;
  installationId: number;
  /** The installation of the App on a repository's owner, when the fake serves an App with several. */
  installationOf?: (owner: string) => number;
  log: (line: string) => void;
  /** The `workflow_run` payload's run and workflow, in GitHub's shapes (actions-routes.ts). */
  workflowRun?: (run: WorkflowRunRecord) => { workflow_run: Record<string, unknown>; workflow: Record<string, unknown> };
}

/**
 * `sha256=<hex>` over the raw body, as GitHub signs `X-Hub-Signature-256`.
 *
 * @example signPayload('secret', '{}') // 'sha256=…'
 */
export function signPayload(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Turns world events into GitHub webhook deliveries, sent one at a time in order. A failed
 * delivery is recorded and logged; it never throws into the server.
 */
export function createWebhookSender(deps: WebhookSenderDeps) {
  let target: WebhookTarget | null = null;
  let queue: Promise<void> = Promise.resolve();
  const deliveries: DeliveryRecord[] = [];
  const deploymentShapes = createDeploymentShapes(deps.render);

  function envelope(repoOwner: string, repoName: string, sender: string): Record<string, unknown> {
    const repo = deps.world.getRepo(repoOwner, repoName);
    return {
      repository: deps.render.repo(repo),
      organization: { login: repo.owner, id: (renderUser(deps.ctx, repo.owner, 'Organization').id as number), node_id: renderUser(deps.ctx, repo.owner, 'Organization').node_id, url: `${deps.ctx.base}/orgs/${repo.owner}` },
      sender: renderUser(deps.ctx, sender, sender.endsWith('[bot]') ? 'Bot' : 'User'),
      installation: { id: deps.installationOf?.(repo.owner) ?? deps.installationId, node_id: Buffer.from(`Installation${deps.installationOf?.(repo.owner) ?? deps.installationId}`).toString('base64') },
    };
  }

  /** GitHub's `push` payload: the ref's move, the commits it added and who pushed. */
  function pushPayload(push: PushRecord): Record<string, unknown> {
    const repo = deps.world.getRepo(push.owner, push.repo);
    const html = `${deps.ctx.base}/${repo.owner}/${repo.name}`;
    const zero = '0'.repeat(40);
    const personOf = (person: GitPerson): Record<string, unknown> => {
      const login = /^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$/.exec(person.email)?.[1];
      return { name: person.name, email: person.email, ...(login ? { username: login } : {}) };
    };
    const commitOf = (sha: string): Record<string, unknown> | null => {
      const commit = deps.world.objects.get(sha);
      if (commit?.type !== 'commit') return null;
      const parent = commit.parents[0] ? deps.world.objects.get(commit.parents[0]) : undefined;
      const before = parent?.type === 'commit' ? deps.world.objects.flatten(parent.tree) : new Map<string, { sha: string }>();
      const after = deps.world.objects.flatten(commit.tree);
      return {
        id: sha,
        tree_id: commit.tree,
        distinct: true,
        message: commit.message.replace(/\n+$/, ''),
        timestamp: localDate(commit.committer),
        url: `${html}/commit/${sha}`,
        author: personOf(commit.author),
        committer: personOf(commit.committer),
        added: [...after.keys()].filter((path) => !before.has(path)),
        removed: [...before.keys()].filter((path) => !after.has(path)),
        modified: [...after].filter(([path, file]) => before.has(path) && before.get(path)?.sha !== file.sha).map(([path]) => path),
      };
    };
    const short = (sha: string | null) => (sha ?? zero).slice(0, 12);
    const name = push.ref.replace(/^refs\/(heads|tags)\//, '');
    const envelope_ = envelope(repo.owner, repo.name, push.pusher);
    const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
    return {
      ref: push.ref,
      before: push.before ?? zero,
      after: push.after ?? zero,
      // GitHub's push payload gives the repository's created_at and pushed_at as Unix seconds.
      repository: { ...(envelope_.repository as Record<string, unknown>), created_at: seconds(repo.createdAt), pushed_at: seconds(repo.pushedAt), stargazers: 0, master_branch: repo.defaultBranch },
      pusher: { name: push.pusher, email: `${push.pusher}@users.noreply.github.com` },
      organization: envelope_.organization,
      sender: envelope_.sender,
      installation: envelope_.installation,
      created: push.before === null,
      deleted: push.after === null,
      forced: push.forced,
      base_ref: push.baseRef,
      compare: push.before === null ? `${html}/compare/${name}` : `${html}/compare/${short(push.before)}...${short(push.after)}`,
      // GitHub lists at most 2048 commits here.
      commits: push.commits.slice(-2048).map(commitOf).filter((commit) => commit !== null),
      head_commit: push.after ? commitOf(push.after) : null,
    };
  }

  function payloadOf(event: WorldEvent): { name: string; payload: Record<string, unknown> } {
    switch (event.kind) {
      case 'pull_request':
        return {
          name: 'pull_request',
          payload: { action: event.action, number: event.pull.number, pull_request: deps.render.pull(event.pull), ...envelope(event.pull.owner, event.pull.repo, event.actor) },
        };
      case 'pull_request_review':
        return {
          name: 'pull_request_review',
          payload: { action: 'submitted', review: deps.render.review(event.pull, event.review), pull_request: deps.render.pull(event.pull), ...envelope(event.pull.owner, event.pull.repo, event.review.login) },
        };
      case 'check_run': {
        const run = deps.render.checkRun(event.run);
        const suite = deps.render.checkSuite(deps.world.suiteRuns(event.run.suiteId));
        return { name: 'check_run', payload: { action: 'completed', check_run: { ...run, check_suite: suite }, ...envelope(event.run.owner, event.run.repo, 'github-actions[bot]') } };
      }
      case 'check_suite': {
        const first = event.runs[0];
        return { name: 'check_suite', payload: { action: 'completed', check_suite: deps.render.checkSuite(event.runs), ...envelope(first?.owner ?? '', first?.repo ?? '', 'github-actions[bot]') } };
      }
      case 'push':
        return { name: 'push', payload: pushPayload(event.push) };
      case 'merge_group': {
        // GitHub's merge_group payload: the group's head and base, and for `destroyed` the reason.
        const commit = deps.world.objects.get(event.group.headSha);
        const head_commit =
          commit?.type === 'commit'
            ? { id: commit.sha, tree_id: commit.tree, message: commit.message.replace(/\n+$/, ''), timestamp: localDate(commit.committer), author: { name: commit.author.name, email: commit.author.email }, committer: { name: commit.committer.name, email: commit.committer.email } }
            : null;
        const merge_group = { head_sha: event.group.headSha, head_ref: `refs/heads/${event.group.headRef}`, base_sha: event.group.baseSha, base_ref: `refs/heads/${event.group.baseRef}`, head_commit };
        return { name: 'merge_group', payload: { action: event.action, ...(event.reason ? { reason: event.reason } : {}), merge_group, ...envelope(event.owner, event.repo, 'github-merge-queue[bot]') } };
      }
      case 'workflow_run': {
        const parts = deps.workflowRun?.(event.run);
        if (!parts) throw new Error('the fake serves no Actions renderer');
        return { name: 'workflow_run', payload: { action: event.action, ...parts, ...envelope(event.run.owner, event.run.repo, event.run.actor) } };
      }
      case 'deployment':
        // Not made by a workflow run: GitHub sends `workflow` and `workflow_run` null then.
        return { name: 'deployment', payload: { action: 'created', deployment: deploymentShapes.deployment(event.deployment), workflow: null, workflow_run: null, ...envelope(event.deployment.owner, event.deployment.repo, event.deployment.creator) } };
      case 'deployment_status':
        return {
          name: 'deployment_status',
          payload: {
            action: 'created',
            deployment_status: deploymentShapes.status(event.deployment, event.status),
            deployment: deploymentShapes.deployment(event.deployment),
            check_run: null,
            workflow: null,
            workflow_run: null,
            ...envelope(event.deployment.owner, event.deployment.repo, event.status.creator),
          },
        };
      case 'status': {
        const status = deps.render.status(event.run);
        const repo = deps.world.getRepo(event.run.owner, event.run.repo);
        const branches = [...repo.refs.entries()].filter(([ref, sha]) => ref.startsWith('heads/') && sha === event.run.headSha).map(([ref, sha]) => ({ name: ref.slice('heads/'.length), commit: { sha, url: `${deps.render.repoUrl(repo.owner, repo.name)}/commits/${sha}` }, protected: ref === `heads/${repo.defaultBranch}` && repo.protection !== null }));
        return {
          name: 'status',
          payload: {
            id: status.id,
            sha: event.run.headSha,
            name: `${repo.owner}/${repo.name}`,
            target_url: status.target_url,
            context: status.context,
            description: status.description,
            state: status.state,
            commit: { sha: event.run.headSha, url: `${deps.render.repoUrl(repo.owner, repo.name)}/commits/${event.run.headSha}` },
            branches,
            created_at: status.created_at,
            updated_at: status.updated_at,
            ...envelope(repo.owner, repo.name, 'github-actions[bot]'),
          },
        };
      }
    }
  }

  async function deliver(to: WebhookTarget, name: string, body: string, action: string | null): Promise<void> {
    const id = randomUUID();
    const record: DeliveryRecord = { id, event: name, action, status: null, error: null, at: deps.world.now() };
    deliveries.push(record);
    try {
      const response = await deps.fetch(to.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/fleet-sandbox',
          'x-github-event': name,
          'x-github-delivery': id,
          'x-github-hook-id': '1',
          'x-github-hook-installation-target-type': 'integration',
          'x-github-hook-installation-target-id': String(deps.installationId),
          'x-hub-signature-256': signPayload(to.secret, body),
        },
        body,
      });
      record.status = response.status;
      await response.arrayBuffer();
      if (!response.ok) deps.log(`webhook ${name} ${id} answered ${response.status}`);
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
      deps.log(`webhook ${name} ${id} failed: ${record.error}`);
    }
  }

  /** Queues the deliveries for an event; they are rendered now so they show the state of this moment. */
  function send(event: WorldEvent): void {
    const to = target;
    if (!to) return;
    let rendered: { name: string; payload: Record<string, unknown> };
    try {
      rendered = payloadOf(event);
    } catch (error) {
      deps.log(`webhook ${event.kind} not rendered: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const body = JSON.stringify(rendered.payload);
    const action = typeof rendered.payload.action === 'string' ? rendered.payload.action : null;
    queue = queue.then(() => deliver(to, rendered.name, body, action));
  }

  return {
    send,
    deliveries,
    setTarget(next: WebhookTarget | null): void {
      target = next;
    },
    /** Resolves once every queued delivery has been attempted. */
    async flush(): Promise<void> {
      let seen: Promise<void> | undefined;
      while (seen !== queue) {
        seen = queue;
        await queue;
      }
    },
  };
}
