import { nodeId } from './shapes.js';
import type { Route, RouteRequest, RouteResult } from './routes.js';
import type { MergeMethod } from './merge-queue.js';
import type { PullRecord, World } from './state.js';

/**
 * GitHub's GraphQL endpoint (`POST /graphql`), for the part of its schema Fleet uses: a PR by node
 * id or by repository and number, with its merge queue entry, auto-merge request and the times the
 * queue removed it; and the mutations `markPullRequestReadyForReview`, `enablePullRequestAutoMerge`
 * and `enqueuePullRequest`. A query is parsed and checked against the schema before anything runs,
 * as GitHub does: a syntax error or an unknown field answers `errors` without `data` (status 200);
 * a mutation GitHub refuses answers its field as null with an `errors` entry of GitHub's shape
 * (`type`, `path`, `locations`, `message`).
 */

type Value = string | number | boolean | null | Value[] | { [key: string]: Value } | { variable: string } | { enumValue: string };

interface Location {
  line: number;
  column: number;
}

interface FieldNode {
  kind: 'field';
  alias: string | null;
  name: string;
  args: Record<string, Value>;
  selections: SelectionNode[] | null;
  loc: Location;
}

interface FragmentNode {
  kind: 'fragment';
  on: string;
  selections: SelectionNode[];
  loc: Location;
}

type SelectionNode = FieldNode | FragmentNode;

interface Operation {
  type: 'query' | 'mutation';
  selections: SelectionNode[];
}

class GraphqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly loc: Location,
  ) {
    super(message);
  }
}

interface Token {
  kind: 'punct' | 'name' | 'string' | 'number' | 'eof';
  value: string;
  loc: Location;
}

const TOKEN_NAMES: Record<string, string> = { '{': 'LCURLY', '}': 'RCURLY', '(': 'LPAREN', ')': 'RPAREN', ':': 'COLON', '[': 'LBRACKET', ']': 'RBRACKET', '!': 'BANG', $: 'VAR_SIGN', '=': 'EQUALS', '@': 'DIR_SIGN', '...': 'ELLIPSIS' };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const loc = (): Location => ({ line, column: i - lineStart + 1 });
  while (i < source.length) {
    const c = source[i] ?? '';
    if (c === '\n') {
      i += 1;
      line += 1;
      lineStart = i;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === ',') i += 1;
    else if (c === '#') while (i < source.length && source[i] !== '\n') i += 1;
    else if (source.startsWith('...', i)) {
      tokens.push({ kind: 'punct', value: '...', loc: loc() });
      i += 3;
    } else if ('{}():[]!$=@'.includes(c)) {
      tokens.push({ kind: 'punct', value: c, loc: loc() });
      i += 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = loc();
      let j = i;
      while (j < source.length && /[A-Za-z0-9_]/.test(source[j] ?? '')) j += 1;
      tokens.push({ kind: 'name', value: source.slice(i, j), loc: start });
      i = j;
    } else if (/[-0-9]/.test(c)) {
      const start = loc();
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i));
      if (!match) throw new GraphqlSyntaxError(`Parse error on "${c}" at [${start.line}, ${start.column}]`, start);
      tokens.push({ kind: 'number', value: match[0], loc: start });
      i += match[0].length;
    } else if (c === '"') {
      const start = loc();
      let j = i + 1;
      let text = '';
      while (j < source.length && source[j] !== '"') {
        if (source[j] === '\n') break;
        if (source[j] === '\\') {
          const next = source[j + 1] ?? '';
          if (next === 'u') {
            text += String.fromCharCode(Number.parseInt(source.slice(j + 2, j + 6), 16));
            j += 6;
            continue;
          }
          text += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[next] ?? next;
          j += 2;
          continue;
        }
        text += source[j];
        j += 1;
      }
      if (source[j] !== '"') throw new GraphqlSyntaxError(`Parse error on bad Unicode escape sequence or unterminated string at [${start.line}, ${start.column}]`, start);
      tokens.push({ kind: 'string', value: text, loc: start });
      i = j + 1;
    } else {
      const start = loc();
      throw new GraphqlSyntaxError(`Parse error on "${c}" at [${start.line}, ${start.column}]`, start);
    }
  }
  tokens.push({ kind: 'eof', value: '', loc: loc() });
  return tokens;
}

function parse(source: string, operationName: string | undefined): Operation {
  const tokens = tokenize(source);
  let at = 0;
  const peek = (): Token => tokens[at] ?? { kind: 'eof', value: '', loc: { line: 1, column: 1 } };
  const fail = (token: Token): never => {
    const shown = token.kind === 'eof' ? 'end of file' : `"${token.value}" (${token.kind === 'punct' ? (TOKEN_NAMES[token.value] ?? token.value) : token.kind === 'name' ? 'IDENTIFIER' : token.kind.toUpperCase()})`;
    throw new GraphqlSyntaxError(`Parse error on ${shown} at [${token.loc.line}, ${token.loc.column}]`, token.loc);
  };
  const next = (): Token => {
    const token = peek();
    at += 1;
    return token;
  };
  const expect = (value: string): Token => {
    const token = next();
    if (token.kind !== 'punct' || token.value !== value) fail(token);
    return token;
  };
  const isPunct = (value: string): boolean => peek().kind === 'punct' && peek().value === value;
  const name = (): Token => {
    const token = next();
    if (token.kind !== 'name') fail(token);
    return token;
  };

  function value(): Value {
    const token = peek();
    if (isPunct('$')) {
      next();
      return { variable: name().value };
    }
    if (isPunct('[')) {
      next();
      const list: Value[] = [];
      while (!isPunct(']')) list.push(value());
      next();
      return list;
    }
    if (isPunct('{')) {
      next();
      const object: Record<string, Value> = {};
      while (!isPunct('}')) {
        const key = name().value;
        expect(':');
        object[key] = value();
      }
      next();
      return object;
    }
    next();
    if (token.kind === 'string') return token.value;
    if (token.kind === 'number') return Number(token.value);
    if (token.kind === 'name') {
      if (token.value === 'true') return true;
      if (token.value === 'false') return false;
      if (token.value === 'null') return null;
      return { enumValue: token.value };
    }
    return fail(token);
  }

  function typeRef(): void {
    if (isPunct('[')) {
      next();
      typeRef();
      expect(']');
    } else name();
    if (isPunct('!')) next();
  }

  function selectionSet(): SelectionNode[] {
    expect('{');
    const selections: SelectionNode[] = [];
    while (!isPunct('}')) {
      if (peek().kind === 'eof') fail(peek());
      if (isPunct('...')) {
        const loc = next().loc;
        const on = name();
        if (on.value !== 'on') fail(on);
        selections.push({ kind: 'fragment', on: name().value, selections: selectionSet(), loc });
        continue;
      }
      const first = name();
      let alias: string | null = null;
      let fieldName = first.value;
      if (isPunct(':')) {
        next();
        alias = first.value;
        fieldName = name().value;
      }
      const args: Record<string, Value> = {};
      if (isPunct('(')) {
        next();
        while (!isPunct(')')) {
          const key = name().value;
          expect(':');
          args[key] = value();
        }
        next();
      }
      selections.push({ kind: 'field', alias, name: fieldName, args, selections: isPunct('{') ? selectionSet() : null, loc: first.loc });
    }
    next();
    return selections;
  }

  const operations: (Operation & { name: string | null })[] = [];
  while (peek().kind !== 'eof') {
    if (isPunct('{')) {
      operations.push({ type: 'query', name: null, selections: selectionSet() });
      continue;
    }
    const keyword = name();
    if (keyword.value !== 'query' && keyword.value !== 'mutation') fail(keyword);
    const opName = peek().kind === 'name' ? next().value : null;
    if (isPunct('(')) {
      next();
      while (!isPunct(')')) {
        expect('$');
        name();
        expect(':');
        typeRef();
        if (isPunct('=')) {
          next();
          value();
        }
      }
      next();
    }
    operations.push({ type: keyword.value as Operation['type'], name: opName, selections: selectionSet() });
  }
  if (operations.length === 0) throw new GraphqlSyntaxError('Unexpected end of document', { line: 1, column: 1 });
  const chosen = operationName ? operations.find((op) => op.name === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!chosen) throw new GraphqlSyntaxError(operationName ? `No operation named "${operationName}"` : 'An operation name is required', { line: 1, column: 1 });
  return chosen;
}

/** The part of GitHub's schema the fake serves: each type's fields and the type each returns (`[T]` a list). */
const SCHEMA: Record<string, Record<string, string>> = {
  Query: { repository: 'Repository', node: 'Node', viewer: 'Actor' },
  Mutation: {
    markPullRequestReadyForReview: 'MarkPullRequestReadyForReviewPayload',
    enablePullRequestAutoMerge: 'EnablePullRequestAutoMergePayload',
    enqueuePullRequest: 'EnqueuePullRequestPayload',
  },
  MarkPullRequestReadyForReviewPayload: { clientMutationId: 'String', pullRequest: 'PullRequest' },
  EnablePullRequestAutoMergePayload: { clientMutationId: 'String', pullRequest: 'PullRequest', actor: 'Actor' },
  EnqueuePullRequestPayload: { clientMutationId: 'String', mergeQueueEntry: 'MergeQueueEntry' },
  Repository: { id: 'ID', name: 'String', nameWithOwner: 'String', pullRequest: 'PullRequest', autoMergeAllowed: 'Boolean', mergeCommitAllowed: 'Boolean', squashMergeAllowed: 'Boolean', rebaseMergeAllowed: 'Boolean' },
  PullRequest: {
    id: 'ID',
    number: 'Int',
    title: 'String',
    url: 'URI',
    state: 'PullRequestState',
    isDraft: 'Boolean',
    merged: 'Boolean',
    mergedAt: 'DateTime',
    headRefOid: 'GitObjectID',
    headRefName: 'String',
    baseRefName: 'String',
    mergeStateStatus: 'MergeStateStatus',
    mergeCommit: 'Commit',
    mergeQueueEntry: 'MergeQueueEntry',
    autoMergeRequest: 'AutoMergeRequest',
    timelineItems: 'PullRequestTimelineItemsConnection',
    repository: 'Repository',
  },
  MergeQueueEntry: { id: 'ID', state: 'MergeQueueEntryState', position: 'Int', enqueuedAt: 'DateTime', headCommit: 'Commit', baseCommit: 'Commit', pullRequest: 'PullRequest' },
  AutoMergeRequest: { enabledAt: 'DateTime', mergeMethod: 'PullRequestMergeMethod', enabledBy: 'Actor', pullRequest: 'PullRequest' },
  PullRequestTimelineItemsConnection: { nodes: '[PullRequestTimelineItems]', totalCount: 'Int' },
  RemovedFromMergeQueueEvent: { id: 'ID', createdAt: 'DateTime', reason: 'String', actor: 'Actor' },
  Commit: { oid: 'GitObjectID' },
  Actor: { login: 'String' },
};
/** Abstract types: the concrete types a fragment on them may name. */
const ABSTRACT: Record<string, string[]> = { Node: ['PullRequest'], PullRequestTimelineItems: ['RemovedFromMergeQueueEvent'] };

interface GraphqlError {
  message: string;
  locations?: Location[];
  path?: (string | number)[];
  type?: string;
  extensions?: Record<string, unknown>;
}

/** Checks a selection against the schema, as GitHub validates a query before running it. */
function validate(selections: readonly SelectionNode[], typeName: string, path: string[], errors: GraphqlError[]): void {
  const possible = ABSTRACT[typeName] ?? [typeName];
  for (const selection of selections) {
    if (selection.kind === 'fragment') {
      if (!SCHEMA[selection.on]) errors.push({ path, extensions: { code: 'undefinedType', typeName: selection.on }, locations: [selection.loc], message: `No such type ${selection.on}, so it can't be a fragment condition` });
      else if (!possible.includes(selection.on) && selection.on !== typeName) errors.push({ path, extensions: { code: 'fragmentSpreadImpossible', fragmentName: '...', typeName, fragmentTypeName: selection.on }, locations: [selection.loc], message: `Fragment on ${selection.on} can't be spread inside ${typeName}` });
      else validate(selection.selections, selection.on, [...path, `... on ${selection.on}`], errors);
      continue;
    }
    if (selection.name === '__typename') continue;
    const fields = ABSTRACT[typeName] ? (typeName === 'Node' ? { id: 'ID' } : {}) : (SCHEMA[typeName] ?? {});
    const returns = (fields as Record<string, string | undefined>)[selection.name];
    const here = [...path, selection.alias ?? selection.name];
    if (!returns) {
      errors.push({ path: here, extensions: { code: 'undefinedField', typeName, fieldName: selection.name }, locations: [selection.loc], message: `Field '${selection.name}' doesn't exist on type '${typeName}'` });
      continue;
    }
    const inner = returns.replace(/^\[|\]$/g, '');
    const composite = SCHEMA[inner] !== undefined || ABSTRACT[inner] !== undefined;
    if (composite && !selection.selections) errors.push({ path: here, extensions: { code: 'selectionMismatch', nodeName: `field '${selection.name}'`, typeName: inner }, locations: [selection.loc], message: `Field must have selections (field '${selection.name}' returns ${inner} but has no selections. Did you mean '${selection.name} { ... }'?)` });
    else if (!composite && selection.selections) errors.push({ path: here, extensions: { code: 'selectionMismatch', nodeName: `field '${selection.name}'`, typeName: inner }, locations: [selection.loc], message: `Selections can't be made on scalars (field '${selection.name}' returns ${inner} but has selections [${selection.selections.map((s) => (s.kind === 'field' ? s.name : '...')).join(', ')}])` });
    else if (selection.selections) validate(selection.selections, inner, here, errors);
  }
}

/** An object the executor resolves fields on. */
interface GraphqlObject {
  __typename: string;
  fields: Record<string, (args: Record<string, unknown>) => unknown>;
}

class FieldError extends Error {
  constructor(
    message: string,
    readonly type: string,
  ) {
    super(message);
  }
}

function isObject(value: unknown): value is GraphqlObject {
  return typeof value === 'object' && value !== null && '__typename' in value && 'fields' in value;
}

function resolveValue(value: Value, variables: Record<string, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, variables));
  if ('variable' in value && typeof value.variable === 'string' && Object.keys(value).length === 1) return variables[value.variable] ?? null;
  if ('enumValue' in value && typeof value.enumValue === 'string' && Object.keys(value).length === 1) return value.enumValue;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveValue(item, variables)]));
}

function execute(selections: readonly SelectionNode[], object: GraphqlObject, variables: Record<string, unknown>, path: (string | number)[], errors: GraphqlError[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const selection of selections) {
    if (selection.kind === 'fragment') {
      if (selection.on === object.__typename) Object.assign(out, execute(selection.selections, object, variables, path, errors));
      continue;
    }
    const key = selection.alias ?? selection.name;
    if (selection.name === '__typename') {
      out[key] = object.__typename;
      continue;
    }
    const resolver = object.fields[selection.name];
    const args = Object.fromEntries(Object.entries(selection.args).map(([name, value]) => [name, resolveValue(value, variables)]));
    try {
      const result = resolver ? resolver(args) : null;
      out[key] = shape(result, selection, variables, [...path, key], errors);
    } catch (error) {
      out[key] = null;
      errors.push({ type: error instanceof FieldError ? error.type : 'INTERNAL', path: [...path, key], locations: [selection.loc], message: error instanceof Error ? error.message : String(error) });
    }
  }
  return out;
}

function shape(result: unknown, selection: FieldNode, variables: Record<string, unknown>, path: (string | number)[], errors: GraphqlError[]): unknown {
  if (result === null || result === undefined) return null;
  if (Array.isArray(result)) return result.map((item, index) => shape(item, selection, variables, [...path, index], errors));
  if (isObject(result)) return execute(selection.selections ?? [], result, variables, path, errors);
  return result;
}

const MERGE_STATES: Record<string, string> = { clean: 'CLEAN', dirty: 'DIRTY', behind: 'BEHIND', blocked: 'BLOCKED', unstable: 'UNSTABLE', draft: 'DRAFT', unknown: 'UNKNOWN' };

/** The `POST /graphql` route over the world. */
export function createGraphqlRoute(world: World, base: () => string): Omit<Route, 'pattern'> & { pattern: RegExp } {
  const actor = (login: string): GraphqlObject => ({ __typename: 'Actor', fields: { login: () => login } });
  const commit = (sha: string | null): GraphqlObject | null => (sha ? { __typename: 'Commit', fields: { oid: () => sha } } : null);

  function pullByNodeId(id: unknown): PullRecord {
    const decoded = typeof id === 'string' ? Buffer.from(id, 'base64').toString('utf8') : '';
    const match = /^PR:(\d+)$/.exec(decoded);
    const pull = match ? world.pulls.find((p) => p.id === Number(match[1])) : undefined;
    if (!pull) throw new FieldError(`Could not resolve to a node with the global id of '${String(id)}'`, 'NOT_FOUND');
    return pull;
  }

  function repositoryObject(owner: string, name: string): GraphqlObject {
    const repo = world.getRepo(owner, name);
    return {
      __typename: 'Repository',
      fields: {
        id: () => nodeId('R', repo.id),
        name: () => repo.name,
        nameWithOwner: () => `${repo.owner}/${repo.name}`,
        autoMergeAllowed: () => repo.settings.allowAutoMerge,
        mergeCommitAllowed: () => repo.settings.allowMergeCommit,
        squashMergeAllowed: () => repo.settings.allowSquashMerge,
        rebaseMergeAllowed: () => repo.settings.allowRebaseMerge,
        pullRequest: (args) => {
          const pull = world.pulls.find((p) => p.owner === repo.owner && p.repo === repo.name && p.number === Number(args.number));
          if (!pull) throw new FieldError(`Could not resolve to a PullRequest with the number of ${String(args.number)}.`, 'NOT_FOUND');
          return pullObject(pull);
        },
      },
    };
  }

  function entryObject(pull: PullRecord): GraphqlObject | null {
    const entry = world.mergeQueue.entryOf(pull);
    if (!entry) return null;
    return {
      __typename: 'MergeQueueEntry',
      fields: {
        id: () => nodeId('MQE', entry.id),
        state: () => entry.state,
        position: () => world.mergeQueue.position(entry),
        enqueuedAt: () => entry.enqueuedAt,
        headCommit: () => commit(entry.group?.headSha ?? null),
        baseCommit: () => commit(entry.group?.baseSha ?? null),
        pullRequest: () => pullObject(pull),
      },
    };
  }

  function pullObject(pull: PullRecord): GraphqlObject {
    return {
      __typename: 'PullRequest',
      fields: {
        id: () => nodeId('PR', pull.id),
        number: () => pull.number,
        title: () => pull.title,
        url: () => `${base()}/${pull.owner}/${pull.repo}/pull/${pull.number}`,
        state: () => (pull.merged ? 'MERGED' : pull.state === 'open' ? 'OPEN' : 'CLOSED'),
        isDraft: () => pull.draft,
        merged: () => pull.merged,
        mergedAt: () => pull.mergedAt,
        headRefOid: () => pull.headSha,
        headRefName: () => pull.headRef,
        baseRefName: () => pull.baseRef,
        mergeStateStatus: () => MERGE_STATES[world.mergeability(pull).state] ?? 'UNKNOWN',
        mergeCommit: () => commit(pull.mergeCommitSha),
        mergeQueueEntry: () => entryObject(pull),
        autoMergeRequest: () => {
          const request = world.mergeQueue.autoMergeOf(pull);
          if (!request) return null;
          return { __typename: 'AutoMergeRequest', fields: { enabledAt: () => request.enabledAt, mergeMethod: () => request.method.toUpperCase(), enabledBy: () => actor(request.enabledBy), pullRequest: () => pullObject(pull) } };
        },
        timelineItems: (args) => {
          const types = Array.isArray(args.itemTypes) ? args.itemTypes : null;
          const removed = types && !types.includes('REMOVED_FROM_MERGE_QUEUE_EVENT') ? [] : world.mergeQueue.removalsOf(pull);
          const nodes = removed.map((removal, index) => ({ __typename: 'RemovedFromMergeQueueEvent', fields: { id: () => nodeId('RFMQE', `${pull.id}:${index}`), createdAt: () => removal.at, reason: () => removal.reason, actor: () => actor('github-merge-queue[bot]') } }));
          const last = typeof args.last === 'number' ? args.last : undefined;
          const first = typeof args.first === 'number' ? args.first : undefined;
          if (last === undefined && first === undefined) throw new FieldError('You must provide a `first` or `last` value to properly paginate the `timelineItems` connection.', 'MISSING_PAGINATION_BOUNDARIES');
          const page = last !== undefined ? nodes.slice(Math.max(0, nodes.length - last)) : nodes.slice(0, first);
          return { __typename: 'PullRequestTimelineItemsConnection', fields: { nodes: () => page, totalCount: () => nodes.length } };
        },
        repository: () => repositoryObject(pull.owner, pull.repo),
      },
    };
  }

  function inputOf(args: Record<string, unknown>): Record<string, unknown> {
    const input = args.input;
    if (!input || typeof input !== 'object') throw new FieldError("Argument 'input' on Field is required", 'ARGUMENT_ERROR');
    return input as Record<string, unknown>;
  }

  function roots(login: string): { query: GraphqlObject; mutation: GraphqlObject } {
    const refuse = (error: unknown): never => {
      throw new FieldError(error instanceof Error ? error.message : String(error), 'UNPROCESSABLE');
    };
    return {
      query: {
        __typename: 'Query',
        fields: {
          repository: (args) => {
            const owner = typeof args.owner === 'string' ? args.owner : '';
            const name = typeof args.name === 'string' ? args.name : '';
            try {
              return repositoryObject(owner, name);
            } catch {
              throw new FieldError(`Could not resolve to a Repository with the name '${owner}/${name}'.`, 'NOT_FOUND');
            }
          },
          node: (args) => pullObject(pullByNodeId(args.id)),
          viewer: () => actor(login),
        },
      },
      mutation: {
        __typename: 'Mutation',
        fields: {
          markPullRequestReadyForReview: (args) => {
            const input = inputOf(args);
            const pull = pullByNodeId(input.pullRequestId);
            if (pull.state !== 'open') refuse(new Error('Pull request is closed'));
            if (pull.draft) {
              pull.draft = false;
              pull.updatedAt = world.iso(world.now());
              world.requestCodeOwners(pull);
              world.emitEvent({ kind: 'pull_request', action: 'ready_for_review', pull, actor: login });
            }
            return { __typename: 'MarkPullRequestReadyForReviewPayload', fields: { clientMutationId: () => input.clientMutationId ?? null, pullRequest: () => pullObject(pull) } };
          },
          enablePullRequestAutoMerge: (args) => {
            const input = inputOf(args);
            const pull = pullByNodeId(input.pullRequestId);
            const method = typeof input.mergeMethod === 'string' ? input.mergeMethod.toLowerCase() : 'merge';
            if (!['merge', 'squash', 'rebase'].includes(method)) refuse(new Error(`Argument 'mergeMethod' on InputObject 'EnablePullRequestAutoMergeInput' has an invalid value (${String(input.mergeMethod)}). Expected type 'PullRequestMergeMethod'.`));
            try {
              world.mergeQueue.enableAutoMerge(pull, login, method as MergeMethod, typeof input.expectedHeadOid === 'string' ? input.expectedHeadOid : undefined);
            } catch (error) {
              refuse(error);
            }
            return { __typename: 'EnablePullRequestAutoMergePayload', fields: { clientMutationId: () => input.clientMutationId ?? null, pullRequest: () => pullObject(pull), actor: () => actor(login) } };
          },
          enqueuePullRequest: (args) => {
            const input = inputOf(args);
            const pull = pullByNodeId(input.pullRequestId);
            try {
              world.mergeQueue.enqueue(pull, login, typeof input.expectedHeadOid === 'string' ? input.expectedHeadOid : undefined);
            } catch (error) {
              refuse(error);
            }
            return { __typename: 'EnqueuePullRequestPayload', fields: { clientMutationId: () => input.clientMutationId ?? null, mergeQueueEntry: () => entryObject(pull) } };
          },
        },
      },
    };
  }

  function handle(request: RouteRequest): RouteResult {
    const query = request.body.query;
    // GitHub answers a body without a query with 200 and this error.
    if (typeof query !== 'string' || query.trim() === '') return { status: 200, body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] } };
    const variables = request.body.variables && typeof request.body.variables === 'object' ? (request.body.variables as Record<string, unknown>) : {};
    let operation: Operation;
    try {
      operation = parse(query, typeof request.body.operationName === 'string' ? request.body.operationName : undefined);
    } catch (error) {
      if (error instanceof GraphqlSyntaxError) return { status: 200, body: { errors: [{ message: error.message, locations: [error.loc] }] } };
      throw error;
    }
    const rootType = operation.type === 'mutation' ? 'Mutation' : 'Query';
    const invalid: GraphqlError[] = [];
    validate(operation.selections, rootType, [operation.type], invalid);
    if (invalid.length > 0) return { status: 200, body: { errors: invalid } };
    const errors: GraphqlError[] = [];
    const root = roots(request.login)[operation.type];
    const data = execute(operation.selections, root, variables, [], errors);
    world.mergeQueue.process();
    return { status: 200, body: errors.length > 0 ? { data, errors } : { data } };
  }

  return { method: 'POST', template: '/graphql', pattern: /^\/graphql$/, handle };
}
