-- PostgreSQL's form of sqlite/013_deliveries.sql: the same table, BIGINT for integers.
-- Proofs and alerts of tickets' arrivals on a station's rail, kept beyond the hub
-- process and shared by the hubs of a group, which decide here which of them raises or
-- clears an alert.
CREATE TABLE deliveries (
    location_id   TEXT NOT NULL,
    channel       TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    ticket_id     TEXT NOT NULL,
    posted_at_ms  BIGINT NOT NULL,
    proven_by     TEXT,
    proven_at_ms  BIGINT,
    alerted_at_ms BIGINT,
    cleared_at_ms BIGINT,
    PRIMARY KEY (location_id, channel, seq)
);
CREATE INDEX deliveries_by_age ON deliveries (posted_at_ms);
CREATE INDEX deliveries_by_ticket ON deliveries (location_id, ticket_id);
-- The alerts standing: looked through whenever proofs are kept.
CREATE INDEX deliveries_standing ON deliveries (location_id)
    WHERE alerted_at_ms IS NOT NULL AND cleared_at_ms IS NULL;
