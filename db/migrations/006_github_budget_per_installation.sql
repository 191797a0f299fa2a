-- A GitHub App installed on several organisations has a budget per installation: content-creating
-- requests are paced per installation ('' is the one budget of a token or a single installation).
-- Rate-limit records of an installation are kept under '<resource>@installation:<id>'.
ALTER TABLE github_writes ADD COLUMN budget TEXT NOT NULL DEFAULT '';
CREATE INDEX github_writes_budget_at ON github_writes(budget, at);
