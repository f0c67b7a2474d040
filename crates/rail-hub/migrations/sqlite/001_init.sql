-- Orders as posted by the POS, and the per-station tickets they were split into.
CREATE TABLE orders (
    location_id   TEXT NOT NULL,
    id            TEXT NOT NULL,
    number        TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (location_id, id)
);

CREATE TABLE tickets (
    location_id   TEXT NOT NULL,
    id            TEXT NOT NULL,
    order_id      TEXT NOT NULL,
    station       TEXT NOT NULL,
    status        TEXT NOT NULL,
    version       INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    bumped_at_ms  INTEGER,
    body          TEXT NOT NULL,
    PRIMARY KEY (location_id, id)
);
CREATE INDEX tickets_by_station ON tickets (location_id, station, status, created_at_ms);

-- Position of each channel's history: the last sequence number handed out.
CREATE TABLE channels (
    location_id TEXT NOT NULL,
    channel     TEXT NOT NULL,
    last_seq    INTEGER NOT NULL,
    PRIMARY KEY (location_id, channel)
);

-- The event log. `frame` is the exact JSON text sent to subscribers, so a replay is
-- byte-for-byte what a live client received.
CREATE TABLE events (
    location_id TEXT NOT NULL,
    channel     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    ts_ms       INTEGER NOT NULL,
    frame       TEXT NOT NULL,
    PRIMARY KEY (location_id, channel, seq)
) WITHOUT ROWID;
CREATE INDEX events_by_age ON events (ts_ms);

-- Responses of idempotent mutations, keyed by the client's Idempotency-Key.
CREATE TABLE idempotency (
    location_id   TEXT NOT NULL,
    key           TEXT NOT NULL,
    request       TEXT NOT NULL,
    status        INTEGER NOT NULL,
    response      TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (location_id, key)
);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
