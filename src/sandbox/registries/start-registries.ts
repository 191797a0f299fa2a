import type { DependencyEnvironment } from '../../changes/dependency/types.js';
import { startGoProxy, type GoProxy } from './go-proxy.js';
import { GO_SUMDB } from './go-sumdb.js';
import { startNpmRegistry, type NpmRegistry } from './npm-registry.js';
import { startPythonIndex, type PythonIndex } from './python-index.js';

export interface LocalRegistries {
  npm: NpmRegistry;
  go: GoProxy;
  python: PythonIndex;
  /** What the `dependency` change's lockfile tools need to use them (as FLEET_NPM_REGISTRY etc. would give). */
  environment: DependencyEnvironment;
  /** The same as the FLEET_* variables of the README's table. */
  variables: Record<'FLEET_NPM_REGISTRY' | 'FLEET_GOPROXY' | 'FLEET_GOSUMDB' | 'FLEET_PIP_INDEX_URL', string>;
  close(): Promise<void>;
}

/**
 * Start the local npm registry, Go module proxy (with its checksum database) and Python index
 * together, on 127.0.0.1 (port 0: any free one), for the demo, `fleet sandbox registries` and
 * tests. If one fails to start, those already started are closed.
 *
 * @example const registries = await startLocalRegistries(); // ctx.dependencies = registries.environment
 */
export async function startLocalRegistries(options: { npmPort?: number; goPort?: number; pythonPort?: number } = {}): Promise<LocalRegistries> {
  const started: { close(): Promise<void> }[] = [];
  try {
    const npm = await startNpmRegistry({ port: options.npmPort ?? 0 });
    started.push(npm);
    const go = await startGoProxy({ port: options.goPort ?? 0 });
    started.push(go);
    const python = await startPythonIndex({ port: options.pythonPort ?? 0 });
    started.push(python);
    const environment: DependencyEnvironment = { npmRegistry: npm.url, goProxy: go.url, goSumDb: GO_SUMDB, pythonIndex: `${python.url}simple/` };
    return {
      npm,
      go,
      python,
      environment,
      variables: { FLEET_NPM_REGISTRY: npm.url, FLEET_GOPROXY: go.url, FLEET_GOSUMDB: GO_SUMDB, FLEET_PIP_INDEX_URL: `${python.url}simple/` },
      close: async () => {
        await Promise.all(started.map((server) => server.close()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((server) => server.close()));
    throw error;
  }
}
