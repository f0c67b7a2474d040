-- Order status as the hub announced it (`order:created`, `order:status`), for the expo
-- view: an order leaves the pass when it is served, completed or cancelled.
CREATE TABLE orders (
    id     TEXT PRIMARY KEY,
    status TEXT NOT NULL
);
