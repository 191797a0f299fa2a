import type { CampaignSpec } from '../domain/spec.js';
import type { CampaignRecord, TargetRecord } from '../store/store.js';
import type { Marker } from './marker.js';

/**
 * Small pieces the repository steps share: the deterministic names that make them idempotent
 * (the same branch and marker on every run, so a re-run finds what an earlier run created).
 */

/** The campaign's branch: spec.pr.branch, or `fleet/<campaign name>`. */
export function branchFor(spec: CampaignSpec): string {
  return spec.pr.branch ?? `fleet/${spec.name}`;
}

export function markerFor(campaign: CampaignRecord, target: TargetRecord): Marker {
  return { campaignId: campaign.id, repo: target.repo };
}

/** Fills {{campaign}}, {{repo}} and {{description}} in a PR title or body. */
export function renderTemplate(template: string, values: { campaign: string; repo: string; description: string }): string {
  return template.replace(/\{\{\s*(campaign|repo|description)\s*\}\}/g, (_m, key: 'campaign' | 'repo' | 'description') => values[key]);
}

/** A confidence signal: a value in [0, 1] and the evidence behind it. */
export function signal(value: number, evidence: Record<string, unknown>): { value: number; evidence: Record<string, unknown> } {
  return { value: Math.round(Math.min(1, Math.max(0, value)) * 1000) / 1000, evidence };
}

/** The PR the open-pr step recorded on the target, or undefined before it ran. */
export function prOf(target: TargetRecord): { number: number; headSha: string | null; branch: string | null } | undefined {
  return target.prNumber === null ? undefined : { number: target.prNumber, headSha: target.headSha, branch: target.branch };
}

/**
 * The workspace of a target: one checkout per campaign and repository, the same on every run, so
 * a retry of the same sha reuses it and the start-up sweep can tell whose a folder is.
 *
 * @example workspaceKey('c-7f3a', 'acme/api') // 'c-7f3a:acme/api'
 */
export function workspaceKey(campaignId: string, repo: string): string {
  return `${campaignId}:${repo}`;
}
