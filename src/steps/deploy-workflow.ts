import { FleetError } from '../errors.js';
import type { DeployMethod } from './deploy-method.js';

/** `deploy.method: workflow-dispatch`: not built yet; a spec that names it gets a person's attention. */
export const workflowDispatchMethod: DeployMethod<unknown> = {
  advance() {
    return Promise.reject(new FleetError('spec_invalid', 'deploy.method "workflow-dispatch" is not built in this Fleet yet; use "deployments".'));
  },
  deactivate() {
    return Promise.resolve();
  },
};
