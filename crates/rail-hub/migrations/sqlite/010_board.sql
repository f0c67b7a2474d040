-- When each order reached its current status: the pickup board keeps a ready order up
-- for a while after it turned ready.
ALTER TABLE orders ADD COLUMN status_at_ms INTEGER;
