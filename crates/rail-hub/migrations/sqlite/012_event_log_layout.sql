-- The event log and the channels' positions, laid out for the order path.
--
-- Events were a WITHOUT ROWID table keyed by (location, channel, seq): its leaves
-- held the frames themselves (a kilobyte or more each, three or four to a page), and
-- an order's events land on four or more channels at once, so nearly every order split
-- leaves in several places. As a rowid table the frames are appended at one end and
-- only the small key index is written at each channel's place: a third fewer pages
-- written per order. `channels` holds small rows looked up by their key only: WITHOUT
-- ROWID spares it a second b-tree.
CREATE TABLE events_appended (
    location_id TEXT NOT NULL,
    channel     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    ts_ms       INTEGER NOT NULL,
    frame       TEXT NOT NULL,
    PRIMARY KEY (location_id, channel, seq)
);
INSERT INTO events_appended (location_id, channel, seq, ts_ms, frame)
    SELECT location_id, channel, seq, ts_ms, frame FROM events ORDER BY ts_ms, location_id, channel, seq;
DROP TABLE events;
ALTER TABLE events_appended RENAME TO events;
CREATE INDEX events_by_age ON events (ts_ms);

CREATE TABLE channels_keyed (
    location_id TEXT NOT NULL,
    channel     TEXT NOT NULL,
    last_seq    INTEGER NOT NULL,
    PRIMARY KEY (location_id, channel)
) WITHOUT ROWID;
INSERT INTO channels_keyed (location_id, channel, last_seq)
    SELECT location_id, channel, last_seq FROM channels;
DROP TABLE channels;
ALTER TABLE channels_keyed RENAME TO channels;
