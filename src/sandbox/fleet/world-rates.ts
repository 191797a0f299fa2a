/**
 * The rates of the world a generated fleet stands for: how often checks flake, how often a PR's
 * CI fails for a reason of its own, how many default branches already fail, how often a deploy
 * fails and how often a bad change regresses a repository. `TODAY_RATES` are the generator's
 * long-standing figures; `CALIBRATED_RATES` come from published figures, each cited in
 * `docs/PERFORMANCE.md` ("The world the fleet is calibrated to").
 */
export interface WorldRates {
  id: 'today' | 'calibrated';
  /** Share of repositories with flaky checks. */
  flakyRepoShare: number;
  /** Chance that one run of a flaky check fails (each attempt drawn on its own). */
  flakyFailRate: number;
  /** Share of repositories whose default branch already fails its required checks. */
  redDefaultShare: number;
  /**
   * Share of the repositories a healthy change touches where its PR's CI fails for a reason of the
   * repository's own (a test pinned to the old behaviour, a snapshot, a conflicting pin): it fails
   * again when re-run and passes on the default branch, so Fleet rightly counts it as a failure.
   */
  prOwnFailureShare: number;
  /** Share of the repositories a change touches whose canary deploy fails (the CD reports failure). */
  deployFailureShare: number;
  /** Bad campaigns: share of the touched repositories where the change breaks CI or regresses a canary. */
  badChangeShare: number;
  /** Where each figure comes from (figure name → short citation; the full one is in docs/PERFORMANCE.md). */
  sources: Partial<Record<Exclude<keyof WorldRates, 'id' | 'sources'>, string>>;
}

/** The generator's figures before calibration (its defaults: a fleet generated without `rates`). */
export const TODAY_RATES: WorldRates = {
  id: 'today',
  flakyRepoShare: 0.08,
  flakyFailRate: 0.3,
  redDefaultShare: 0.04,
  prOwnFailureShare: 0,
  deployFailureShare: 0,
  badChangeShare: 0.1,
  sources: {},
};

/**
 * Figures from published sources; each derivation (the figure, its source and how it maps to the
 * rate) is in docs/PERFORMANCE.md, "The world the fleet is calibrated to".
 */
export const CALIBRATED_RATES: WorldRates = {
  id: 'calibrated',
  // 1.5% of test runs flaky over 16% of tests with some flakiness: a flaky test's run fails 9.4% of the time.
  flakyFailRate: 0.094,
  // At least 1.72% of builds restarted; a flaky repository's run of three checks fails 1 − 0.906³ = 25.6% of the time.
  flakyRepoShare: 0.067,
  // An organisation's master branches: never below 12% failing, 15–55% in working hours.
  redDefaultShare: 0.12,
  // Dependabot's compatibility scores: the vast majority above 90% (a healthy update fails in under 10% of clients).
  prOwnFailureShare: 0.05,
  // DORA's change failure rate of the elite cluster (2024): 5%.
  deployFailureShare: 0.05,
  // About 12% of npm clients had their build broken by a provider's non-major release.
  badChangeShare: 0.12,
  sources: {
    flakyFailRate: 'Micco, "Flaky Tests at Google and How We Mitigate Them", Google Testing Blog, 2016',
    flakyRepoShare: 'Durieux, Le Goues, Hilton, Abreu, "Empirical Study of Restarted and Flaky Builds on Travis CI", MSR 2020',
    redDefaultShare: 'HMCTS RSE dashboard, "CI failure percentage of master branch over 28 days"; Luu, "Please stop breaking the build"',
    prOwnFailureShare: 'Rombaut et al., "Leveraging the Crowd for Dependency Management: An Empirical Study on the Dependabot Compatibility Score", 2024',
    deployFailureShare: 'DORA, Accelerate State of DevOps 2024, change failure rate of the elite cluster',
    badChangeShare: 'Venturini, Cogo, Polato, Gerosa, Wiese, "I Depended on You and You Broke Me", TOSEM 2023',
  },
};

export const WORLDS = { today: TODAY_RATES, calibrated: CALIBRATED_RATES } as const;
export type WorldName = keyof typeof WORLDS;
