-- PostgreSQL's form of sqlite/003_devices.sql: the same tables, BIGINT for integers.
-- Paired devices: screens and tills that hold a long-lived secret (kept only as its
-- SHA-256) and exchange it for short-lived access tokens.
CREATE TABLE devices (
    location_id   TEXT NOT NULL,
    id            TEXT NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    stations      TEXT NOT NULL,  -- JSON array
    secret_sha256 TEXT,           -- NULL until the device collects its credentials
    paired_at_ms  BIGINT NOT NULL,
    last_seen_ms  BIGINT,
    address       TEXT,
    app_version   TEXT,
    revoked_at_ms BIGINT,
    PRIMARY KEY (location_id, id)
);
-- Paired devices get random ids, so a token exchange finds its device by id alone.
CREATE INDEX devices_by_id ON devices (id);

-- Pairing requests from devices with no credentials yet. Approving one creates the
-- device; the requester collects its credentials with the poll secret.
CREATE TABLE pair_requests (
    id               TEXT PRIMARY KEY,
    code             TEXT NOT NULL,
    poll_sha256      TEXT NOT NULL,
    name             TEXT NOT NULL,
    app_version      TEXT,
    address          TEXT,
    requested_at_ms  BIGINT NOT NULL,
    expires_at_ms    BIGINT NOT NULL,
    location_id      TEXT,           -- set on approval
    device_id        TEXT            -- set on approval
);
CREATE INDEX pair_requests_by_code ON pair_requests (code);
