import type { DependencyEnvironment } from './types.js';

/** The environment variables the `dependency` change reads, and what each holds. */
export const DEPENDENCY_VARIABLES = {
  FLEET_NPM_REGISTRY: 'the npm registry the lockfile tools use where a repository names none in its .npmrc or .yarnrc.yml, e.g. https://npm.acme.io/ (default: the tools\' own, https://registry.npmjs.org/)',
  FLEET_GOPROXY: 'the GOPROXY list go uses to update go.sum, e.g. https://goproxy.acme.io,direct (default: Go\'s own, https://proxy.golang.org,direct)',
  FLEET_GOSUMDB: 'the GOSUMDB go checks modules against, e.g. sum.golang.org, or off for a private proxy (default: Go\'s own)',
  FLEET_PIP_INDEX_URL: 'the Python package index poetry, uv and pipenv use where a repository names none, e.g. https://pypi.acme.io/simple (default: PyPI)',
  FLEET_MAVEN_REPOSITORY: 'the Maven repository Maven and Gradle use where a repository names none, e.g. https://maven.acme.io/releases (default: Maven Central)',
  FLEET_DEPENDENCY_CREDENTIALS: 'a comma-separated list of Fleet\'s environment variables a dependency spec may hand to the lockfile tools through its credentials option, e.g. NPM_TOKEN,GOPRIVATE_TOKEN (default: none)',
} as const;

/**
 * Reads the `dependency` change's registries and allowed credentials from an environment. Only
 * the variables FLEET_DEPENDENCY_CREDENTIALS names are kept, and only those that are set.
 *
 * @example dependencyEnvironment({ FLEET_NPM_REGISTRY: 'https://npm.acme.io/', FLEET_DEPENDENCY_CREDENTIALS: 'NPM_TOKEN', NPM_TOKEN: 's3cret' })
 * // { npmRegistry: 'https://npm.acme.io/', credentials: { NPM_TOKEN: 's3cret' } }
 */
export function dependencyEnvironment(env: Readonly<Record<string, string | undefined>>): DependencyEnvironment {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const credentials: Record<string, string> = {};
  for (const name of (value('FLEET_DEPENDENCY_CREDENTIALS') ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '')) {
    const v = env[name];
    if (v !== undefined && v !== '') credentials[name] = v;
  }
  const npmRegistry = value('FLEET_NPM_REGISTRY');
  const goProxy = value('FLEET_GOPROXY');
  const goSumDb = value('FLEET_GOSUMDB');
  const pythonIndex = value('FLEET_PIP_INDEX_URL');
  const mavenRepository = value('FLEET_MAVEN_REPOSITORY');
  return {
    ...(npmRegistry ? { npmRegistry } : {}),
    ...(goProxy ? { goProxy } : {}),
    ...(goSumDb ? { goSumDb } : {}),
    ...(pythonIndex ? { pythonIndex } : {}),
    ...(mavenRepository ? { mavenRepository } : {}),
    ...(Object.keys(credentials).length > 0 ? { credentials } : {}),
  };
}
