-- PostgreSQL's form of sqlite/011_table_sessions.sql: the same tables, BIGINT for integers.
-- One party's stay at a table: the short link its guests follow, open until the party
-- leaves or the next one sits. Orders taken at the table meanwhile name the session, so
-- its channel carries them and never the next party's.
CREATE TABLE table_sessions (
    id            TEXT PRIMARY KEY,
    location_id   TEXT NOT NULL,
    table_id      TEXT NOT NULL,
    code          TEXT NOT NULL UNIQUE,
    opened_at_ms  BIGINT NOT NULL,
    closed_at_ms  BIGINT
);
CREATE UNIQUE INDEX table_sessions_open ON table_sessions (location_id, table_id)
    WHERE closed_at_ms IS NULL;
ALTER TABLE orders ADD COLUMN table_session TEXT;
CREATE INDEX orders_by_table_session ON orders (location_id, table_session)
    WHERE table_session IS NOT NULL;
