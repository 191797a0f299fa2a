import { suggest } from '../campaigns/load-spec.js';
import { describeError } from '../errors.js';
import { COMMANDS } from './commands.js';
import { EXIT, type CliCommand, type CliIo } from './io.js';

/**
 * Runs `fleet <command> [args...]` and returns the exit code; never throws.
 *
 * @example
 * const code = await runCli(['validate', 'spec.yml'], io); // 0 when the spec is valid
 */
export async function runCli(argv: string[], io: CliIo, commands: Record<string, CliCommand> = COMMANDS): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(helpText(commands));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.stderr(`Unknown command "${name}". ${suggest(name, Object.keys(commands), 'Commands')} Run "fleet help" for the list.\n`);
    return EXIT.usage;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    io.stderr(`fleet ${name} failed: ${describeError(error)}\n`);
    return EXIT.failed;
  }
}

function helpText(commands: Record<string, CliCommand>): string {
  const rows = [{ usage: 'fleet help', summary: 'Show this list' }, ...Object.values(commands)];
  const width = Math.max(...rows.map((r) => r.usage.length));
  return [
    'Fleet: fleet change campaigns from Slack. Commands:',
    '',
    ...rows.map((r) => `  ${r.usage.padEnd(width)}  ${r.summary}`),
    '',
    'Exit codes: 0 success, 1 a problem was found, 2 bad usage.',
    '',
  ].join('\n');
}
