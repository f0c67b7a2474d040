-- What the hub learnt of each ticket's arrival on a station's rail that must outlive
-- the hub process: the first screen to prove it has the ticket, and the alert raised
-- when none did in time (and its all-clear). Keyed by the event that put the ticket on
-- the rail, so a recalled ticket's new arrival starts a new row. A row is written only
-- once a proof or an alert exists; the arrivals themselves are in the event log.
--
-- Hubs sharing a store decide here, in one transaction each, which of them raises or
-- clears an alert, so each is raised once and cleared once whichever hubs watch it.
CREATE TABLE deliveries (
    location_id   TEXT NOT NULL,
    channel       TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    ticket_id     TEXT NOT NULL,
    posted_at_ms  INTEGER NOT NULL,
    proven_by     TEXT,
    proven_at_ms  INTEGER,
    alerted_at_ms INTEGER,
    cleared_at_ms INTEGER,
    PRIMARY KEY (location_id, channel, seq)
) WITHOUT ROWID;
CREATE INDEX deliveries_by_age ON deliveries (posted_at_ms);
CREATE INDEX deliveries_by_ticket ON deliveries (location_id, ticket_id);
-- The alerts standing: looked through whenever proofs are kept.
CREATE INDEX deliveries_standing ON deliveries (location_id)
    WHERE alerted_at_ms IS NOT NULL AND cleared_at_ms IS NULL;
