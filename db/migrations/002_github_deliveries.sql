-- GitHub webhook deliveries already handled, so a redelivery (same X-GitHub-Delivery id) changes nothing.
CREATE TABLE github_deliveries (
  id            TEXT PRIMARY KEY,              -- X-GitHub-Delivery
  event         TEXT NOT NULL,
  at            INTEGER NOT NULL
);
CREATE INDEX github_deliveries_at ON github_deliveries(at);
