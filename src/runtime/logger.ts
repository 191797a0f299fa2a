import type { FleetLogger } from '../slack/logger.js';

export type { FleetLogger };

export type LogLevelName = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevelName, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Token shapes that must never reach a log line, whatever field they hide in. */
const TOKEN_PATTERNS: RegExp[] = [
  /xox[abposr]-[A-Za-z0-9-]{6,}/g, // Slack tokens
  /xapp-[A-Za-z0-9-]{6,}/g, // Slack app-level tokens
  /gh[pousr]_[A-Za-z0-9]{20,}/g, // GitHub tokens
  /github_pat_[A-Za-z0-9_]{20,}/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

export interface LoggerOptions {
  level?: LogLevelName;
  /** Exact secret values (tokens, signing secrets) to mask wherever they appear. */
  secrets?: readonly (string | null | undefined)[];
  /** Where a line goes (default: standard error). */
  write?: (line: string) => void;
  now?: () => number;
  /** Fields added to every line (e.g. the job's name). */
  base?: Record<string, unknown>;
}

/**
 * Masks secrets in a text: the configured values first, then anything shaped like a token.
 *
 * @example redact('token xoxb-123-456-abc', []) // 'token [redacted]'
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 6) out = out.split(secret).join('[redacted]');
  }
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out;
}

/**
 * A structured logger writing one JSON object per line, with secrets masked in the message and
 * in every field.
 *
 * @example
 * const log = createLogger({ level: 'info', secrets: [config.slack.botToken] });
 * log.info('campaign started', { campaign: 'c-1a2b3c' });
 */
export function createLogger(options: LoggerOptions = {}): FleetLogger {
  const threshold = ORDER[options.level ?? 'info'];
  const secrets = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length > 0);
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;

  function log(level: LogLevelName, message: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < threshold) return;
    let line: string;
    try {
      line = JSON.stringify({ at: new Date(now()).toISOString(), level, msg: message, ...options.base, ...fields });
    } catch {
      line = JSON.stringify({ at: new Date(now()).toISOString(), level, msg: message, fields: '[unserialisable]' });
    }
    write(redact(line, secrets));
  }

  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}
