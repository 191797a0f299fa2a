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

/** Figures from published sources (see docs/PERFORMANCE.md); until filled in, today's. */
export const CALIBRATED_RATES: WorldRates = { ...TODAY_RATES, id: 'calibrated' };

export const WORLDS = { today: TODAY_RATES, calibrated: CALIBRATED_RATES } as const;
export type WorldName = keyof typeof WORLDS;
