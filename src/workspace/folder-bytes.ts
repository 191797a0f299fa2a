import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The bytes a folder takes: its files' sizes, walked (symbolic links are not followed). A checkout
 * of a few hundred files takes milliseconds; the pool and the `run` kind's disk share use it.
 *
 * @example
 * await folderBytes('/var/lib/fleet/workspaces') // 48213504
 */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      total += await folderBytes(path);
      continue;
    }
    try {
      total += (await lstat(path)).size;
    } catch {
      // Removed while walking.
    }
  }
  return total;
}
