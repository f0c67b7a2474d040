-- Each restaurant's stations and routing rules, edited on the admin page. A location
-- with no row routes by the configuration file's rules (its first-start seed).
CREATE TABLE kitchen_setup (
    location_id   TEXT PRIMARY KEY,
    body          TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
