-- Fleet's initial schema. Times are epoch milliseconds (UTC). JSON columns are validated by zod
-- when read (src/store/json.ts), never trusted.

CREATE TABLE campaigns (
  id            TEXT PRIMARY KEY,              -- short, human-typable id, e.g. "c-7f3a"
  name          TEXT NOT NULL,
  spec_json     TEXT NOT NULL,                 -- the validated CampaignSpec
  spec_source   TEXT NOT NULL DEFAULT '',      -- where the spec came from (file path or catalog name)
  change_kind   TEXT NOT NULL,
  owner         TEXT NOT NULL,                 -- Slack user id
  channel       TEXT NOT NULL,                 -- Slack channel id
  root_ts       TEXT,                          -- ts of the root message, once posted
  state         TEXT NOT NULL CHECK (state IN ('draft','running','paused','awaiting-approval','halted','rolling-back','completed','aborted')),
  state_reason  TEXT NOT NULL DEFAULT '',
  current_wave  INTEGER NOT NULL DEFAULT 0,
  wave_count    INTEGER NOT NULL DEFAULT 0,
  version       INTEGER NOT NULL DEFAULT 1,    -- optimistic concurrency
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX campaigns_by_state ON campaigns(state);
CREATE INDEX campaigns_by_channel ON campaigns(channel);

CREATE TABLE targets (
  id            INTEGER PRIMARY KEY,
  campaign_id   TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  repo          TEXT NOT NULL,                 -- "owner/name"
  wave          INTEGER NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('pending','running','waiting','needs-attention','succeeded','failed','skipped','reverted')),
  state_reason  TEXT NOT NULL DEFAULT '',
  step_index    INTEGER NOT NULL DEFAULT 0,    -- index into the campaign's step list
  due_at        INTEGER NOT NULL DEFAULT 0,    -- when the engine should look at it again
  attempts      INTEGER NOT NULL DEFAULT 0,    -- failed attempts of the current step
  pr_number     INTEGER,
  pr_url        TEXT,
  branch        TEXT,
  head_sha      TEXT,
  merged_sha    TEXT,
  score         REAL,                          -- confidence 0..100, once computed
  signals_json  TEXT NOT NULL DEFAULT '{}',    -- collected confidence signals and evidence
  risk_json     TEXT NOT NULL DEFAULT '{}',    -- inputs of wave planning (canary flag, criticality)
  version       INTEGER NOT NULL DEFAULT 1,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  UNIQUE (campaign_id, repo)
);
CREATE INDEX targets_due ON targets(state, due_at);
CREATE INDEX targets_by_campaign_wave ON targets(campaign_id, wave, state);
CREATE INDEX targets_by_pr ON targets(repo, pr_number);

-- The persisted state of each step of each target (a step's own memory across runs and crashes).
CREATE TABLE target_steps (
  target_id     INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
  step_index    INTEGER NOT NULL,
  kind          TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('pending','running','waiting','done','failed','needs-human','skipped')),
  data_json     TEXT NOT NULL DEFAULT '{}',
  reason        TEXT NOT NULL DEFAULT '',
  runs          INTEGER NOT NULL DEFAULT 0,
  started_at    INTEGER,
  finished_at   INTEGER,
  PRIMARY KEY (target_id, step_index)
);

-- Append-only: every change of state, with who, what, when and the evidence.
CREATE TABLE events (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  campaign_id   TEXT,
  target_id     INTEGER,
  at            INTEGER NOT NULL,
  actor         TEXT NOT NULL,                 -- Slack user id, "engine", "github", "system"
  kind          TEXT NOT NULL,
  data_json     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_campaign ON events(campaign_id, id);
CREATE INDEX events_by_at ON events(at);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- Gates: wave gates and rollback offers. A decision is taken once (state moves from 'open' only).
CREATE TABLE gates (
  id            INTEGER PRIMARY KEY,
  campaign_id   TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  wave          INTEGER NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('wave','rollback')),
  state         TEXT NOT NULL CHECK (state IN ('open','approved','rejected','expired','cancelled')),
  decision      TEXT NOT NULL CHECK (decision IN ('auto','review','halt')),
  confidence_json TEXT NOT NULL DEFAULT '{}',  -- the explanation shown to approvers
  decided_by    TEXT,
  decided_at    INTEGER,
  opened_at     INTEGER NOT NULL,
  expires_at    INTEGER,
  message_ts    TEXT,
  UNIQUE (campaign_id, wave, kind)
);

-- Slack outbox: written in the same transaction as the state change; the notify job delivers it.
CREATE TABLE outbox (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  campaign_id   TEXT,
  channel       TEXT NOT NULL,
  method        TEXT NOT NULL CHECK (method IN ('chat.postMessage','chat.update','chat.postEphemeral','views.publish')),
  thread_of     TEXT,                          -- 'root' to thread under the campaign's root message
  payload_json  TEXT NOT NULL,
  coalesce_key  TEXT,                          -- pending messages with the same key collapse to the newest
  state         TEXT NOT NULL CHECK (state IN ('pending','sending','sent','dead')) DEFAULT 'pending',
  attempts      INTEGER NOT NULL DEFAULT 0,
  not_before    INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT,
  result_ts     TEXT,
  created_at    INTEGER NOT NULL,
  sent_at       INTEGER
);
CREATE INDEX outbox_pending ON outbox(state, not_before, id);
CREATE INDEX outbox_coalesce ON outbox(coalesce_key, state);

-- Conditional-request cache for GitHub (ETag / Last-Modified).
CREATE TABLE http_cache (
  key           TEXT PRIMARY KEY,              -- method + url
  etag          TEXT,
  last_modified TEXT,
  status        INTEGER NOT NULL,
  body          TEXT NOT NULL,
  updated_at    INTEGER NOT NULL
);

-- The GitHub budget every worker shares: rate-limit headers as last seen, and content writes for pacing.
CREATE TABLE github_rate (
  resource      TEXT PRIMARY KEY,              -- 'core', 'search', 'graphql', ...
  lim           INTEGER NOT NULL,
  remaining     INTEGER NOT NULL,
  reset_at      INTEGER NOT NULL,
  used_today    INTEGER NOT NULL DEFAULT 0,
  updated_at    INTEGER NOT NULL
);
CREATE TABLE github_writes (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  at            INTEGER NOT NULL,
  route         TEXT NOT NULL
);
CREATE INDEX github_writes_at ON github_writes(at);
CREATE TABLE github_requests (
  day           TEXT NOT NULL,                 -- YYYY-MM-DD (UTC)
  counted       INTEGER NOT NULL DEFAULT 0,
  not_modified  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day)
);

-- Learned history: successes and failures per repository and per change kind.
CREATE TABLE history_stats (
  scope         TEXT NOT NULL CHECK (scope IN ('repo','kind')),
  key           TEXT NOT NULL,                 -- repo full name, or '*' for the kind as a whole
  change_kind   TEXT NOT NULL,
  successes     INTEGER NOT NULL DEFAULT 0,
  failures      INTEGER NOT NULL DEFAULT 0,
  campaigns     INTEGER NOT NULL DEFAULT 0,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (scope, key, change_kind)
);

-- Settings: the global freeze, per-channel digest hour and time zone, and the like.
CREATE TABLE settings (
  key           TEXT PRIMARY KEY,
  value_json    TEXT NOT NULL,
  updated_by    TEXT NOT NULL,
  updated_at    INTEGER NOT NULL
);

-- Digest runs, so a channel's digest is posted once per local day.
CREATE TABLE digest_runs (
  channel       TEXT NOT NULL,
  day           TEXT NOT NULL,
  at            INTEGER NOT NULL,
  PRIMARY KEY (channel, day)
);
