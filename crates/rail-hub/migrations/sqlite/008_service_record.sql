-- The service record: every event of a location's channel (tickets of every station,
-- order status, delivery alerts) kept for days, apart from the replay history, which
-- is pruned in hours. Reports and the flight recorder read it; `frame` is the event as
-- subscribers got it. `id` orders events as they were committed.
CREATE TABLE service_record (
    id          INTEGER PRIMARY KEY,
    location_id TEXT NOT NULL,
    ts_ms       INTEGER NOT NULL,
    station     TEXT,            -- the ticket's station; NULL for order and alert events
    ticket_id   TEXT,
    frame       TEXT NOT NULL
);
CREATE INDEX service_record_by_station ON service_record (location_id, station, ticket_id, id);
CREATE INDEX service_record_by_time ON service_record (location_id, ts_ms);
