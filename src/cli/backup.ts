import { existsSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describeError } from '../errors.js';
import { EXIT, type CliCommand, type CliIo } from './io.js';

/**
 * `fleet backup [--force] <file>`: an online copy of the database in FLEET_DB, taken with SQLite's
 * backup API, so it is consistent while Fleet runs and writes. The copy is written beside its
 * destination and renamed into place only once its `PRAGMA integrity_check` says ok, so a backup
 * that fails or is interrupted never leaves a half-written file under the name asked for.
 *
 * @example
 * await backupCommand.run(['/backups/fleet-2026-12-02.db'], { ...io, env: { FLEET_DB: '/var/lib/fleet/fleet.db' } });
 * // Backed up /var/lib/fleet/fleet.db to /backups/fleet-2026-12-02.db: 1.2 MB (301 pages), schema version 8, integrity ok, in 0.1 s.
 */
export const backupCommand: CliCommand = {
  summary: 'Copy FLEET_DB to a file while Fleet runs (SQLite online backup), checked for integrity',
  usage: 'fleet backup [--force] <file>',
  run: runBackup,
};

async function runBackup(args: string[], io: CliIo): Promise<number> {
  const force = args.includes('--force');
  const unknown = args.filter((a) => a.startsWith('-') && a !== '--force');
  const paths = args.filter((a) => !a.startsWith('-'));
  if (unknown.length > 0 || paths.length !== 1) {
    io.stderr(`${unknown.length > 0 ? `Unknown option ${unknown[0]}. ` : ''}fleet backup takes one file to write the copy to. Usage: ${backupCommand.usage}\n`);
    return EXIT.usage;
  }
  const source = io.env.FLEET_DB?.trim();
  if (!source) {
    io.stderr('FLEET_DB is not set. Set it to the SQLite file Fleet runs on, e.g. FLEET_DB=./fleet.db fleet backup ./fleet-backup.db\n');
    return EXIT.usage;
  }
  if (!existsSync(source)) {
    io.stderr(`There is no database at ${source} (FLEET_DB) to back up.\n`);
    return EXIT.failed;
  }
  const target = resolve(paths[0]);
  if (existsSync(target) && realpathSync(target) === realpathSync(source)) {
    io.stderr(`${paths[0]} is FLEET_DB itself; give the backup a file of its own.\n`);
    return EXIT.usage;
  }
  if (existsSync(target) && !force) {
    io.stderr(`${paths[0]} exists; pass --force to replace it.\n`);
    return EXIT.failed;
  }
  if (!existsSync(dirname(target))) {
    io.stderr(`The folder ${dirname(target)} does not exist; create it first.\n`);
    return EXIT.failed;
  }

  const partial = `${target}.partial-${process.pid}`;
  const started = Date.now();
  try {
    // Read-only: the backup never writes to Fleet's file; a busy writer makes SQLite wait, not fail.
    const db = new Database(source, { readonly: true, fileMustExist: true });
    let pages = 0;
    try {
      db.pragma('busy_timeout = 5000');
      // After the first step, the rest in one: SQLite starts a backup over when another connection
      // writes between its steps, so small steps against a busy Fleet might never finish. In WAL
      // mode one step is one read transaction, a consistent snapshot that never blocks Fleet's writers.
      await db.backup(partial, {
        progress: ({ totalPages }) => {
          pages = totalPages;
          return Math.max(1, totalPages);
        },
      });
    } finally {
      db.close();
    }
    const copy = new Database(partial, { fileMustExist: true });
    let integrity: string;
    let version: number;
    try {
      // The copy carries Fleet's WAL mode in its header; a backup is one file, with no -wal or -shm beside it.
      copy.pragma('journal_mode = DELETE');
      integrity = (copy.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
      version = Number(copy.pragma('user_version', { simple: true }));
    } finally {
      copy.close();
    }
    if (integrity !== 'ok') {
      rmSync(partial, { force: true });
      io.stderr(`The copy of ${source} failed its integrity check (${integrity}); nothing was written to ${paths[0]}. Check the disk and run fleet backup again.\n`);
      return EXIT.failed;
    }
    renameSync(partial, target);
    const mb = statSync(target).size / (1024 * 1024);
    io.stdout(`Backed up ${source} to ${paths[0]}: ${mb.toFixed(1)} MB (${pages} pages), schema version ${version}, integrity ok, in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
    return EXIT.ok;
  } catch (error) {
    rmSync(partial, { force: true });
    io.stderr(`Could not back up ${source}: ${describeError(error)}\n`);
    return EXIT.failed;
  }
}
