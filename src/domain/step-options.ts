import { z } from 'zod';
import { Duration } from './duration.js';

/** The options of each step kind (a brick), validated when a spec is read. */
export const OpenPrOptions = z.strictObject({});
export type OpenPrOptions = z.infer<typeof OpenPrOptions>;
export const AwaitChecksOptions = z.strictObject({
  /** Check names to require; default: the checks the branch's rules (rulesets and classic protection) require, or, with none, every check the PR's head gets. */
  required: z.array(z.string().min(1)).optional(),
  timeout: Duration.prefault('2h'),
  pollEvery: Duration.prefault('2m'),
  /** With no required checks: how long to wait for a first check before the repository counts as one without CI. */
  settle: Duration.prefault('2m'),
});
export type AwaitChecksOptions = z.infer<typeof AwaitChecksOptions>;
export const ComplianceRule = z.enum([
  'codeowners',
  'required-reviews',
  'allowed-paths',
  'diff-size',
  'no-secrets',
  'required-labels',
]);
export const ComplianceOptions = z.strictObject({
  rules: z.array(ComplianceRule).default(['codeowners', 'allowed-paths', 'diff-size', 'no-secrets']),
  allowedPaths: z.array(z.string().min(1)).default(['**']),
  maxChangedLines: z.number().int().positive().default(400),
  requiredLabels: z.array(z.string().min(1)).default([]),
  requiredApprovals: z.number().int().min(0).default(0),
});
export type ComplianceOptions = z.infer<typeof ComplianceOptions>;
export const CanaryStepOptions = z.strictObject({
  /** How long the canary runs before it is judged. */
  duration: Duration.prefault('30m'),
});
export const GateOptions = z.strictObject({});
export const MergeOptions = z.strictObject({
  /** Unset: the repository's preferred allowed method (squash, then merge, then rebase). */
  method: z.enum(['merge', 'squash', 'rebase']).optional(),
  /** Let GitHub merge the PR itself once its requirements are met (auto-merge), where the repository allows it. */
  auto: z.boolean().default(false),
  deleteBranch: z.boolean().default(true),
  /** How often to try again when GitHub says the PR is not mergeable yet (405) before asking a person. */
  notMergeableRetries: z.number().int().min(0).max(20).default(3),
  retryEvery: Duration.prefault('2m'),
  /** How long a required review may be waited for before a person is asked to step in. */
  reviewTimeout: Duration.prefault('7d'),
});
export type MergeOptions = z.infer<typeof MergeOptions>;
export const BakeOptions = z.strictObject({
  duration: Duration.prefault('1h'),
  /** Judge a failing bake again on a second window of the same length before failing the target. */
  confirm: z.boolean().default(true),
});
export const CloseOptions = z.strictObject({
  deleteBranch: z.boolean().default(true),
});
export type CloseOptions = z.infer<typeof CloseOptions>;
export const RevertOptions = z.strictObject({});
export type RevertOptions = z.infer<typeof RevertOptions>;

export const STEP_OPTIONS = {
  'open-pr': OpenPrOptions,
  'await-checks': AwaitChecksOptions,
  compliance: ComplianceOptions,
  canary: CanaryStepOptions,
  gate: GateOptions,
  merge: MergeOptions,
  bake: BakeOptions,
  close: CloseOptions,
  revert: RevertOptions,
} as const;

export type StepKind = keyof typeof STEP_OPTIONS;
export const STEP_KINDS = Object.keys(STEP_OPTIONS) as StepKind[];
export const DEFAULT_PATH: readonly StepKind[] = ['open-pr', 'await-checks', 'compliance', 'canary', 'gate', 'merge', 'bake'];
