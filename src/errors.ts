import { z } from 'zod';

/**
 * One error type for the whole product. Every error carries a stable `code` that code can branch
 * on (never the message text) and a sentence for a person that says what to do next.
 */
export type FleetErrorCode =
  | 'config_invalid'
  | 'spec_invalid'
  | 'spec_not_found'
  | 'change_invalid'
  | 'change_failed'
  | 'transition_refused'
  | 'conflict'
  | 'not_found'
  | 'forbidden'
  | 'bad_input'
  | 'github_error'
  /** A push's --force-with-lease did not hold: someone else moved Fleet's branch. */
  | 'branch_moved'
  /** GitHub refused a push (a protected branch, a hook, a rule). */
  | 'github_refused'
  | 'slack_error'
  | 'metrics_error'
  | 'frozen'
  | 'budget_exhausted'
  | 'timeout'
  | 'internal';

export class FleetError extends Error {
  readonly code: FleetErrorCode;
  /** Structured details safe to log and show (never secrets). */
  readonly details: Record<string, unknown>;

  constructor(code: FleetErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FleetError';
    this.code = code;
    this.details = details;
  }
}

export function isFleetError(error: unknown, code?: FleetErrorCode): error is FleetError {
  return error instanceof FleetError && (code === undefined || error.code === code);
}

/** A sentence for a person, whatever was thrown. */
export function describeError(error: unknown): string {
  if (error instanceof FleetError) return error.message;
  if (error instanceof Error) return `Unexpected error: ${error.message}`;
  return `Unexpected error: ${String(error)}`;
}

/** What retrying a failed step can do: `retryable` false means a person must act first. */
export interface FailureClass {
  retryable: boolean;
  /** A sentence for a person: what went wrong, GitHub's own message when it gave one. */
  reason: string;
  /** What a person should do, for permanent failures. */
  nextStep?: string;
}

/** Codes that name a problem in the spec, the change, the input or Fleet itself: the same run fails the same way. */
const PERMANENT_CODES: ReadonlySet<FleetErrorCode> = new Set<FleetErrorCode>(['config_invalid', 'spec_invalid', 'spec_not_found', 'change_invalid', 'change_failed', 'bad_input', 'forbidden', 'not_found', 'transition_refused', 'internal', 'branch_moved', 'github_refused']);

/** Codes that name a state of the world that passes: a conflict, a freeze, a timeout, a spent budget. */
const TRANSIENT_CODES: ReadonlySet<FleetErrorCode> = new Set<FleetErrorCode>(['conflict', 'frozen', 'timeout', 'budget_exhausted']);

/** Socket and DNS failures (Node's codes, undici's for fetch): the network, not the request. */
const NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED']);

/** GitHub statuses that say the request itself is refused: retrying the same request cannot help. */
const PERMANENT_STATUSES: Readonly<Record<number, string>> = {
  401: "ask an admin to check Fleet's GitHub credentials (its token, or the GitHub App's id, key and installation), then press Retry",
  403: "give Fleet's token or app access to the repository, then press Retry, or Skip the target",
  404: "check that the repository, branch or PR exists and that Fleet's token or app can see it, then press Retry or Skip the target",
  410: 'the resource is gone on GitHub (a deleted or disabled feature); Skip the target or change the campaign',
  422: "check the campaign's branch, labels and files against what GitHub said, then press Retry or Skip the target",
};

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** A rate limit GitHub answers with 403: its headers, or its documented "secondary rate limit" message (it gives no other sign). */
function isRateLimited(headers: Record<string, unknown>, message: string): boolean {
  return headers['x-ratelimit-remaining'] === '0' || headers['retry-after'] !== undefined || /rate limit/i.test(message);
}

function classifyStatus(status: number, message: string, headers: Record<string, unknown>, reason: string): FailureClass {
  if (status === 429 || (status === 403 && isRateLimited(headers, message))) return { retryable: true, reason };
  if (status === 408 || status === 409 || status >= 500) return { retryable: true, reason };
  const nextStep = PERMANENT_STATUSES[status] ?? (status >= 400 ? 'check the campaign against what GitHub said, then press Retry or Skip the target' : undefined);
  if (nextStep === undefined) return { retryable: true, reason };
  return { retryable: false, reason, nextStep };
}

function classifyFleetError(error: FleetError): FailureClass {
  const status = error.details.status;
  const github = typeof error.details.githubMessage === 'string' ? error.details.githubMessage : '';
  // toFleetError's sentences already say what to do; GitHub's message is added where they leave it out.
  const reason = github && !error.message.includes(github) ? `${error.message} GitHub said: "${github}".` : error.message;
  if (error.code === 'budget_exhausted') return { retryable: true, reason };
  if (typeof status === 'number') {
    const classified = classifyStatus(status, github, {}, reason);
    return classified.retryable ? classified : { retryable: false, reason, nextStep: 'do what the message says, then press Retry, or Skip the target' };
  }
  if (PERMANENT_CODES.has(error.code) || error.details.retryable === false) return { retryable: false, reason, nextStep: 'do what the message says, then press Retry, or Skip the target' };
  if (TRANSIENT_CODES.has(error.code)) return { retryable: true, reason };
  return { retryable: true, reason };
}

function networkCode(error: unknown): string | undefined {
  for (const candidate of [error, field(error, 'cause')]) {
    const code = field(candidate, 'code');
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  }
  return undefined;
}

/**
 * Whether a step's failure is worth retrying, and the sentence for the person who reads it.
 *
 * Permanent (`retryable: false`, the target goes to a person at once): GitHub 401, 403 that is not a
 * rate limit, 404, 410, 422 and any other 4xx; a response of the wrong shape (a ZodError, a
 * SyntaxError from its JSON, a TypeError without a cause: code reading a field that is not there);
 * FleetErrors whose code names the spec, the change, the input or Fleet itself, or that say
 * `details.retryable: false`. Transient (retried with backoff): 408, 409, 429, 5xx, a 403 rate
 * limit, network failures (socket and DNS codes, fetch's TypeError with a cause, aborts and
 * timeouts), `conflict`, `frozen`, `timeout`, `budget_exhausted` (the engine waits for its
 * `retryAt` instead), and anything unknown, as before.
 *
 * @example
 * classifyFailure(new FleetError('github_error', 'GitHub rejected ...', { status: 422 })) // { retryable: false, reason: 'GitHub rejected ...', nextStep: '...' }
 * classifyFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })) // { retryable: true, reason: 'Could not reach ...' }
 */
export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof FleetError) return classifyFleetError(error);
  const code = networkCode(error);
  if (code !== undefined) return { retryable: true, reason: `Could not reach the service (${code}); Fleet will try again.` };
  const name = field(error, 'name');
  if (name === 'AbortError' || name === 'TimeoutError') return { retryable: true, reason: `The request timed out (${describeError(error)}); Fleet will try again.` };
  const status = field(error, 'status');
  if (typeof status === 'number') {
    const headers = field(field(error, 'response'), 'headers');
    const data = field(field(error, 'response'), 'data');
    const bodyMessage = field(data, 'message');
    const message = typeof bodyMessage === 'string' ? bodyMessage : error instanceof Error ? error.message : String(error);
    const classified = classifyStatus(status, message, typeof headers === 'object' && headers !== null ? (headers as Record<string, unknown>) : {}, `GitHub answered ${status}: ${message}.`);
    return classified.nextStep ? { ...classified, reason: `${classified.reason} To go on, ${classified.nextStep}.` } : classified;
  }
  if (error instanceof z.ZodError) {
    const issues = error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    const nextStep = 'report it with this message (GitHub or the service may have changed its API), then press Retry or Skip the target';
    return { retryable: false, reason: `An answer did not have the shape Fleet expects (${issues}). To go on, ${nextStep}.`, nextStep };
  }
  if (error instanceof SyntaxError || (error instanceof TypeError && error.cause === undefined)) {
    const nextStep = 'report it with this message, then press Retry or Skip the target';
    return { retryable: false, reason: `An answer did not have the shape Fleet expects (${error.message}). To go on, ${nextStep}.`, nextStep };
  }
  if (error instanceof TypeError) return { retryable: true, reason: `Could not reach the service (${error.message}); Fleet will try again.` };
  return { retryable: true, reason: describeError(error) };
}
