-- PostgreSQL's form of sqlite/010_board.sql: the same tables, BIGINT for integers.
-- When each order reached its current status: the pickup board keeps a ready order up
-- for a while after it turned ready.
ALTER TABLE orders ADD COLUMN status_at_ms BIGINT;
