-- PostgreSQL's form of sqlite/007_schedule.sql: the same tables, BIGINT for integers.
-- When a ticket held by its order's schedule must be fired (hub time); NULL for every
-- other ticket. The scheduler reads the next one from this index, so a restart loses
-- no fire time: they are all here.
ALTER TABLE tickets ADD COLUMN fire_at_ms BIGINT;
CREATE INDEX tickets_to_fire ON tickets (fire_at_ms) WHERE fire_at_ms IS NOT NULL;
