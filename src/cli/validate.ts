import { formatSpecErrors, loadSpec } from '../campaigns/load-spec.js';
import { ORG_LOGIN, parseOrgScope, requireOrgsInScope } from '../campaigns/org-scope.js';
import type { CampaignSpec } from '../domain/spec.js';
import { describeError, isFleetError } from '../errors.js';
import { EXIT, type CliCommand, type CliIo } from './io.js';

/**
 * `fleet validate <spec.yml>...`: checks each spec and prints every problem with its line, or one
 * "ok" line per valid file. With FLEET_ORGS set in the environment, a spec targeting another
 * organisation is refused as Fleet would refuse it at preview and start.
 *
 * @example
 * await validateCommand.run(['campaigns/examples/bump-lodash.yml'], io);
 * // ok campaigns/examples/bump-lodash.yml: npm-dependency over org acme (topics node, service; language TypeScript), 4 waves, 7 steps
 */
export const validateCommand: CliCommand = {
  summary: 'Check campaign specs and print each problem with its line and a hint',
  usage: 'fleet validate <spec.yml>...',
  run: runValidate,
};

async function runValidate(args: string[], io: CliIo): Promise<number> {
  if (args.length === 0 || args.some((a) => a.startsWith('-'))) {
    const unknown = args.find((a) => a.startsWith('-'));
    io.stderr(`${unknown ? `Unknown option ${unknown}.` : 'Give at least one spec file.'} Usage: ${validateCommand.usage}\n`);
    return EXIT.usage;
  }
  const scope = parseOrgScope(io.env.FLEET_ORGS);
  if (scope?.some((org) => !ORG_LOGIN.test(org))) {
    io.stderr('FLEET_ORGS is malformed. Set it to a comma-separated list of GitHub organisation logins, e.g. acme,acme-labs, or unset it.\n');
    return EXIT.usage;
  }
  let failed = false;
  for (const file of args) {
    let text: string;
    try {
      text = await io.readFile(file);
    } catch (error) {
      failed = true;
      io.stderr(`${file}: cannot be read (${describeError(error)}). Check the path.\n`);
      continue;
    }
    const result = loadSpec(text, file);
    if (result.ok) {
      try {
        requireOrgsInScope(result.spec, scope, 'operator');
      } catch (error) {
        if (!isFleetError(error, 'bad_input')) throw error;
        failed = true;
        io.stderr(`${file}: ${error.message}\n`);
        continue;
      }
      io.stdout(`ok ${file}: ${describeSpec(result.spec)}\n`);
      continue;
    }
    failed = true;
    io.stderr(`${formatSpecErrors(file, result.errors)}\n`);
    io.stderr(`${file}: ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}.\n`);
  }
  return failed ? EXIT.failed : EXIT.ok;
}

/** "npm-dependency over org acme (topics node, service), 4 waves, 7 steps" */
export function describeSpec(spec: CampaignSpec): string {
  return `${spec.change.kind} over ${describeTargets(spec.targets)}, ${spec.waves.length} wave${spec.waves.length === 1 ? '' : 's'}, ${spec.steps.length} step${spec.steps.length === 1 ? '' : 's'}`;
}

function describeTargets(targets: CampaignSpec['targets']): string {
  if (targets.repos) {
    const shown = targets.repos.slice(0, 3).join(', ');
    return `${targets.repos.length} repositor${targets.repos.length === 1 ? 'y' : 'ies'} (${shown}${targets.repos.length > 3 ? ', ...' : ''})`;
  }
  const filters = [
    targets.topics.length > 0 ? `topics ${targets.topics.join(', ')}` : '',
    targets.language ? `language ${targets.language}` : '',
    targets.include.length > 0 ? `include ${targets.include.join(', ')}` : '',
    targets.exclude.length > 0 ? `exclude ${targets.exclude.join(', ')}` : '',
    targets.containing ? `containing ${typeof targets.containing === 'string' ? targets.containing : [targets.containing.text, targets.containing.path ? `in ${targets.containing.path}` : '', targets.containing.query ?? ''].filter(Boolean).join(' ')}` : '',
  ].filter((f) => f !== '');
  const selector = targets.query ? `search "${targets.query}"${targets.org ? ` in org ${targets.org}` : ''}` : `org ${targets.org ?? ''}`;
  return `${selector}${filters.length > 0 ? ` (${filters.join('; ')})` : ''}`;
}
