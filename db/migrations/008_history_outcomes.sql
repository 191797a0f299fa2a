-- What each campaign has contributed to history_stats: one row per target outcome. Recording a
-- campaign again (after a crash, or when a halted campaign is resumed and ends later) changes only
-- what changed since, so a campaign counts once with its targets' latest outcomes; and a campaign's
-- own wave decisions can leave its own outcomes out of the prior they learn from.
-- change_key names what changed ("dependency:npm:lodash@4"); history_stats then also has a row of
-- scope 'kind' whose key is that change key (beside '*', the kind as a whole).
CREATE TABLE history_outcomes (
  campaign_id   TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  target_id     INTEGER NOT NULL,
  repo          TEXT NOT NULL,
  change_kind   TEXT NOT NULL,
  change_key    TEXT NOT NULL,
  succeeded     INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
  recorded_at   INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, target_id)
);
