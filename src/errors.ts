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
