import type { DependencyEnvironment } from '../changes/dependency/types.js';
import type { Gateway } from '../github/gateway.js';
import type { MetricsProviders } from '../metrics/provider.js';
import type { Store } from '../store/store.js';
import { FleetError } from '../errors.js';
import { awaitChecksStep } from './await-checks.js';
import { bakeStep } from './bake.js';
import { canaryStep } from './canary.js';
import { closeStep } from './close.js';
import { complianceStep } from './compliance.js';
import type { DeployEnvironment } from './deploy-webhook.js';
import { deployStep } from './deploy.js';
import { gateStep } from './gate.js';
import { mergeStep } from './merge.js';
import { openPrStep } from './open-pr.js';
import type { StepKind } from '../domain/step-options.js';
import { revertStep } from './revert.js';
import type { Step } from './types.js';
import type { GitIdentity } from '../workspace/git.js';
import type { WorkspacePool } from '../workspace/workspaces.js';

/**
 * What the tick hands every step: the shared clients. The GitHub gateway and the metrics providers
 * (by name; each campaign's `canary.provider` picks one) are typed by their own modules; the
 * registry only passes them through.
 */
export interface StepDeps<Github = Gateway, Metrics = MetricsProviders> {
  github: Github;
  metrics: Metrics;
  store: Store;
  /** Where the campaign catalog lives on disk (codemods are loaded from it). */
  catalogDir?: string;
  /** FLEET_UNSANDBOXED=1: codemods may run without bubblewrap, and the PR says so. */
  unsandboxed?: boolean;
  /** The targets' checkouts (FLEET_WORKDIR): open-pr makes its change in one and pushes it with git. */
  workspaces?: WorkspacePool;
  /** FLEET_GIT_AUTHOR; unset: the App's bot identity. */
  gitAuthor?: GitIdentity;
  /** The dependency change's registries and allowed credentials (FLEET_NPM_REGISTRY, …). */
  dependencies?: DependencyEnvironment;
  /** The webhook deploy's secrets (by variable name) and Fleet's public URL for its callback (FLEET_PUBLIC_URL). */
  deploy?: DeployEnvironment;
}

// Options are parsed by the engine from the spec before `run`, so the registry holds steps of any options type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RegisteredStep<Deps> = Step<any, Deps>;

export interface StepRegistry<Deps = StepDeps> {
  /** The step for a kind; throws a FleetError naming the missing kind. */
  get(kind: StepKind): RegisteredStep<Deps>;
  has(kind: StepKind): boolean;
  kinds(): StepKind[];
}

/**
 * Builds the kind → step lookup the tick uses. Two steps of one kind are a wiring mistake.
 *
 * @example
 * const registry = createStepRegistry([openPrStep, awaitChecksStep, gateStep, mergeStep]);
 * registry.get('merge').run(ctx);
 */
export function createStepRegistry<Deps = StepDeps>(steps: readonly RegisteredStep<Deps>[]): StepRegistry<Deps> {
  const byKind = new Map<StepKind, RegisteredStep<Deps>>();
  for (const step of steps) {
    if (byKind.has(step.kind)) throw new FleetError('internal', `Two steps are registered for "${step.kind}"; register each kind once.`);
    byKind.set(step.kind, step);
  }
  return {
    get(kind) {
      const step = byKind.get(kind);
      if (!step) {
        throw new FleetError('internal', `No step is registered for "${kind}". Add it to the step registry or remove it from the campaign's steps.`, { kind });
      }
      return step;
    },
    has: (kind) => byKind.has(kind),
    kinds: () => [...byKind.keys()],
  };
}

/**
 * The registry of every brick Fleet ships, as the advance job uses it.
 *
 * @example const registry = createDefaultRegistry(); await runTick({ store, registry, deps, now: Date.now, limits });
 */
export function createDefaultRegistry(): StepRegistry<StepDeps> {
  return createStepRegistry<StepDeps>([openPrStep, awaitChecksStep, complianceStep, deployStep, canaryStep, gateStep, mergeStep, bakeStep, closeStep, revertStep]);
}
