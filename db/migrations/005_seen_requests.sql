-- Signed Slack requests already accepted (by their X-Slack-Signature) and Events API deliveries
-- already claimed (as `event:<event_id>`), each kept until it can no longer be replayed or retried.
CREATE TABLE seen_requests (
  key           TEXT PRIMARY KEY,
  expires_at    INTEGER NOT NULL
);
CREATE INDEX seen_requests_expires_at ON seen_requests(expires_at);
