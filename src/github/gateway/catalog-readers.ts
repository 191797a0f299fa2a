import { FleetError } from '../../errors.js';
import type { GitDataGateway } from './git-data.js';
import type { RepoGateway } from './repos.js';

/** The readers the campaign catalog uses when FLEET_CAMPAIGNS is `github:owner/repo/path`. */
export interface GatewayReaders {
  /** `github:owner/repo/path/to/file.yml` → its text, or undefined when missing. */
  readRemoteFile(location: string): Promise<string | undefined>;
  /** `github:owner/repo/dir` → the locations of the files under it (recursively), sorted. */
  listRemoteFiles(location: string): Promise<string[]>;
}

function parseLocation(location: string): { repo: string; path: string } {
  const match = /^github:([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)(?:\/(.*))?$/.exec(location);
  if (!match) throw new FleetError('bad_input', `"${location}" is not a GitHub location: write it as github:owner/repo/path, e.g. github:acme/fleet-campaigns/campaigns.`);
  return { repo: match[1], path: (match[2] ?? '').replace(/\/+$/, '') };
}

/**
 * Reads a campaign catalog kept in a GitHub repository, on its default branch.
 *
 * @example
 * const readers = createGatewayReaders(gateway);
 * await readers.listRemoteFiles('github:acme/fleet-campaigns/campaigns'); // ['github:acme/fleet-campaigns/campaigns/bump.yml']
 */
export function createGatewayReaders(gateway: Pick<RepoGateway, 'getRepo' | 'getBranchSha'> & Pick<GitDataGateway, 'readFile' | 'listTree'>): GatewayReaders {
  async function headOf(repo: string): Promise<string> {
    const info = await gateway.getRepo(repo);
    if (!info) throw new FleetError('spec_not_found', `The campaign catalog repository ${repo} was not found: check FLEET_CAMPAIGNS and that Fleet can see the repository.`, { repo });
    return info.defaultBranch;
  }
  return {
    async readRemoteFile(location) {
      const { repo, path } = parseLocation(location);
      return gateway.readFile(repo, await headOf(repo), path);
    },
    async listRemoteFiles(location) {
      const { repo, path } = parseLocation(location);
      const branch = await headOf(repo);
      const sha = await gateway.getBranchSha(repo, branch);
      if (!sha) return [];
      const prefix = path === '' ? '' : `${path}/`;
      return (await gateway.listTree(repo, sha))
        .filter((e) => e.path.startsWith(prefix))
        .map((e) => `github:${repo}/${e.path}`)
        .sort();
    },
  };
}
