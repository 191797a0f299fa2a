import { migrate, openDatabase } from '../store/database.js';
import { describeError } from '../errors.js';
import { EXIT, type CliCommand, type CliIo } from './io.js';

/**
 * `fleet migrate`: applies pending migrations to the database in FLEET_DB (the only variable it
 * needs, so it can run before the rest of the configuration exists).
 *
 * @example
 * await migrateCommand.run([], { ...io, env: { FLEET_DB: '/var/lib/fleet/fleet.db' } });
 * // Applied migrations 1, 2 to /var/lib/fleet/fleet.db; it is at version 2.
 */
export const migrateCommand: CliCommand = {
  summary: 'Apply pending database migrations to FLEET_DB',
  usage: 'fleet migrate',
  run: runMigrate,
};

async function runMigrate(args: string[], io: CliIo): Promise<number> {
  if (args.length > 0) {
    io.stderr(`fleet migrate takes no arguments; set FLEET_DB instead. Usage: ${migrateCommand.usage}\n`);
    return EXIT.usage;
  }
  const file = io.env.FLEET_DB?.trim();
  if (!file) {
    io.stderr('FLEET_DB is not set. Set it to the path of the SQLite file Fleet keeps its state in, e.g. FLEET_DB=./fleet.db fleet migrate\n');
    return EXIT.usage;
  }
  try {
    const db = openDatabase(file, { migrate: false });
    try {
      const applied = migrate(db);
      const version = Number(db.pragma('user_version', { simple: true }));
      io.stdout(
        applied.length === 0
          ? `${file} is up to date at version ${version}.\n`
          : `Applied migration${applied.length === 1 ? '' : 's'} ${applied.join(', ')} to ${file}; it is at version ${version}.\n`,
      );
    } finally {
      db.close();
    }
    return EXIT.ok;
  } catch (error) {
    io.stderr(`Could not migrate ${file}: ${describeError(error)}\n`);
    return EXIT.failed;
  }
}
