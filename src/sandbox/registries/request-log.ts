/** One request a local registry served. */
export interface ServedRequest {
  method: string;
  path: string;
  status: number;
}

/** How many requests a registry remembers: enough for any test, bounded for a long-running sandbox. */
export const REQUEST_LOG_LIMIT = 10_000;

/** Append to a registry's request log, dropping the oldest entries past the limit. */
export function recordRequest(log: ServedRequest[], entry: ServedRequest): void {
  log.push(entry);
  if (log.length > REQUEST_LOG_LIMIT) log.splice(0, log.length - REQUEST_LOG_LIMIT);
}
