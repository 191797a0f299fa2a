import { parseArgs } from 'node:util';
import type { CliIo } from './io.js';
import { GO_CATALOG, NPM_CATALOG } from '../sandbox/registries/catalog.js';
import { PYTHON_CATALOG } from '../sandbox/registries/python-index.js';
import { startLocalRegistries, type LocalRegistries } from '../sandbox/registries/start-registries.js';

export interface SandboxRegistriesDeps {
  /** Resolves when the registries should stop; by default on SIGINT or SIGTERM. */
  waitForStop?: (registries: LocalRegistries) => Promise<void>;
}

const USAGE = 'fleet sandbox registries [--npm-port N] [--go-port N] [--python-port N]';

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function parsePort(value: string | undefined, flag: string, io: CliIo): number | undefined {
  if (value === undefined) return 0;
  const number = Number(value);
  if (Number.isInteger(number) && number >= 0 && number < 65536) return number;
  io.stderr(`${flag} takes a port number (0 for any free one), not "${value}". Usage: ${USAGE}\n`);
  return undefined;
}

/**
 * `fleet sandbox registries`: starts the local npm registry, Go module proxy (with its checksum
 * database) and Python index on 127.0.0.1, prints the variables that point Fleet's lockfile
 * tools at them, and serves until SIGINT or SIGTERM.
 *
 * @example
 * await runSandboxRegistriesCommand(['registries', '--npm-port', '4873'], io); // serves until Ctrl-C
 */
export async function runSandboxRegistriesCommand(args: string[], io: CliIo, deps: SandboxRegistriesDeps = {}): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args: args[0] === 'registries' ? args.slice(1) : args, options: { 'npm-port': { type: 'string' }, 'go-port': { type: 'string' }, 'python-port': { type: 'string' } } }).values;
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}. Usage: ${USAGE}\n`);
    return 2;
  }
  const npmPort = parsePort(values['npm-port'], '--npm-port', io);
  const goPort = parsePort(values['go-port'], '--go-port', io);
  const pythonPort = parsePort(values['python-port'], '--python-port', io);
  if (npmPort === undefined || goPort === undefined || pythonPort === undefined) return 2;

  const registries = await startLocalRegistries({ npmPort, goPort, pythonPort });
  const { npm, go, python } = registries;
  io.stdout(`npm registry on ${npm.url} (${NPM_CATALOG.length} packages), Go module proxy on ${go.url} (${GO_CATALOG.length} modules, with its checksum database), Python index on ${python.url}simple/ (${PYTHON_CATALOG.length} projects).\n`);
  io.stdout(Object.entries(registries.variables).map(([name, value]) => `${name}=${value}\n`).join(''));
  try {
    await (deps.waitForStop ?? waitForSignal)(registries);
  } finally {
    await registries.close();
  }
  io.stdout('Local registries stopped.\n');
  return 0;
}
