-- Tickets as the hub last told us (server truth). Local, undelivered actions live in
-- `outbox`; the screen shows this table with the outbox laid over it.
CREATE TABLE tickets (
    id            TEXT PRIMARY KEY,
    channel       TEXT NOT NULL,
    station       TEXT NOT NULL,
    status        TEXT NOT NULL,
    version       INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    bumped_at_ms  INTEGER,
    body          TEXT NOT NULL
);
CREATE INDEX tickets_by_status ON tickets (status, created_at_ms);

-- The last event applied per channel, updated in the same transaction as the event.
CREATE TABLE cursors (
    channel TEXT PRIMARY KEY,
    epoch   TEXT NOT NULL,
    seq     INTEGER NOT NULL
);

-- Actions taken on this screen, delivered to the hub in order, exactly once (the hub
-- dedupes by `key`, sent as Idempotency-Key).
CREATE TABLE outbox (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    key           TEXT NOT NULL UNIQUE,
    ticket_id     TEXT NOT NULL,
    action        TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending',
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at_ms INTEGER NOT NULL,
    settled_at_ms INTEGER,
    detail        TEXT
);
CREATE INDEX outbox_pending ON outbox (state, seq);
