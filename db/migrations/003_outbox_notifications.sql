-- The outbox holds notification records (what happened, src/domain/notifications.ts), rendered to
-- Slack by the notify job when it delivers them, instead of Slack method names and rendered
-- payloads. Rows queued by the old code become 'legacy-slack' records that carry the old method and
-- payload verbatim, so a pending one is still delivered once, as it would have been.
CREATE TABLE outbox_records (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  campaign_id   TEXT,
  channel       TEXT NOT NULL,
  kind          TEXT NOT NULL,                 -- the notification's kind (the record's "kind")
  record_json   TEXT NOT NULL,                 -- the notification record
  thread_of     TEXT,                          -- 'root' to thread under the campaign's root message
  coalesce_key  TEXT,                          -- pending messages with the same key collapse to the newest
  state         TEXT NOT NULL CHECK (state IN ('pending','sending','sent','dead')) DEFAULT 'pending',
  attempts      INTEGER NOT NULL DEFAULT 0,
  not_before    INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT,
  delivered_as  TEXT CHECK (delivered_as IN ('post','update','ephemeral','publish')),
  delivered_ts  TEXT,                          -- the chat message that carries it
  created_at    INTEGER NOT NULL,
  settled_at    INTEGER                        -- delivered or given up
);

INSERT INTO outbox_records (id, campaign_id, channel, kind, record_json, thread_of, coalesce_key, state, attempts, not_before, last_error, delivered_as, delivered_ts, created_at, settled_at)
SELECT
  id, campaign_id, channel, 'legacy-slack',
  json_object('kind', 'legacy-slack', 'method', method, 'payload', json(payload_json)),
  thread_of, coalesce_key, state, attempts, not_before, last_error,
  CASE WHEN state = 'sent' THEN CASE method WHEN 'chat.postMessage' THEN 'post' WHEN 'chat.update' THEN 'update' WHEN 'chat.postEphemeral' THEN 'ephemeral' ELSE 'publish' END END,
  result_ts, created_at, sent_at
FROM outbox;

-- Keep the id sequence: ids are stamped on posted messages (metadata outbox_id) to find a send
-- interrupted by a crash, so an id of a message removed by retention must never be handed out again.
DELETE FROM sqlite_sequence WHERE name = 'outbox_records';
INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_records', seq FROM sqlite_sequence WHERE name = 'outbox';

DROP TABLE outbox;
ALTER TABLE outbox_records RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox(state, not_before, id);
CREATE INDEX outbox_coalesce ON outbox(coalesce_key, state);
