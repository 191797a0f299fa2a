import type { Renderer } from './render.js';
import { activeRules, type RulesetRecord } from './rulesets.js';
import { failHttp, type RepoRecord, type World } from './state.js';
import type { RouteRequest, RouteResult } from './routes.js';

/**
 * The ruleset routes: `GET /repos/{owner}/{repo}/rules/branches/{branch}` (the active rules that
 * apply to a branch, each with the ruleset it comes from), `GET /repos/{owner}/{repo}/rulesets` and
 * `GET /repos/{owner}/{repo}/rulesets/{ruleset_id}` (with `includes_parents`: the organisation's
 * rulesets too, GitHub's default).
 */

type Add = (method: 'GET', template: string, handle: (request: RouteRequest) => RouteResult) => void;
type Paginate = <T>(items: T[], request: RouteRequest) => { page: T[]; headers: Record<string, string> };

/** GitHub's boolean query parameters: `true`/`false`; anything else is a 422 as GitHub answers it. */
function booleanParam(request: RouteRequest, name: string, fallback: boolean): boolean {
  const raw = request.query.get(name);
  if (raw === null) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return failHttp(422, `Invalid request.\n\nFor '${name}', "${raw}" is not a boolean.`);
}

export function addRulesetRoutes(add: Add, world: World, render: Renderer, paginate: Paginate): void {
  const repoOf = (params: Record<string, string>): RepoRecord => world.getRepo(params.owner ?? '', params.repo ?? '');

  const visible = (repo: RepoRecord, includeParents: boolean): RulesetRecord[] => world.rulesetsOf(repo).filter((r) => includeParents || r.sourceType === 'Repository');

  // The web address GitHub's html links start with: the API base without `/repos/{owner}/{repo}`.
  const htmlBase = render.repoUrl('o', 'r').slice(0, -'/repos/o/r'.length);

  function links(repo: RepoRecord, ruleset: RulesetRecord): Record<string, unknown> {
    const html = ruleset.sourceType === 'Repository' ? `${htmlBase}/${repo.owner}/${repo.name}/rules/${ruleset.id}` : `${htmlBase}/organizations/${ruleset.source}/settings/rules/${ruleset.id}`;
    return { self: { href: `${render.repoUrl(repo.owner, repo.name)}/rulesets/${ruleset.id}` }, html: { href: html } };
  }

  function summary(repo: RepoRecord, ruleset: RulesetRecord): Record<string, unknown> {
    return {
      id: ruleset.id,
      name: ruleset.name,
      target: 'branch',
      source_type: ruleset.sourceType,
      source: ruleset.source,
      enforcement: ruleset.enforcement,
      node_id: `RRS_${Buffer.from(`0:${ruleset.id}`).toString('base64url')}`,
      _links: links(repo, ruleset),
      created_at: ruleset.createdAt,
      updated_at: ruleset.createdAt,
    };
  }

  function full(repo: RepoRecord, ruleset: RulesetRecord): Record<string, unknown> {
    const refName = { include: ruleset.include, exclude: ruleset.exclude };
    const conditions = ruleset.sourceType === 'Repository' ? { ref_name: refName } : { ref_name: refName, repository_name: { include: ['~ALL'], exclude: [], protected: false } };
    return {
      ...summary(repo, ruleset),
      bypass_actors: [],
      current_user_can_bypass: 'never',
      conditions,
      rules: ruleset.rules,
    };
  }

  add('GET', '/repos/{owner}/{repo}/rules/branches/{branch}', (request) => {
    const repo = repoOf(request.params);
    const branch = request.params.branch ?? '';
    // GitHub answers for any branch name, existing or not: the rules that would apply to it.
    const rules = activeRules(world.rulesetsOf(repo), branch, repo.defaultBranch).map(({ rule, ruleset }) => ({
      ...rule,
      ruleset_source_type: ruleset.sourceType,
      ruleset_source: ruleset.source,
      ruleset_id: ruleset.id,
    }));
    const { page, headers } = paginate(rules, request);
    return { status: 200, body: page, headers };
  });

  add('GET', '/repos/{owner}/{repo}/rulesets', (request) => {
    const repo = repoOf(request.params);
    const targets = request.query.get('targets');
    const includeParents = booleanParam(request, 'includes_parents', true);
    // Every ruleset the fake holds targets branches.
    const wanted = targets === null || targets.split(',').some((t) => t.trim() === 'branch');
    const list = wanted ? visible(repo, includeParents) : [];
    const { page, headers } = paginate(list, request);
    return { status: 200, body: page.map((r) => summary(repo, r)), headers };
  });

  add('GET', '/repos/{owner}/{repo}/rulesets/{ruleset_id}', (request) => {
    const repo = repoOf(request.params);
    const id = Number(request.params.ruleset_id);
    const includeParents = booleanParam(request, 'includes_parents', true);
    const ruleset = visible(repo, includeParents).find((r) => r.id === id);
    if (!ruleset) failHttp(404, 'Not Found');
    return { status: 200, body: full(repo, ruleset) };
  });
}
