/** `FLEET_CAMPAIGNS` as `github:owner/repo[/path]`; anything else is a directory. */
export const GITHUB_SOURCE = /^github:([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/([A-Za-z0-9_.-]+)(?:\/(.*))?$/;

export type CampaignSource = { kind: 'directory'; path: string } | { kind: 'github'; owner: string; repo: string; path: string };

/** Where campaign specs live, from FLEET_CAMPAIGNS ("./campaigns" or "github:acme/fleet-campaigns/specs"). */
export function parseCampaignSource(value: string): CampaignSource {
  const match = GITHUB_SOURCE.exec(value);
  if (!match) return { kind: 'directory', path: value };
  return { kind: 'github', owner: match[1], repo: match[2], path: (match[3] ?? '').replace(/\/+$/, '') };
}
