import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupCommand } from '../../src/cli/backup.js';
import { openDatabase } from '../../src/store/database.js';
import { capture } from './capture-io.js';

const BETTER_SQLITE3 = require.resolve('better-sqlite3');

describe('fleet backup', () => {
  let dir: string;
  let dbFile: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-backup-'));
    dbFile = join(dir, 'fleet.db');
    const db = openDatabase(dbFile);
    db.exec('CREATE TABLE load (i INTEGER PRIMARY KEY, pad TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO load (pad) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run('x'.repeat(1_000));
    })();
    db.close();
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies a database that another process keeps writing to, and the copy is whole and consistent', async () => {
    // A writer in a process of its own, as Fleet is: WAL mode, a row per transaction, until killed.
    const writerScript = join(dir, 'writer.cjs');
    writeFileSync(
      writerScript,
      `const D = require(${JSON.stringify(BETTER_SQLITE3)}); const db = new D(${JSON.stringify(dbFile)}); db.pragma('busy_timeout = 5000'); db.pragma('journal_mode = WAL');
       const ins = db.prepare('INSERT INTO load (pad) VALUES (?)'); process.stdout.write('ready\\n');
       for (;;) { db.transaction(() => { for (let k = 0; k < 20; k++) ins.run('y'.repeat(1000)); })(); }`,
    );
    const writer = spawn(process.execPath, [writerScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        writer.stdout.once('data', () => resolve());
        writer.once('exit', (code) => reject(new Error(`the writer exited with ${code}`)));
      });
      const target = join(dir, 'copy.db');
      const io = capture({ FLEET_DB: dbFile });
      const code = await backupCommand.run([target], io);
      expect(io.err).toBe('');
      expect(code).toBe(0);
      expect(io.out).toMatch(/^Backed up .*fleet\.db to .*copy\.db: \d+\.\d MB \(\d+ pages\), schema version \d+, integrity ok, in \d+\.\d s\.\n$/);
      const copy = new Database(target, { readonly: true });
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
        const rows = (copy.prepare('SELECT count(*) AS n FROM load').get() as { n: number }).n;
        // Everything committed before the copy began, and whole transactions of the writer's only.
        expect(rows).toBeGreaterThanOrEqual(2_000);
        expect((rows - 2_000) % 20).toBe(0);
        expect(Number(copy.pragma('user_version', { simple: true }))).toBeGreaterThan(0);
      } finally {
        copy.close();
      }
      expect(readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);
      expect(existsSync(`${target}-wal`)).toBe(false);
    } finally {
      writer.kill('SIGKILL');
    }
  }, 60_000);

  it('refuses to replace a file unless told to, and replaces it with --force', async () => {
    const target = join(dir, 'copy.db');
    writeFileSync(target, 'not a database');
    const refused = capture({ FLEET_DB: dbFile });
    expect(await backupCommand.run([target], refused)).toBe(1);
    expect(refused.err).toMatch(/copy\.db exists; pass --force to replace it\./);
    const forced = capture({ FLEET_DB: dbFile });
    expect(await backupCommand.run(['--force', target], forced)).toBe(0);
    const copy = new Database(target, { readonly: true });
    expect((copy.prepare('SELECT count(*) AS n FROM load').get() as { n: number }).n).toBe(2_000);
    copy.close();
  });

  it('explains bad input and writes nothing', async () => {
    const cases: [string[], Record<string, string>, number, RegExp][] = [
      [[], { FLEET_DB: dbFile }, 2, /takes one file .*Usage: fleet backup \[--force\] <file>/],
      [['a.db', 'b.db'], { FLEET_DB: dbFile }, 2, /takes one file/],
      [['--fast', join(dir, 'x.db')], { FLEET_DB: dbFile }, 2, /Unknown option --fast/],
      [[join(dir, 'x.db')], {}, 2, /FLEET_DB is not set/],
      [[join(dir, 'x.db')], { FLEET_DB: join(dir, 'missing.db') }, 1, /There is no database at .*missing\.db/],
      [[dbFile], { FLEET_DB: dbFile }, 2, /is FLEET_DB itself/],
      [[join(dir, 'no', 'such', 'x.db')], { FLEET_DB: dbFile }, 1, /The folder .* does not exist/],
    ];
    for (const [args, env, exit, message] of cases) {
      const io = capture(env);
      expect(await backupCommand.run(args, io), args.join(' ')).toBe(exit);
      expect(io.err).toMatch(message);
      expect(io.out).toBe('');
    }
    expect(readdirSync(dir).sort()).toEqual(['fleet.db', 'fleet.db-shm', 'fleet.db-wal'].filter((f) => existsSync(join(dir, f))).sort());
  });
});
