import { describe, expect, test } from 'vitest';
import { isFleetError } from '../../src/errors.js';
import { STEP_KINDS } from '../../src/domain/step-options.js';
import { createDefaultRegistry, createStepRegistry } from '../../src/steps/registry.js';
import { gateStep } from '../../src/steps/gate.js';

describe('step registry', () => {
  test('the default registry has every brick a spec can name', () => {
    const registry = createDefaultRegistry();
    expect(registry.kinds().sort()).toEqual([...STEP_KINDS].sort());
  });

  test('a missing kind is a FleetError naming it; a kind registered twice is refused', () => {
    const registry = createStepRegistry([gateStep]);
    let error: unknown;
    try {
      registry.get('merge');
    } catch (e) {
      error = e;
    }
    expect(isFleetError(error, 'internal')).toBe(true);
    expect((error as Error).message).toContain('"merge"');
    expect(() => createStepRegistry([gateStep, gateStep])).toThrow(/registered for "gate"/);
  });
});
