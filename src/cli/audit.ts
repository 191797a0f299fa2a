import { existsSync } from 'node:fs';
import { openDatabase } from '../store/database.js';
import { createStore, type EventRecord } from '../store/store.js';
import { describeError } from '../errors.js';
import { EXIT, type CliCommand, type CliIo } from './io.js';

/** One line of the audit trail: when, who, what, on which repository, and the evidence. */
export interface AuditRow {
  at: string;
  actor: string;
  kind: string;
  repo: string | null;
  data: Record<string, unknown>;
}

export type AuditFormat = 'jsonl' | 'csv';

const FORMATS: readonly AuditFormat[] = ['jsonl', 'csv'];
const CSV_COLUMNS = ['at', 'actor', 'kind', 'repo', 'data'] as const;

/**
 * `fleet audit <campaign-id> [--format jsonl|csv]`: every event of a campaign, oldest first, from
 * the database in FLEET_DB (opened read-only, never migrated).
 *
 * @example
 * await auditCommand.run(['c-42', '--format', 'csv'], { ...io, env: { FLEET_DB: './fleet.db' } });
 * // at,actor,kind,repo,data
 * // 2024-05-01T09:00:00.000Z,U0OWNER01,campaign.created,,"{""spec"":""bump-lodash""}"
 */
export const auditCommand: CliCommand = {
  summary: "Print a campaign's events (when, who, what, repo, evidence) as JSON lines or CSV",
  usage: 'fleet audit <campaign-id> [--format jsonl|csv]',
  run: runAudit,
};

/** The audit rows of a campaign's events; `repoOf` names the repository of a target id. */
export function toAuditRows(events: readonly EventRecord[], repoOf: (targetId: number) => string | undefined): AuditRow[] {
  return events.map((e) => ({
    at: new Date(e.at).toISOString(),
    actor: e.actor,
    kind: e.kind,
    repo: e.targetId === null ? null : (repoOf(e.targetId) ?? null),
    data: e.data,
  }));
}

/** One JSON object per line. */
export function formatJsonl(rows: readonly AuditRow[]): string {
  return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/**
 * RFC 4180: a header, CRLF line ends, and a field quoted (its quotes doubled) when it holds a
 * comma, a quote or a line break. `data` is its JSON text; a missing repo is an empty field.
 */
export function formatCsv(rows: readonly AuditRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const fields = [r.at, r.actor, r.kind, r.repo ?? '', JSON.stringify(r.data)];
    lines.push(fields.map(quoteCsv).join(','));
  }
  return lines.map((l) => `${l}\r\n`).join('');
}

function quoteCsv(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

type Parsed = { id: string; format: AuditFormat } | { problem: string };

function parseArgs(args: string[]): Parsed {
  let id: string | undefined;
  let format: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--format') {
      format = args[++i];
      if (format === undefined) return { problem: '--format needs a value, jsonl or csv.' };
    } else if (arg.startsWith('--format=')) {
      format = arg.slice('--format='.length);
    } else if (arg.startsWith('-')) {
      return { problem: `Unknown option ${arg}.` };
    } else if (id === undefined) {
      id = arg;
    } else {
      return { problem: `fleet audit takes one campaign id, not also ${arg}.` };
    }
  }
  if (id === undefined || id.trim() === '') return { problem: 'Give the id of the campaign to audit, as /fleet list shows it.' };
  const chosen = format ?? 'jsonl';
  if (!FORMATS.includes(chosen as AuditFormat)) return { problem: `Unknown format "${chosen}"; use jsonl or csv.` };
  return { id, format: chosen as AuditFormat };
}

async function runAudit(args: string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args);
  if ('problem' in parsed) {
    io.stderr(`${parsed.problem} Usage: ${auditCommand.usage}\n`);
    return EXIT.usage;
  }
  const file = io.env.FLEET_DB?.trim();
  if (!file) {
    io.stderr(`FLEET_DB is not set. Set it to the path of Fleet's SQLite file, e.g. FLEET_DB=./fleet.db ${auditCommand.usage}\n`);
    return EXIT.usage;
  }
  if (!existsSync(file)) {
    io.stderr(`There is no database at ${file}; point FLEET_DB at the file Fleet keeps its state in.\n`);
    return EXIT.failed;
  }
  try {
    const db = openDatabase(file, { migrate: false, readonly: true });
    try {
      const store = createStore(db);
      if (!store.campaigns.get(parsed.id)) {
        io.stderr(`There is no campaign ${parsed.id} in ${file}; /fleet list shows the ids of the campaigns.\n`);
        return EXIT.failed;
      }
      const rows = toAuditRows(store.events.list({ campaignId: parsed.id, limit: Number.MAX_SAFE_INTEGER }), (targetId) => store.targets.get(targetId)?.repo);
      io.stdout(parsed.format === 'csv' ? formatCsv(rows) : formatJsonl(rows));
      return EXIT.ok;
    } finally {
      db.close();
    }
  } catch (error) {
    io.stderr(`Could not read the audit trail from ${file}: ${describeError(error)}\n`);
    return EXIT.failed;
  }
}
