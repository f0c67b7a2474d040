-- SQLite's migration 012 changes how its event log is laid out on disk; PostgreSQL's
-- tables (heap and separate indexes) are already laid out that way. Kept so both
-- engines count their migrations alike.
SELECT 1;
