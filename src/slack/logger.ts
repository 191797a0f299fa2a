import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';

/** The structured logger the Slack app is given: a message and fields that are safe to log. */
export interface FleetLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Bolt logs with its own interface; this routes its lines to ours under `source: bolt`. */
export function adaptLogger(logger: FleetLogger): BoltLogger {
  let level = LogLevel.INFO;
  const line = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  return {
    debug: (...args: unknown[]) => logger.debug(line(args), { source: 'bolt' }),
    info: (...args: unknown[]) => logger.info(line(args), { source: 'bolt' }),
    warn: (...args: unknown[]) => logger.warn(line(args), { source: 'bolt' }),
    error: (...args: unknown[]) => logger.error(line(args), { source: 'bolt' }),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
