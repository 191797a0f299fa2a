import { describe, expect, test } from 'vitest';
import { parseCampaignSource } from '../../src/campaigns/campaign-source.js';

describe('parseCampaignSource', () => {
  test('tells a directory from a GitHub location', () => {
    expect(parseCampaignSource('/etc/fleet/campaigns')).toEqual({ kind: 'directory', path: '/etc/fleet/campaigns' });
    expect(parseCampaignSource('github:acme/specs')).toEqual({ kind: 'github', owner: 'acme', repo: 'specs', path: '' });
    expect(parseCampaignSource('github:acme/specs/campaigns/prod')).toEqual({ kind: 'github', owner: 'acme', repo: 'specs', path: 'campaigns/prod' });
  });
});
