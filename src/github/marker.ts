/**
 * The hidden marker Fleet puts in the bodies of the PRs it opens. It lets a step find its own PR
 * again after a crash even when the branch was renamed or the PR was opened from another branch,
 * and it tells people reading the raw body which campaign owns the PR.
 */
export interface Marker {
  campaignId: string;
  repo: string;
  /** Set on revert PRs: the number of the PR being reverted. */
  revertOf?: number;
}

const MARKER = /<!-- fleet:campaign=([A-Za-z0-9_.-]+) target=([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)(?: revert=(\d+))? -->/;

/**
 * The marker line for a campaign's PR in a repository.
 *
 * @example
 * formatMarker({ campaignId: 'c-7f3a', repo: 'acme/api' }) // '<!-- fleet:campaign=c-7f3a target=acme/api -->'
 */
export function formatMarker(marker: Marker): string {
  const revert = marker.revertOf === undefined ? '' : ` revert=${marker.revertOf}`;
  return `<!-- fleet:campaign=${marker.campaignId} target=${marker.repo}${revert} -->`;
}

/** The marker in a PR body, if there is one. */
export function parseMarker(body: string | null | undefined): Marker | undefined {
  const match = MARKER.exec(body ?? '');
  if (!match) return undefined;
  const marker: Marker = { campaignId: match[1], repo: match[2] };
  if (match[3] !== undefined) marker.revertOf = Number(match[3]);
  return marker;
}

/** True when `body` carries exactly this marker (a revert marker is not the original's). */
export function hasMarker(body: string | null | undefined, marker: Marker): boolean {
  const found = parseMarker(body);
  return found !== undefined && found.campaignId === marker.campaignId && found.repo === marker.repo && found.revertOf === marker.revertOf;
}

/** Appends the marker to a body, replacing any marker already there (so re-rendering is stable). */
export function withMarker(body: string, marker: Marker): string {
  const stripped = body.replace(new RegExp(MARKER.source, 'g'), '').trimEnd();
  return `${stripped}\n\n${formatMarker(marker)}\n`;
}

/**
 * The hidden line of the comment Fleet leaves when it closes a campaign's PR, so a close that runs
 * again after a crash finds its comment instead of posting a second one.
 *
 * @example
 * formatCloseMarker({ campaignId: 'c-7f3a', repo: 'acme/api' }) // '<!-- fleet:close campaign=c-7f3a target=acme/api -->'
 */
export function formatCloseMarker(marker: Marker): string {
  return `<!-- fleet:close campaign=${marker.campaignId} target=${marker.repo} -->`;
}
