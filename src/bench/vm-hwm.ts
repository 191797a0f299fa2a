import { readFileSync } from 'node:fs';

/**
 * The kernel's own high-water mark of this process's resident memory (VmHWM), in MB; null where
 * /proc is not there. A sampler could miss a short peak; this cannot.
 */
export function readVmHwmMb(): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}
