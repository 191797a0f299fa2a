-- Who started a campaign, beside the spec's owner: with policy.fourEyes the launcher cannot approve
-- the campaign's gates alone. Campaigns started before this column existed were started by their owner.
ALTER TABLE campaigns ADD COLUMN launched_by TEXT NOT NULL DEFAULT '';
UPDATE campaigns SET launched_by = owner;
