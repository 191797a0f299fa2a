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
/** Where a `workflow-dispatch` deploy runs: a workflow of the repository, started on the PR's head. */
export const DeployWorkflow = z.strictObject({
  /** The workflow's file name (e.g. deploy.yml) or numeric id. */
  workflow: z.string().min(1).max(255),
  /** Inputs passed to `workflow_dispatch`; {{sha}}, {{environment}}, {{campaign}} and {{repo}} are filled in. */
  inputs: z.record(z.string(), z.string()).default({}),
});
/** Where a `webhook` deploy goes: a signed POST to an external system (a Spinnaker webhook trigger, a CD's API). */
export const DeployWebhook = z.strictObject({
  url: z.string().url().max(2000),
  /** The environment variable that holds the HMAC secret the POST is signed with. */
  secretEnv: z
    .string()
    .regex(/^FLEET_DEPLOY_[A-Z0-9_]+$/, { message: 'Fleet reads deploy secrets only from variables named FLEET_DEPLOY_… (e.g. FLEET_DEPLOY_WEBHOOK_SECRET)' })
    .default('FLEET_DEPLOY_WEBHOOK_SECRET'),
  /** A URL to poll for the deploy's status ({{id}} is the id the system answered with); unset: the system calls Fleet back. */
  statusUrl: z.string().max(2000).optional(),
});
export const DeployOptions = z.strictObject({
  /** How the canary is deployed: GitHub Deployments (the default), a workflow run, or a signed webhook. */
  method: z.enum(['deployments', 'workflow-dispatch', 'webhook']).default('deployments'),
  /** The environment the PR's head is deployed to. */
  environment: z.string().min(1).max(255).default('canary'),
  /** Status contexts GitHub must see pass before it creates the deployment ([] = none). */
  requiredContexts: z.array(z.string().min(1)).default([]),
  /** How long the deploy may take before a person is asked. */
  timeout: Duration.prefault('30m'),
  /** How often the deploy's status is polled when no webhook arrives. */
  pollEvery: Duration.prefault('1m'),
  workflow: DeployWorkflow.optional(),
  webhook: DeployWebhook.optional(),
}).superRefine((options, ctx) => {
  // Each method needs its own section; a section for another method is a mistake to point out.
  if (options.method === 'workflow-dispatch' && !options.workflow) ctx.addIssue({ code: 'custom', path: ['workflow'], message: 'method workflow-dispatch needs a workflow: { workflow: deploy.yml, inputs: { … } }' });
  if (options.method === 'webhook' && !options.webhook) ctx.addIssue({ code: 'custom', path: ['webhook'], message: 'method webhook needs a webhook: { url: https://…, secretEnv: FLEET_DEPLOY_… }' });
  if (options.method !== 'workflow-dispatch' && options.workflow) ctx.addIssue({ code: 'custom', path: ['workflow'], message: `workflow is for method workflow-dispatch; this deploy's method is ${options.method}` });
  if (options.method !== 'webhook' && options.webhook) ctx.addIssue({ code: 'custom', path: ['webhook'], message: `webhook is for method webhook; this deploy's method is ${options.method}` });
});
export type DeployOptions = z.infer<typeof DeployOptions>;
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
  /** The production environment whose deployment of the merge commit the bake waits for and judges. */
  environment: z.string().min(1).max(255).default('production'),
  /** How long after the merge the production deployment of the merge commit may take to succeed before a person is asked. */
  deployTimeout: Duration.prefault('2h'),
  /** How often production's deployments are read while no webhook arrives. */
  pollEvery: Duration.prefault('2m'),
  /** Judge a failing bake again on a second window of the same length before failing the target. */
  confirm: z.boolean().default(true),
});
export type BakeOptions = z.infer<typeof BakeOptions>;
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
  deploy: DeployOptions,
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
