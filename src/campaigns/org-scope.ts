import type { CampaignSpec } from '../domain/spec.js';
import { scopeOwners } from '../domain/search-query.js';
import { FleetError } from '../errors.js';

/**
 * The GitHub organisations campaigns may target (FLEET_ORGS). Null means unrestricted: with a
 * GitHub App the installation's organisation is not known offline, so Fleet cannot pick a default.
 */
export type OrgScope = readonly string[] | null;

/** A GitHub organisation login, as FLEET_ORGS lists them. */
export const ORG_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

/**
 * The organisations a spec touches: its `targets.org`, the owners of `targets.repos`, and the
 * accounts its search `query` (and a raw `containing` search) names with org:, user: or repo:.
 *
 * @example specOrgs({ targets: { org: 'acme', query: 'topic:node org:globex' } }) // ['acme', 'globex']
 */
export function specOrgs(spec: Pick<CampaignSpec, 'targets'>): string[] {
  const t = spec.targets;
  const containing = typeof t.containing === 'string' ? t.containing : t.containing?.query ?? '';
  const orgs = [...(t.org ? [t.org] : []), ...(t.repos ?? []).map((r) => r.split('/')[0] ?? r), ...scopeOwners(t.query ?? ''), ...scopeOwners(containing)];
  return [...new Set(orgs)];
}

/** The organisations of a spec outside the scope (GitHub logins compare without case). */
export function orgsOutOfScope(spec: Pick<CampaignSpec, 'targets'>, scope: OrgScope): string[] {
  if (scope === null) return [];
  const allowed = new Set(scope.map((o) => o.toLowerCase()));
  return specOrgs(spec).filter((o) => !allowed.has(o.toLowerCase()));
}

/**
 * Throws FleetError('bad_input') naming the first organisation outside FLEET_ORGS.
 *
 * @example requireOrgsInScope(spec, ['acme']) // throws for targets.org: globex
 */
export function requireOrgsInScope(spec: Pick<CampaignSpec, 'name' | 'targets'>, scope: OrgScope, audience: 'person' | 'operator' = 'person'): void {
  const outside = orgsOutOfScope(spec, scope);
  if (outside.length === 0 || scope === null) return;
  const list = outside.map((o) => `"${o}"`).join(', ');
  const which = `the organisation${outside.length === 1 ? '' : 's'} ${list}`;
  const instead = scope.length === 1 ? `Target ${scope[0]} instead` : 'Target one of those organisations';
  // An operator at the CLI is told the setting; a person in Slack is told whom to ask.
  const sentence =
    audience === 'operator'
      ? `Campaign ${spec.name} targets ${which}, which FLEET_ORGS (${scope.join(', ')}) does not allow. ${instead}, or add ${list} to FLEET_ORGS.`
      : `Campaign ${spec.name} targets ${which}, which Fleet may not change here (it may change ${scope.join(', ')}). ${instead}, or ask an admin to allow ${list}.`;
  throw new FleetError('bad_input', sentence, { orgs: outside, allowed: [...scope] });
}

/** FLEET_ORGS as a list, or null when unset or empty. */
export function parseOrgScope(value: string | undefined): OrgScope {
  const orgs = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return orgs.length ? orgs : null;
}
