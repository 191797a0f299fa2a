import { loadConfig } from './config.js';
import { describeError, isFleetError } from '../errors.js';
import { createLogger } from './logger.js';
import { startFleet } from './start-fleet.js';

// The production entry point: `npm start` (after `npm run build`), configured by the environment.
let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  process.stderr.write(`${describeError(error)}\n`);
  process.exit(isFleetError(error, 'config_invalid') ? 78 : 1);
}
const logger = createLogger({
  level: config.logLevel === 'debug' || config.logLevel === 'warn' || config.logLevel === 'error' ? config.logLevel : 'info',
  secrets: [config.slack.botToken, config.slack.signingSecret, config.slack.appToken, config.github.webhookSecret, config.github.auth.kind === 'token' ? config.github.auth.token : config.github.auth.privateKey],
});
const fleet = await startFleet(config, { logger });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info('stopping', { signal });
    fleet.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('stop failed', { error: describeError(error) });
        process.exit(1);
      },
    );
  });
}
