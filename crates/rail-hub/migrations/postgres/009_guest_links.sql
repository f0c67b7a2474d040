-- PostgreSQL's form of sqlite/009_guest_links.sql: the same tables, BIGINT for integers.
-- Short links guests follow their order by (printed on the receipt as a QR code), and
-- when each order was closed, so a link stops working a grace period after.
CREATE TABLE guest_links (
    code          TEXT PRIMARY KEY,
    location_id   TEXT NOT NULL,
    order_id      TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX guest_links_by_order ON guest_links (location_id, order_id);
ALTER TABLE orders ADD COLUMN closed_at_ms BIGINT;
