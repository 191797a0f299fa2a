import { z } from 'zod';

/**
 * What every job worker receives in `workerData.config`: where the database is and how to reach
 * GitHub, Slack and the metrics. Tokens travel here and are never logged.
 */
export const JobConfig = z.object({
  dbFile: z.string().min(1),
  github: z
    .object({
      apiUrl: z.string().url().optional(),
      token: z.string().min(1).optional(),
      appId: z.union([z.string(), z.number()]).optional(),
      privateKey: z.string().optional(),
      installationId: z.union([z.string(), z.number()]).optional(),
      pacing: z.object({ perMinute: z.number().int().positive(), perHour: z.number().int().positive() }).optional(),
      /** Milliseconds per second of Retry-After (1 in tests against the stand-in). */
      retryAfterBaseMs: z.number().positive().optional(),
      /** Spacing of writes and of notification-triggering writes in one worker (GitHub advises 1 s and more; the sandbox uses less). */
      writeSpacingMs: z.number().int().min(0).optional(),
      /** Milliseconds per unit of the retry plugin's backoff on 5xx and network errors (default 1000). */
      retryBaseMs: z.number().int().positive().optional(),
      notificationSpacingMs: z.number().int().min(0).optional(),
    })
    .prefault({}),
  slack: z.object({ apiUrl: z.string().url().optional(), token: z.string().min(1).optional() }).prefault({}),
  metrics: z
    .object({
      prometheusUrl: z.string().url().optional(),
      /**
       * The sandbox's simulated provider: a seed and the repositories where the change regresses;
       * `followDeployments`: series only where the queried sha ran in the queried environment, as
       * the repositories' GitHub deployments (the sandbox's CD) say.
       */
      simulated: z
        .object({ seed: z.number().int(), regressing: z.array(z.string()).default([]), kind: z.enum(['errors', 'latency', 'variance']).default('errors'), followDeployments: z.boolean().optional() })
        .optional(),
    })
    .prefault({}),
  catalogDir: z.string().optional(),
  /** Where the targets' checkouts go (FLEET_WORKDIR's `targets` folder), how many at once, and the disk they may take. */
  workspaces: z.object({ root: z.string().min(1), max: z.number().int().positive(), maxMb: z.number().int().positive() }).optional(),
  /** FLEET_GIT_AUTHOR; unset: the App's bot identity. */
  gitAuthor: z.object({ name: z.string().min(1), email: z.string().min(3) }).optional(),
  /** FLEET_UNSANDBOXED=1: codemods may run without bubblewrap. */
  unsandboxed: z.boolean().optional(),
  /** FLEET_RETENTION_DAYS: the digest job prunes what is older (see store/retention.ts). Default 30. */
  retentionDays: z.number().int().positive().optional(),
  /** The dependency change's registries and allowed credentials (FLEET_NPM_REGISTRY, FLEET_GOPROXY, …). */
  dependencies: z
    .object({
      npmRegistry: z.string().optional(),
      goProxy: z.string().optional(),
      goSumDb: z.string().optional(),
      pythonIndex: z.string().optional(),
      mavenRepository: z.string().optional(),
      credentials: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  /** The webhook deploys' secrets (FLEET_DEPLOY_* variables, by name) and FLEET_PUBLIC_URL for their callback. */
  deploy: z.object({ secrets: z.record(z.string(), z.string()).default({}), publicUrl: z.string().url().optional() }).optional(),
  limits: z
    .object({
      maxTargets: z.number().int().positive().default(200),
      concurrency: z.number().int().positive().default(8),
      stepTimeoutMs: z.number().int().positive().default(60_000),
      /** Ticks per advance run while work stays due (steps that finish make the next one due at once). */
      maxRounds: z.number().int().positive().default(20),
    })
    .prefault({}),
});
export type JobConfig = z.infer<typeof JobConfig>;
