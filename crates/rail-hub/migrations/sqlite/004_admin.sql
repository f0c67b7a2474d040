-- The manager's accounts (Argon2 password hashes), their browser sessions (the cookie's
-- id kept only as its SHA-256), and the audit log of what was changed and by whom.
CREATE TABLE admins (
    location_id   TEXT NOT NULL,
    username      TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (location_id, username)
);

CREATE TABLE admin_sessions (
    id_sha256     TEXT PRIMARY KEY,
    location_id   TEXT NOT NULL,
    username      TEXT NOT NULL,
    csrf          TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    location_id TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX audit_by_location ON audit_log (location_id, id);
