-- The version of a target that Fleet deployed (a GitHub deployment, a workflow run or an external
-- system's execution), as JSON: see src/domain/deployment.ts. NULL until the deploy brick runs.
ALTER TABLE targets ADD COLUMN deployment_json TEXT;
