import { accessSync, constants } from 'node:fs';

/** Whether a tool a test needs is installed where the test looks for it. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
