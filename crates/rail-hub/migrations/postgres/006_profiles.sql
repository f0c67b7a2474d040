-- PostgreSQL's form of sqlite/006_profiles.sql: the same tables, BIGINT for integers.
-- Screen profiles (timer colours, language, look, sound) kept per restaurant, and the
-- one each device follows.
CREATE TABLE profiles (
    location_id   TEXT NOT NULL,
    name          TEXT NOT NULL,
    body          TEXT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (location_id, name)
);

ALTER TABLE devices ADD COLUMN profile TEXT;
