import { applyCommand } from './apply.js';
import { auditCommand } from './audit.js';
import { backupCommand } from './backup.js';
import type { CliCommand } from './io.js';
import { runJudgeCommand } from './judge.js';
import { migrateCommand } from './migrate.js';
import { validateCommand } from './validate.js';
import { runSandboxGithubCommand } from './sandbox-github.js';
import { runSandboxRegistriesCommand } from './sandbox-registries.js';
import { specReferenceCommand } from './spec-reference.js';

/**
 * The `fleet` subcommands. Adding one is one line here: a name and a CliCommand
 * (summary, usage, run(args, io) → exit code). `help` is built in.
 */
export const COMMANDS: Record<string, CliCommand> = {
  validate: validateCommand,
  apply: applyCommand,
  migrate: migrateCommand,
  backup: backupCommand,
  audit: auditCommand,
  sandbox: {
    summary: 'Run the fake GitHub seeded with a generated fleet, or the local package registries, until Ctrl-C',
    usage: 'fleet sandbox github [--port N] [--repos N] [--seed N] | fleet sandbox registries [--npm-port N] [--go-port N] [--python-port N]',
    run: (args, io) => (args[0] === 'registries' ? runSandboxRegistriesCommand(args, io) : runSandboxGithubCommand(args, io)),
  },
  'spec-reference': specReferenceCommand,
  judge: { summary: 'Judge a canary against its baseline from a JSON file', usage: 'fleet judge [--check] <file.json>', run: runJudgeCommand },
};
