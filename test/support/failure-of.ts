import { isFleetError } from '../../src/errors.js';

/** The FleetError a promise rejects with, as its code and sentence; any other outcome fails the test. */
export async function failureOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isFleetError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the change to fail');
}
