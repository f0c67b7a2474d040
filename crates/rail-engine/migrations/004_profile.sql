-- The screen profile the hub last gave this screen, so a restart while the hub is
-- away still looks the way the manager set it. One row or none.
CREATE TABLE profile (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    body TEXT NOT NULL
);
