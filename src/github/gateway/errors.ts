import { FleetError } from '../../errors.js';

/**
 * How the gateway turns GitHub's answers into Fleet's errors: every failure becomes a FleetError
 * with the HTTP status in `details.status`, a `details.retryable` flag and a sentence for a person;
 * 429 and exhausted rate limits become `budget_exhausted` with `details.retryAt`.
 */

/** The shape of an Octokit request error, as far as Fleet reads it. */
export interface HttpError {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

function isHttpError(error: unknown): error is HttpError {
  return typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number' && !(error instanceof FleetError);
}

/** GitHub's own message from the response body, or the error's message without one. */
export function githubMessage(error: HttpError): string {
  const data = error.response?.data;
  if (typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string') return (data as { message: string }).message;
  return error.message;
}

/** The HTTP status behind an error (an Octokit error or a FleetError that kept it), if any. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof FleetError && typeof error.details.status === 'number') return error.details.status;
  return isHttpError(error) ? error.status : undefined;
}

/** Turns an Octokit error into a FleetError with a sentence that says what to do next. */
export function toFleetError(error: unknown, what: string, repo: string | undefined, now: number): FleetError {
  if (error instanceof FleetError) return error;
  if (!isHttpError(error)) {
    return new FleetError('github_error', `Could not reach GitHub while ${what}: ${String((error as Error)?.message ?? error)}. Fleet will try again; check GITHUB_API_URL if it keeps failing.`, { retryable: true, what }, { cause: error });
  }
  const status = error.status;
  const message = githubMessage(error);
  const headers = error.response?.headers ?? {};
  const where = repo ? ` in ${repo}` : '';
  const base = { status, what, repo, githubMessage: message };
  if (status === 429 || (status === 403 && headers['x-ratelimit-remaining'] === '0') || /rate limit/i.test(message)) {
    const retryAfter = Number(headers['retry-after']);
    const reset = Number(headers['x-ratelimit-reset']);
    const retryAt = Number.isFinite(retryAfter) && retryAfter > 0 ? now + retryAfter * 1000 : Number.isFinite(reset) && reset > 0 ? reset * 1000 : now + 60_000;
    return new FleetError('budget_exhausted', `GitHub's rate limit stopped Fleet while ${what}${where}; it will continue at ${new Date(retryAt).toISOString()} on its own.`, { ...base, retryAt, retryable: true }, { cause: error });
  }
  if (status === 401) {
    return new FleetError('github_error', `GitHub refused Fleet's credentials (401) while ${what}: ask an admin to check Fleet's GitHub credentials (its token, or the GitHub App's id, key and installation).`, { ...base, retryable: false }, { cause: error });
  }
  if (status === 403) {
    return new FleetError('github_error', `GitHub forbade ${what}${where} (403: ${message}): give Fleet's token or app write access to the repository.`, { ...base, retryable: false }, { cause: error });
  }
  if (status === 404) {
    return new FleetError('github_error', `GitHub found nothing while ${what}${where} (404): check that the repository exists and that Fleet's token or app can see it.`, { ...base, retryable: false }, { cause: error });
  }
  if (status === 409) {
    return new FleetError('github_error', `GitHub reported a conflict while ${what}${where} (409: ${message}); Fleet will look again on the next run.`, { ...base, retryable: true }, { cause: error });
  }
  if (status === 422) {
    return new FleetError('github_error', `GitHub rejected ${what}${where} (422: ${message}); check the campaign's branch, labels and files.`, { ...base, retryable: false }, { cause: error });
  }
  if (status >= 500) {
    return new FleetError('github_error', `GitHub failed (${status}) while ${what}${where}, even after retries; Fleet will try again later.`, { ...base, retryable: true }, { cause: error });
  }
  return new FleetError('github_error', `GitHub answered ${status} while ${what}${where} (${message}).`, { ...base, retryable: false }, { cause: error });
}
